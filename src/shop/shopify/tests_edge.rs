//! Edge cases on small inline files, whole-file errors and sanitising.

use super::*;

const HEADER: &str = "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Tracker,Variant Inventory Qty,Variant Grams,Variant Compare At Price,Image Src,Image Position,Variant Image,Published,Status";

fn parse(body: &str) -> ParsedImport {
    parse_shopify_csv(format!("{HEADER}\n{body}").as_bytes(), 2).expect("parses")
}

fn reasons(parsed: &ParsedImport) -> Vec<String> {
    parsed.skipped.iter().map(ToString::to_string).collect()
}

fn err(bytes: &[u8]) -> ImportError {
    parse_shopify_csv(bytes, 2).expect_err("should be refused")
}

#[test]
fn missing_handle_column_is_named() {
    let e = err(b"Title,Variant Price\nTee,10\n");
    assert!(matches!(&e, ImportError::MissingColumns(c) if c == &["Handle"]));
    assert!(e.to_string().starts_with("The file has no \"Handle\" column."), "{e}");
    let e = err(b"Handle;Title;Variant Price\ntee;Tee;10\n");
    assert!(matches!(e, ImportError::WrongDelimiter("semicolons")), "{e}");
}

#[test]
fn not_utf8_and_not_csv() {
    let latin1 = b"Handle,Title,Variant Price\ntee,Tee,10\ncafe,Caf\xe9,10\n";
    let e = err(latin1);
    assert!(matches!(e, ImportError::NotUtf8 { line: 3 }), "{e:?}");
    assert!(e.to_string().contains("Line 3 is not UTF-8"), "{e}");
    let zip = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5\x95\x9f\xc8";
    assert!(matches!(err(zip), ImportError::NotCsv(_)));
}

#[test]
fn empty_files() {
    assert!(matches!(err(b""), ImportError::Empty));
    assert!(matches!(err(b"\n\n\r\n"), ImportError::Empty));
    assert!(matches!(err("\u{feff}".as_bytes()), ImportError::Empty));
    assert!(matches!(err(b"Handle,Title\n"), ImportError::NoRows));
    assert!(matches!(err(b"Handle,Title\n,\n , \n"), ImportError::NoRows));
}

#[test]
fn row_limit() {
    let rows = |n: usize| {
        let mut s = String::from("Handle,Title,Option1 Name,Option1 Value,Variant Price\n");
        for i in 0..n {
            s.push_str(&format!("p{},P,Size,S,1\n", i));
        }
        s
    };
    let ok = parse_shopify_csv(rows(MAX_ROWS).as_bytes(), 2).unwrap();
    assert_eq!(ok.products.len(), MAX_ROWS);
    let e = parse_shopify_csv(rows(MAX_ROWS + 1).as_bytes(), 2).unwrap_err();
    assert!(matches!(e, ImportError::TooManyRows));
    assert!(e.to_string().contains("more than 20000 product rows"), "{e}");
}

#[test]
fn columns_by_name_any_order_and_extra_columns() {
    let csv = " variant price ,Extra,HANDLE,Title , Body (HTML)\n12.5,x,mug,Mug,\"Hot <b>coffee</b>\"\n";
    let parsed = parse_shopify_csv(csv.as_bytes(), 2).unwrap();
    let p = &parsed.products[0];
    assert_eq!((p.handle.as_str(), p.title.as_str()), ("mug", "Mug"));
    assert_eq!(p.description_html, "Hot <b>coffee</b>");
    assert_eq!(p.status, ImportedStatus::Draft); // no Status, no Published
    assert_eq!(p.variants[0].price_minor, 1250);
    assert_eq!(p.variants[0].inventory, None);
    assert!(p.option_names.is_empty() && p.variants[0].options.is_empty());
}

#[test]
fn status_rules() {
    let parsed = parse(
        "a,A,,,,1,,,,,,,,FALSE,\nb,B,,,,1,,,,,,,,true,\nc,C,,,,1,,,,,,,,TRUE,DRAFT\nd,D,,,,1,,,,,,,,TRUE,unlisted\n",
    );
    let statuses: Vec<_> = parsed.products.iter().map(|p| p.status).collect();
    use ImportedStatus::*;
    assert_eq!(statuses, [Draft, Active, Draft, Active]);
    assert_eq!(
        parsed.warnings[0].to_string(),
        "line 5: Status \"unlisted\" is not active, draft or archived; used Published instead"
    );
}

