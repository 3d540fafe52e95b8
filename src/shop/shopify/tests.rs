//! Tests against a realistic Shopify export: `testdata/products_export.csv`
//! (BOM on the header, 35 columns, a 2×3 Color×Size tee, image-only rows,
//! a non-consecutive handle, "Default Title" products, a draft and an
//! archived product, a multi-line Body (HTML) with <script>/onclick, a bad
//! price, an empty handle, duplicate options, a short row, no Title).

use super::*;

const FIXTURE: &[u8] = include_bytes!("testdata/products_export.csv");
const CDN: &str = "https://cdn.shopify.com/s/files/1/0001/files/";

fn parse_fixture(exponent: u32) -> ParsedImport {
    parse_shopify_csv(FIXTURE, exponent).expect("fixture parses")
}

fn product<'a>(parsed: &'a ParsedImport, handle: &str) -> &'a ImportedProduct {
    parsed.products.iter().find(|p| p.handle == handle).unwrap_or_else(|| panic!("no product {handle}"))
}

fn tee(line: usize, color: &str, size: &str, inventory: i64) -> ImportedVariant {
    ImportedVariant {
        line,
        options: vec![color.into(), size.into()],
        sku: format!("TEE-{}-{size}", color[..3].to_uppercase()),
        grams: Some(180),
        inventory: Some(inventory),
        price_minor: 2500,
        compare_at_minor: None,
        barcode: String::new(),
        image_src: None,
    }
}

fn image(name: &str, position: u32, line: usize) -> ImportedImage {
    ImportedImage { src: format!("{CDN}{name}"), position, line }
}

#[test]
fn fixture_products_in_file_order() {
    let parsed = parse_fixture(2);
    let handles: Vec<&str> = parsed.products.iter().map(|p| p.handle.as_str()).collect();
    assert_eq!(handles, ["tour-tee-2025", "sticker-pack", "demo-cd", "old-poster"]);
    let lines: Vec<usize> = parsed.products.iter().map(|p| p.line).collect();
    assert_eq!(lines, [2, 16, 20, 23]);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}

#[test]
fn fixture_tee_with_color_size_variants() {
    let parsed = parse_fixture(2);
    let p = product(&parsed, "tour-tee-2025");
    assert_eq!(p.title, "Tour Tee 2025");
    assert_eq!(p.vendor, "Bop Band");
    assert_eq!(p.product_type, "T-Shirt");
    assert_eq!(p.tags, ["merch", "Tour", "2025"]); // "tour" is a duplicate
    assert_eq!(p.status, ImportedStatus::Active);
    assert_eq!(p.option_names, ["Color", "Size"]);

    let first = ImportedVariant {
        inventory: Some(12),
        compare_at_minor: Some(3000),
        barcode: "0123456789012".into(),
        image_src: Some(format!("{CDN}tee-front.jpg")),
        ..tee(2, "Black", "S", 12)
    };
    let expected = vec![
        first,
        tee(6, "Black", "M", 0),
        // qty -3 (oversold) is clamped to 0; "27.5" is 2750; compare-at "0" is none
        ImportedVariant { price_minor: 2750, ..tee(7, "Black", "L", 0) },
        ImportedVariant { image_src: Some(format!("{CDN}tee-white.jpg")), ..tee(8, "White", "S", 4) },
        tee(10, "White", "M", 0), // tracked, empty qty -> 0
        tee(11, "White", "L", 7),
    ];
    assert_eq!(p.variants, expected);
}

#[test]
fn fixture_images_sorted_deduplicated_with_variant_images() {
    let parsed = parse_fixture(2);
    let p = product(&parsed, "tour-tee-2025");
    assert_eq!(
        p.images,
        [
            image("tee-front.jpg", 1, 2),
            image("tee-back.jpg", 2, 6), // repeated on line 26 with position 6
            image("tee-model.jpg", 3, 13),
            image("tee-detail.jpg", 4, 12),
            image("tee-tag.jpg", 5, 27),  // same handle after other products
            image("tee-white.jpg", 6, 8), // only a Variant Image
        ]
    );
}

