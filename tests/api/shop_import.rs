//! Shopify import: the studio page and the admin command share one
//! importer; re-imports update and never duplicate; images that cannot be
//! fetched are listed; addresses on this machine are refused unless the
//! label allows them (the test peers are all on loopback).

use axum::Router;
use axum::routing::get;

use crate::bops::{artist, count, count_text};
use crate::browser::png;
use crate::helpers::{TestApp, boptone, run, spawn_app_with, stderr, stdout};

const HEADER: &str = "Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Price,Variant Compare At Price,Variant Barcode,Image Src,Image Position,Status";

/// A loopback server with one image (`/tee.png`); anything else is 404.
async fn image_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let image = png(800, 800);
    let app = Router::new().route("/tee.png", get(move || async move { ([("content-type", "image/png")], image) }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

fn export(images: &str) -> String {
    let rows = [
        HEADER.to_owned(),
        format!(
            "tour-tee,Tour Tee,<p>Soft <b>cotton</b><script>x()</script></p>,Nova,Shirt,\"merch, tour\",TRUE,Color,Black,Size,M,TEE-B-M,180,shopify,12,25.00,30.00,,{images}/tee.png,1,active"
        ),
        "tour-tee,,,,,,,,Black,,L,TEE-B-L,190,shopify,4,25.00,,,,,".to_owned(),
        format!("tour-tee,,,,,,,,,,,,,,,,,,{images}/missing.png,2,"),
        "poster,Poster,Plain text,Nova,Print,,FALSE,Title,Default Title,,,POSTER,,,,12,,,,,draft".to_owned(),
        "mug,Mug,,Nova,Mug,,TRUE,Title,Default Title,,,MUG,,shopify,3,abc,,,,,active".to_owned(),
        ",Orphan,,,,,,,,,,,,,,,,,,,".to_owned(),
    ];
    rows.join("\n") + "\n"
}

async fn import_app(local_images: bool) -> TestApp {
    spawn_app_with(move |c| c.set("shop.import_local_images", local_images), None, None).await
}

#[tokio::test]
async fn a_shopify_export_imports_once_and_updates_on_reimport() {
    let app = import_app(true).await;
    let images = image_server().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let csv = export(&images);
    let page = browser.get("/studio/shop/import").await;
    assert!(page.body.contains("Products → Export"));
    let page = browser
        .post_multipart("/studio/shop/import", &[("images", "1")], Some(("file", csv.clone().into_bytes(), "text/csv")))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("2 created, 0 updated, 2 rows skipped"), "{}", page.body);
    assert!(page.body.contains("line 6: "), "the mug's bad price, by line: {}", page.body);
    assert!(page.body.contains("line 7: "), "the row without a handle: {}", page.body);
    assert!(page.body.contains("missing.png: the server answered 404"), "{}", page.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM products"), 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM product_variants"), 3);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM product_photos"), 1, "the image that could be fetched");
    assert_eq!(count_text(&app, "SELECT status FROM products WHERE handle = 'tour-tee'"), "active");
    assert_eq!(count_text(&app, "SELECT status FROM products WHERE handle = 'poster'"), "draft");
    assert_eq!(
        count_text(&app, "SELECT description_html FROM products WHERE handle = 'tour-tee'"),
        "<p>Soft <b>cotton</b></p>"
    );
    assert_eq!(count(&app, "SELECT inventory FROM product_variants WHERE sku = 'TEE-B-L'"), 4);
    assert_eq!(count(&app, "SELECT compare_at_minor FROM product_variants WHERE sku = 'TEE-B-M'"), 3000);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM product_variants WHERE sku = 'POSTER' AND inventory IS NULL"), 1);

    // The same file again (stock changed in Shopify): updated, nothing duplicated.
    let changed = csv.replace("TEE-B-L,190,shopify,4", "TEE-B-L,190,shopify,9");
    let page = browser
        .post_multipart("/studio/shop/import", &[("images", "1")], Some(("file", changed.into_bytes(), "text/csv")))
        .await;
    assert!(page.body.contains("0 created, 2 updated"), "{}", page.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM products"), 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM product_variants"), 3);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM product_photos"), 1, "an image imported before is not fetched again");
    assert_eq!(count(&app, "SELECT inventory FROM product_variants WHERE sku = 'TEE-B-L'"), 9);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM shopify_integration"), 2);

    // Not a Shopify export: a clear message, nothing changed.
    let page = browser
        .post_multipart("/studio/shop/import", &[], Some(("file", b"name;price\nTee;12\n".to_vec(), "text/csv")))
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("seems to use semicolons between columns"), "{}", page.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM shopify_integration"), 2);
}

#[tokio::test]
async fn images_on_this_machine_are_refused_unless_the_label_allows_them() {
    let app = import_app(false).await;
    let images = image_server().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let page = browser
        .post_multipart(
            "/studio/shop/import",
            &[("images", "1")],
            Some(("file", export(&images).into_bytes(), "text/csv")),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("tee.png: the address is not on the public internet"), "{}", page.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM products"), 2, "the products are imported all the same");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM product_photos"), 0);
}

#[tokio::test]
async fn the_admin_command_imports_with_the_same_report() {
    let app = import_app(true).await;
    artist(&app, "nova@example.com", "Nova").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("products_export.csv");
    std::fs::write(&file, export("http://127.0.0.1:9")).unwrap();
    let import = |extra: &[&str]| {
        run(boptone().args(["shop", "import-shopify"]).arg(&file).args(extra).arg("--data-dir").arg(app.data_dir()))
    };
    let output = import(&["--artist", "nobody@example.com", "--skip-images"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("no artist account uses nobody@example.com"), "{}", stderr(&output));
    let output = import(&["--artist", "nova@example.com", "--skip-images"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    assert!(printed.contains("products_export.csv: 2 created, 0 updated, 2 rows skipped"), "{printed}");
    assert!(printed.contains("skipped line 6: "), "{printed}");
    let output = import(&["--artist", "nova@example.com", "--skip-images"]);
    assert!(stdout(&output).contains("0 created, 2 updated"), "{}", stdout(&output));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM products"), 2);
}
