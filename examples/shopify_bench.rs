//! The Shopify CSV reader alone on a 5,000-row export (1,000 tees × 5
//! sizes, an HTML body with a script to sanitise, an image per row): the
//! fastest, median and slowest of ten reads. The whole import (reader and
//! database, images skipped) is measured by `scripts/bench-shop`.
//!
//! `cargo run --release --example shopify_bench`

use std::fmt::Write;
use std::time::Instant;

use boptone::shop::shopify::parse_shopify_csv;

fn export() -> String {
    let mut csv = String::from(
        "Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,\
         Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,\
         Variant Price,Variant Compare At Price,Variant Barcode,Image Src,Image Position,Status\n",
    );
    let body = "<p>Heavyweight <strong>organic</strong> cotton tee, printed in Berlin.</p>\n\
                <ul><li>Unisex fit</li><li>Machine wash cold</li></ul>\
                <p onclick=\"\"x()\"\">Ships in 3 days.</p><script>track()</script>";
    for p in 0..1_000 {
        for (v, size) in ["XS", "S", "M", "L", "XL"].iter().enumerate() {
            let (title, body, meta) = if v == 0 {
                (format!("Tour Tee {p}"), format!("\"{body}\""), "Bop Band,T-Shirt,\"merch, tour, 2025\",TRUE,Size")
            } else {
                (String::new(), String::new(), ",,,,")
            };
            writeln!(
                csv,
                "tee-{p},{title},{body},{meta},{size},TEE-{p}-{size},180,shopify,{},{}.{:02},,0123{p:05},\
                 https://cdn.shopify.com/s/files/1/0001/files/tee-{p}-{v}.jpg,{},active",
                (p + v) % 40,
                20 + v,
                p % 100,
                v + 1
            )
            .expect("writing to a String");
        }
    }
    csv
}

fn main() {
    let csv = export();
    let runs = 10;
    let mut times = Vec::new();
    let mut products = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let parsed = parse_shopify_csv(csv.as_bytes(), 2).expect("the export reads");
        times.push(start.elapsed());
        assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped.first());
        products = parsed.products.len();
    }
    times.sort();
    println!(
        "5,000 rows ({} bytes, {products} products): min {:?}, median {:?}, max {:?} over {runs} reads",
        csv.len(),
        times[0],
        times[runs / 2],
        times[runs - 1]
    );
}