#[test]
fn fixture_body_is_sanitised() {
    let parsed = parse_fixture(2);
    assert_eq!(
        product(&parsed, "tour-tee-2025").description_html,
        "<p>Our <strong>2025 tour</strong> tee.</p>\n\n\
         <p>Soft cotton, <a href=\"https://boptone.example/size\" rel=\"noopener nofollow\">size chart</a>, \
         <a rel=\"noopener nofollow\">free</a>.</p>\n\
         <ul><li>100% cotton</li><li>Printed in \"Berlin\"</li></ul>"
    );
    assert_eq!(
        product(&parsed, "sticker-pack").description_html,
        "Three vinyl stickers.<br>Waterproof &amp; dishwasher safe.<br><br>&quot;Bop&quot; logo included"
    );
    assert_eq!(product(&parsed, "demo-cd").description_html, "<p>Unreleased demos.</p>");
    assert_eq!(product(&parsed, "old-poster").description_html, "");
}

#[test]
fn fixture_default_title_draft_and_archived() {
    let parsed = parse_fixture(2);

    let stickers = product(&parsed, "sticker-pack");
    assert!(stickers.option_names.is_empty());
    assert_eq!(stickers.status, ImportedStatus::Active); // Status empty, Published TRUE
    let only = ImportedVariant {
        line: 16,
        options: vec![],
        sku: "STK-3".into(),
        grams: Some(20),
        inventory: None, // tracker empty: not tracked even though qty is 50
        price_minor: 500,
        compare_at_minor: None,
        barcode: String::new(),
        image_src: None,
    };
    assert_eq!(stickers.variants, [only]);
    assert_eq!(stickers.images, [image("stickers.png", 1, 16)]);

    let cd = product(&parsed, "demo-cd");
    assert_eq!(cd.status, ImportedStatus::Draft);
    assert_eq!(cd.variants.len(), 1);
    assert_eq!(cd.variants[0].price_minor, 1250);
    assert_eq!(cd.variants[0].inventory, Some(0));
    assert!(cd.tags.is_empty() && cd.images.is_empty());

    let poster = product(&parsed, "old-poster");
    assert_eq!(poster.status, ImportedStatus::Archived); // "Archived" beats Published TRUE
    assert_eq!(poster.option_names, ["Size"]);
    assert_eq!(poster.variants[0].options, ["A2"]);
    assert_eq!(poster.variants[0].grams, None);
    assert_eq!(poster.variants[0].inventory, Some(3));
}

#[test]
fn fixture_skipped_rows_with_reasons() {
    let parsed = parse_fixture(2);
    let skipped: Vec<String> = parsed.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(
        skipped,
        [
            "line 9: Variant Price \"abc\" is not a price (write it like 12.50, without currency sign or thousands separator)",
            "line 14: same options as the variant on line 6 (Color \"black\", Size \"m\")",
            "line 15: Handle is empty, so the row can't be matched to a product",
            "line 21: product \"demo-cd\" has no options, so it has only one variant (line 20)",
            "line 22: the row has 4 columns but the header has 35 (a missing quote or an extra comma?)",
            "line 24: product \"mystery-box\" not imported: its first row (line 24) has no Title",
            "line 25: product \"mystery-box\" not imported: its first row (line 24) has no Title",
        ]
    );
    assert_eq!(parsed.skipped[0].line, 9);
    assert!(parsed.skipped[0].reason.starts_with("Variant Price \"abc\""));
}

#[test]
fn fixture_with_zero_decimal_currency() {
    let parsed = parse_fixture(0);
    let tee = product(&parsed, "tour-tee-2025");
    assert_eq!(tee.variants[0].price_minor, 25); // "25.00" at exponent 0
    assert_eq!(tee.variants[0].compare_at_minor, Some(30));
    let reasons: Vec<&str> = parsed.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(reasons.contains(&"Variant Price \"27.5\" has decimals, but the shop currency has no cents"));
    // demo-cd's first row ("12.5") is refused, so its second row, no longer
    // a duplicate, becomes the only variant; product fields still come
    // from the first row.
    let cd = product(&parsed, "demo-cd");
    assert_eq!(cd.title, "Demo CD");
    assert_eq!(cd.variants.len(), 1);
    assert_eq!((cd.variants[0].line, cd.variants[0].price_minor), (21, 13));
    assert!(parsed.skipped.iter().any(|s| s.line == 20));
}

#[test]
fn fixture_without_bom_parses_the_same() {
    let without_bom = FIXTURE.strip_prefix("\u{feff}".as_bytes()).unwrap();
    assert_eq!(parse_shopify_csv(without_bom, 2).unwrap(), parse_fixture(2));
}
