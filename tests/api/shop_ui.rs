//! BopShop's public pages: an artist's shop tab (`/@handle/shop`) with only
//! their active products, page by page; a product's page with its share
//! cards, escaped text and sold-out variants; the profile's link to the
//! shop. The fan app's cart and checkout run in Chromium (`chromium.rs`).

use crate::bops::{artist, count_text};
use crate::browser::{Browser, png};
use crate::helpers::{TestApp, spawn_app};
use crate::shop::{add_variant, new_product};

/// Saves a product's main fields (options Color and Size when `sized`).
async fn save(browser: &mut Browser, product: &str, title: &str, status: &str, description: &str, sized: bool) {
    let mut fields = vec![("kind", "physical"), ("title", title), ("status", status), ("description", description)];
    if sized {
        fields.extend([("option1", "Color"), ("option2", "Size")]);
    }
    let page = browser.post_form(&format!("/studio/shop/products/{product}"), &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
}

/// A product without options, with one variant, in `status`; returns its id.
async fn simple(browser: &mut Browser, title: &str, status: &str) -> String {
    let product = new_product(browser, "physical", title, &[]).await;
    add_variant(browser, &product, &[], "12.00", "").await;
    if status != "draft" {
        save(browser, &product, title, status, "", false).await;
    }
    product
}

/// The page at `path` for someone signed out: (status, body).
async fn visit(app: &TestApp, path: &str) -> (u16, String) {
    let response = crate::helpers::client().get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The templates escape `/` and `&` in values; links read plainly here.
fn plain_links(html: &str) -> String {
    html.replace("&#x2f;", "/").replace("&amp;", "&")
}

fn handle_of(app: &TestApp, email: &str) -> String {
    count_text(
        app,
        &format!("SELECT a.handle FROM artist_profiles a JOIN users u ON u.id = a.user_id WHERE u.email = '{email}'"),
    )
}

#[tokio::test]
async fn the_shop_tab_lists_only_the_artists_active_products_page_by_page() {
    let app = spawn_app().await;
    let (mut nova, _) = artist(&app, "nova@example.com", "Nova").await;
    let (mut vera, _) = artist(&app, "vera@example.com", "Vera").await;
    let handle = handle_of(&app, "nova@example.com");
    let vera_handle = handle_of(&app, "vera@example.com");

    // Before any product: the empty state.
    let (status, body) = visit(&app, &format!("/@{vera_handle}/shop")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("No merch yet"), "{body}");

    for i in 1..=25 {
        simple(&mut nova, &format!("Item {i:02}"), "active").await;
    }
    simple(&mut nova, "Secret draft", "draft").await;
    simple(&mut nova, "Old tour", "archived").await;
    simple(&mut vera, "Vera tee", "active").await;

    let (status, first) = visit(&app, &format!("/@{handle}/shop")).await;
    assert_eq!(status, 200, "{first}");
    let first = plain_links(&first);
    assert!(!first.contains("No merch yet"));
    for i in 2..=25 {
        assert!(first.contains(&format!("Item {i:02}")), "Item {i:02} on the first page: {first}");
    }
    assert!(!first.contains("Item 01"), "24 to a page, newest first");
    for hidden in ["Secret draft", "Old tour", "Vera tee"] {
        assert!(!first.contains(hidden), "{hidden} is not in Nova's shop");
    }
    assert!(first.contains("$12.00") && !first.contains("from $12.00"), "one price, not \"from\": {first}");
    assert!(first.contains("href=\"/shop/products/"), "tiles open the product pages");
    let start = first.find("rel=\"next\"").map(|at| first[..at].rfind("href=\"").unwrap() + 6).expect("a next page");
    let more = &first[start..start + first[start..].find('"').unwrap()];
    assert!(more.starts_with(&format!("/@{handle}/shop?after=")), "{more}");

    let (status, second) = visit(&app, more).await;
    let second = plain_links(&second);
    assert_eq!(status, 200, "{second}");
    assert!(second.contains("Item 01") && !second.contains("Item 02"), "{second}");
    assert!(!second.contains("rel=\"next\""), "the last page");
    assert!(second.contains(&format!("href=\"/@{handle}/shop\"")), "the way back to the newest");

    // A page link from before the shop changed (its product gone, or
    // another artist's) starts over from the newest.
    let vera_tee = count_text(&app, "SELECT uid FROM products WHERE title = 'Vera tee'");
    for stale in ["0123456789abcdef0123456789abcdef", vera_tee.as_str()] {
        let response = crate::helpers::client().get(app.url(&format!("/@{handle}/shop?after={stale}"))).send().await;
        let response = response.unwrap();
        assert_eq!(response.status().as_u16(), 303, "{stale}");
        assert_eq!(response.headers()["location"], format!("/@{handle}/shop").as_str());
    }

    // Handles are found in any case; unknown ones and suspended artists are 404.
    assert_eq!(visit(&app, &format!("/@{}/shop", handle.to_uppercase())).await.0, 200);
    assert_eq!(visit(&app, "/@nobody_here/shop").await.0, 404);
    let uid = count_text(
        &app,
        "SELECT a.uid FROM artist_profiles a JOIN users u ON u.id = a.user_id WHERE u.email = 'vera@example.com'",
    );
    boptone::identity::service::set_suspended(&app.state, uid, true).await.unwrap();
    assert_eq!(visit(&app, &format!("/@{vera_handle}/shop")).await.0, 404);
    assert_eq!(visit(&app, &format!("/shop/products/{vera_tee}")).await.0, 404, "a hidden artist's product");
    app.stop().await;
}

#[tokio::test]
async fn a_product_page_has_share_cards_escapes_its_text_and_marks_sold_out_variants() {
    let app = spawn_app().await;
    let (mut nova, _) = artist(&app, "nova@example.com", "Nova").await;
    let title = "<script>alert(1)</script> Tour tee";
    let product = new_product(&mut nova, "physical", title, &["Color", "Size"]).await;
    add_variant(&mut nova, &product, &["Black", "M"], "25.00", "0").await;
    add_variant(&mut nova, &product, &["Black", "L"], "25.00", "3").await;
    let page = nova
        .post_form(
            &format!("/studio/shop/products/{product}/variants"),
            &[("value1", "White"), ("value2", "S"), ("price", "20.00"), ("compare_at", "30.00"), ("inventory", "")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let photo = nova
        .post_multipart(
            &format!("/studio/shop/products/{product}/photos"),
            &[],
            Some(("photo", png(800, 800), "image/png")),
        )
        .await;
    assert_eq!(photo.status, 303, "{}", photo.body);

    // A draft is nobody's business yet.
    assert_eq!(visit(&app, &format!("/shop/products/{product}")).await.0, 404);
    let description =
        "<p>Heavy <b>cotton</b> &amp; a <a href=\"https://nova.example\">story</a>.</p><script>alert(2)</script>";
    save(&mut nova, &product, title, "active", description, true).await;

    let (status, body) = visit(&app, &format!("/shop/products/{product}")).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("<script>alert"), "the title and description are escaped or sanitized: {body}");
    assert!(plain_links(&body).contains("&lt;script&gt;alert(1)&lt;/script&gt; Tour tee"), "{body}");
    assert!(body.contains("<b>cotton</b>"), "the sanitized description is rendered as HTML: {body}");

    // Share cards: absolute image URL, plain short description, product type.
    assert!(body.contains(r#"<meta property="og:type" content="product">"#), "{body}");
    assert!(body.contains(r#"<meta property="og:title" content="&lt;script&gt;alert(1)"#), "{body}");
    assert!(body.contains(r#"<meta property="og:description" content="Heavy cotton &amp; a story."#), "{body}");
    assert!(body.contains(r#"<meta name="twitter:card" content="summary_large_image">"#), "{body}");
    let start = body.find(r#"<meta property="og:image" content=""#).expect("og:image") + 35;
    let image = plain_links(&body[start..start + body[start..].find('"').unwrap()]);
    assert!(image.starts_with("http://") && image.contains("/media/shop/"), "{image}");
    let fetched = crate::helpers::client().get(&image).send().await.unwrap();
    assert_eq!(fetched.status(), 200, "the card's image opens for anyone: {image}");

    // Variants: the sold-out one is disabled and says so; the compare-at price is struck.
    let plain = plain_links(&body);
    let black_m = plain.find("Black / M").expect("Black / M is listed");
    let option = &plain[plain[..black_m].rfind("<option").unwrap()..black_m + 40];
    assert!(option.contains("disabled") && option.contains("Sold out"), "{option}");
    assert!(plain.contains("White / S — $20.00") && plain.contains("$30.00"), "{plain}");
    assert!(plain.contains(&format!("href=\"/app#shop/product/{product}\"")), "Buy opens the fan app");

    // The artist's profile links to the shop tab.
    let handle = handle_of(&app, "nova@example.com");
    let (status, profile) = visit(&app, &format!("/@{handle}")).await;
    assert_eq!(status, 200);
    assert!(plain_links(&profile).contains(&format!("href=\"/@{handle}?tab=shop\"")), "{profile}");
    let (_, tab) = visit(&app, &format!("/@{handle}?tab=shop")).await;
    assert!(plain_links(&tab).contains(&format!("href=\"/@{handle}/shop\"")), "the tab opens the whole shop: {tab}");

    // Its tile in the shop tab: prices differ, so "from" the cheapest.
    let (_, shop) = visit(&app, &format!("/@{handle}/shop")).await;
    assert!(shop.contains("from $20.00"), "{shop}");

    // Archived or unknown: gone.
    save(&mut nova, &product, title, "archived", "", true).await;
    assert_eq!(visit(&app, &format!("/shop/products/{product}")).await.0, 404);
    assert_eq!(visit(&app, "/shop/products/0123456789abcdef0123456789abcdef").await.0, 404);
    app.stop().await;
}