#[test]
fn inventory_without_tracker_column() {
    let csv = "Handle,Title,Option1 Name,Option1 Value,Variant Price,Variant Inventory Qty\n\
               t,T,Size,S,1,\nt,,,M,1,5\nt,,,L,1,-2\n";
    let p = &parse_shopify_csv(csv.as_bytes(), 2).unwrap().products[0];
    let inv: Vec<_> = p.variants.iter().map(|v| v.inventory).collect();
    assert_eq!(inv, [None, Some(5), Some(0)]);
}

#[test]
fn invalid_numbers_are_skipped_rows() {
    let parsed = parse(
        "t,T,Size,A,,-5,,,,,,,,,\n\
         t,,,B,,\"1,234.50\",,,,,,,,,\n\
         t,,,C,,10,,,,ten,,,,,\n\
         t,,,D,,10,,,heavy,,,,,,\n\
         t,,,E,,10,shopify,lots,,,,,,,\n\
         t,,,F,,10.999,,,,,,,,,\n\
         t,,,G,,,,,,,,,,,\n\
         t,,,,,10,,,,,,,,,\n\
         t,,,H,,10,,,-1,,,,,,\n\
         t,,,OK,,0,,,,,,,,,\n\
         t,,,,,,,,,,,,,,\n",
    );
    assert_eq!(
        reasons(&parsed),
        [
            "line 2: Variant Price \"-5\" is negative",
            "line 3: Variant Price \"1,234.50\" is not a price (write it like 12.50, without currency sign or thousands separator)",
            "line 4: Variant Compare At Price \"ten\" is not a price (write it like 12.50, without currency sign or thousands separator)",
            "line 5: Variant Grams \"heavy\" is not a whole number",
            "line 6: Variant Inventory Qty \"lots\" is not a whole number",
            "line 7: Variant Price \"10.999\" has more than 2 decimals",
            "line 8: Variant Price is empty",
            "line 9: Option1 Value (Size) is empty",
            "line 10: Variant Grams \"-1\" is negative",
            // only a handle: not blank, so it is reported
            "line 12: nothing to import: no Option1 Value, Variant SKU, Variant Price or Image Src",
        ]
    );
    let p = &parsed.products[0];
    assert_eq!(p.variants.len(), 1);
    assert_eq!((p.variants[0].line, p.variants[0].price_minor), (11, 0));
}

#[test]
fn handle_only_row_is_reported_and_handles_group_case_insensitively() {
    let parsed = parse("t,T,Size,S,,1,,,,,,,,,\nt,,,,,,,,,,,,,,\nT,,,M,,2,,,,,,,,,\n");
    assert_eq!(
        reasons(&parsed),
        ["line 3: nothing to import: no Option1 Value, Variant SKU, Variant Price or Image Src"]
    );
    assert_eq!(parsed.products[0].variants.len(), 2);
}

#[test]
fn at_most_100_variants_and_200_char_titles() {
    let mut body = String::new();
    for i in 0..=MAX_VARIANTS {
        let title = if i == 0 { "Many" } else { "" };
        body.push_str(&format!("many,{title},Number,{i},,1,,,,,,,,,\n"));
    }
    body.push_str(&format!("long,{},,,,1,,,,,,,,,\n", "x".repeat(201)));
    body.push_str(&format!("ok,{},,,,1,,,,,,,,,\n", "é".repeat(200)));
    let parsed = parse(&body);
    assert_eq!(parsed.products.len(), 2);
    assert_eq!(parsed.products[0].variants.len(), MAX_VARIANTS);
    assert_eq!(
        reasons(&parsed),
        [
            "line 102: product \"many\" already has 100 variants, the most a product can have",
            "line 103: product \"long\" not imported: its first row (line 103) has a Title longer than 200 characters",
        ]
    );
}

#[test]
fn image_urls_are_checked() {
    let parsed = parse(
        "t,T,,,,1,,,,,//cdn.example/a.jpg,,javascript:alert(1),,\n\
         t,,,,,,,,,,ftp://x/b.jpg,2,,,\n\
         t,,,,,,,,,,https://x/c.jpg,first,,,\n\
         t,,,,,,,,,,https://x/d.jpg,1,,,\n",
    );
    let p = &parsed.products[0];
    let srcs: Vec<(&str, u32)> = p.images.iter().map(|i| (i.src.as_str(), i.position)).collect();
    assert_eq!(srcs, [("https://x/d.jpg", 1), ("https://cdn.example/a.jpg", 2), ("https://x/c.jpg", 3)]);
    assert_eq!(p.variants[0].image_src, None);
    assert_eq!(reasons(&parsed), ["line 3: Image Src \"ftp://x/b.jpg\" is not an http(s) URL"]);
    let warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "line 2: Variant Image \"javascript:alert(1)\" is not an http(s) URL; image ignored",
            "line 4: Image Position \"first\" is not a whole number; image placed after the numbered ones",
        ]
    );
}

#[test]
fn tags_are_limited() {
    let many: Vec<String> = (0..25).map(|i| format!("tag{i}")).collect();
    let long = "a".repeat(45);
    let csv = format!("Handle,Title,Variant Price,Tags\nt,T,1,\"{long}, A, a ,,{}\"\n", many.join(","));
    let p = &parse_shopify_csv(csv.as_bytes(), 2).unwrap().products[0];
    assert_eq!(p.tags.len(), MAX_TAGS);
    assert_eq!(p.tags[0], "a".repeat(40));
    assert_eq!(p.tags[1], "A");
    assert_eq!(p.tags[2], "tag0");
}

#[test]
fn sanitize_plain_text() {
    assert_eq!(
        sanitize_description("  Line one & \"two\"\r\nLine 'three'\n\nEnd > start  "),
        "Line one &amp; &quot;two&quot;<br>Line &#39;three&#39;<br><br>End &gt; start"
    );
    assert_eq!(sanitize_description(""), "");
    let long = "ab&".repeat(4_000);
    let out = sanitize_description(&long);
    assert!(out.chars().count() <= MAX_DESCRIPTION_CHARS);
    assert!(out.ends_with("&amp;") || out.ends_with('a') || out.ends_with('b'));
}

#[test]
fn sanitize_html_subset() {
    let cases = [
        ("<h1>Big</h1><h3>Small</h3>", "Big<h3>Small</h3>"),
        ("<p class=\"x\" style=\"color:red\" onmouseover=\"x()\">Hi</p>", "<p>Hi</p>"),
        ("<style>p{}</style><script>x()</script><iframe src=\"https://e\">f</iframe>ok", "ok"),
        (
            "<a href=\"mailto:band@example.com\" title=\"t\">mail</a>",
            "<a href=\"mailto:band@example.com\" rel=\"noopener nofollow\">mail</a>",
        ),
        (
            "<a href=\"/relative\">r</a><a href=\"data:text/html,x\">d</a>",
            "<a rel=\"noopener nofollow\">r</a><a rel=\"noopener nofollow\">d</a>",
        ),
        ("<img src=x onerror=alert(1)><!-- c --><blockquote>q</blockquote>", "<blockquote>q</blockquote>"),
        ("a < b", "a &lt; b"),
        ("<ul><li>one<li>two</ul><em>e</em><u>u</u><br>", "<ul><li>one</li><li>two</li></ul><em>e</em><u>u</u><br>"),
    ];
    for (input, expected) in cases {
        assert_eq!(sanitize_description(input), expected, "{input}");
    }
}

#[test]
fn sanitize_truncates_to_well_formed_html() {
    let html = "<p><strong>bold &amp; loud</strong> text</p>".repeat(500);
    let out = sanitize_description(&html);
    assert!(out.chars().count() <= MAX_DESCRIPTION_CHARS);
    assert!(out.chars().count() > MAX_DESCRIPTION_CHARS - 100);
    assert_eq!(sanitize_description(&out), out, "already clean and closed");
    assert!(out.ends_with("</p>") || out.ends_with("</strong>"), "{}", &out[out.len() - 30..]);
}
