//! Turning the rows of one handle into an [`ImportedProduct`].

use std::collections::{HashMap, HashSet};

use super::numbers::{NumError, parse_scaled};
use super::parse::{Columns, Row};
use super::{
    ImportedImage, ImportedProduct, ImportedStatus, ImportedVariant, MAX_TAG_CHARS, MAX_TAGS, MAX_TITLE_CHARS,
    MAX_VARIANTS, ParsedImport, SkippedRow, sanitize_description,
};

/// Builds the product of one handle's rows (in file order, at least one).
/// Rows that can't be used go to `out.skipped`; returns `None` when the
/// product itself can't be imported (then every row of it is listed).
pub(super) fn build(rows: &[Row], cols: &Columns, exponent: u32, out: &mut ParsedImport) -> Option<ImportedProduct> {
    let first = &rows[0];
    let handle = first.get(Some(cols.handle)).to_owned();
    let title = first.get(cols.title);
    let title_problem = if title.is_empty() {
        Some("has no Title".to_owned())
    } else if title.chars().count() > MAX_TITLE_CHARS {
        Some(format!("has a Title longer than {MAX_TITLE_CHARS} characters"))
    } else {
        None
    };
    if let Some(problem) = title_problem {
        let reason = format!("product {} not imported: its first row (line {}) {problem}", quote(&handle), first.line);
        skip_rows(rows, &reason, &[], out);
        return None;
    }

    let mut b = Builder {
        handle: &handle,
        cols,
        exponent,
        option_columns: Vec::new(),
        option_names: Vec::new(),
        variants: Vec::new(),
        seen_options: HashMap::new(),
        images: Vec::new(),
        skipped: Vec::new(),
        warnings: Vec::new(),
    };
    b.read_option_names(first);
    for (i, row) in rows.iter().enumerate() {
        b.add_row(row, i == 0);
    }

    if b.variants.is_empty() {
        let reason = format!(
            "product {} not imported: none of its rows is a valid variant (a row with a Variant Price)",
            quote(&handle)
        );
        let already: Vec<usize> = b.skipped.iter().map(|s| s.line).collect();
        out.skipped.append(&mut b.skipped);
        skip_rows(rows, &reason, &already, out);
        return None;
    }

    let status = b.status(first);
    let images = b.finish_images();
    out.skipped.append(&mut b.skipped);
    out.warnings.append(&mut b.warnings);
    Some(ImportedProduct {
        line: first.line,
        title: title.to_owned(),
        description_html: sanitize_description(first.get(cols.body)),
        vendor: first.get(cols.vendor).to_owned(),
        product_type: first.get(cols.product_type).to_owned(),
        tags: split_tags(first.get(cols.tags)),
        status,
        option_names: b.option_names,
        variants: b.variants,
        images,
        handle,
    })
}

fn skip_rows(rows: &[Row], reason: &str, except: &[usize], out: &mut ParsedImport) {
    for row in rows.iter().filter(|r| !except.contains(&r.line)) {
        out.skipped.push(SkippedRow { line: row.line, reason: reason.to_owned() });
    }
}

struct Builder<'a> {
    handle: &'a str,
    cols: &'a Columns,
    exponent: u32,
    /// Which of Option1..3 (0-based) the product uses, parallel to names.
    option_columns: Vec<usize>,
    option_names: Vec<String>,
    variants: Vec<ImportedVariant>,
    /// Lower-cased option values -> line of the variant that has them.
    seen_options: HashMap<Vec<String>, usize>,
    /// (Image Position, src, line) in file order.
    images: Vec<(Option<u32>, String, usize)>,
    skipped: Vec<SkippedRow>,
    warnings: Vec<SkippedRow>,
}

impl Builder<'_> {
    fn read_option_names(&mut self, first: &Row) {
        for k in 0..3 {
            let name = first.get(self.cols.option_names[k]);
            if !name.is_empty() {
                self.option_columns.push(k);
                self.option_names.push(name.to_owned());
            }
        }
        // Shopify writes a product without options as one option "Title"
        // whose only value is "Default Title".
        if let [name] = self.option_names.as_slice() {
            let value = first.get(self.cols.option_values[self.option_columns[0]]);
            if name.eq_ignore_ascii_case("Title") && (value.is_empty() || value.eq_ignore_ascii_case("Default Title")) {
                self.option_columns.clear();
                self.option_names.clear();
            }
        }
    }

    fn skip(&mut self, line: usize, reason: String) {
        self.skipped.push(SkippedRow { line, reason });
    }

    fn warn(&mut self, line: usize, reason: String) {
        self.warnings.push(SkippedRow { line, reason });
    }

    fn add_row(&mut self, row: &Row, is_first: bool) {
        let cols = self.cols;
        let is_variant = cols.option_values.iter().any(|&c| !row.get(c).is_empty())
            || !row.get(cols.sku).is_empty()
            || !row.get(cols.price).is_empty();
        let image_src = row.get(cols.image_src);
        if is_variant {
            if let Err(reason) = self.add_variant(row) {
                return self.skip(row.line, reason);
            }
        } else if image_src.is_empty() {
            if !is_first {
                self.skip(
                    row.line,
                    "nothing to import: no Option1 Value, Variant SKU, Variant Price or Image Src".into(),
                );
            }
            return;
        }
        if image_src.is_empty() {
            return;
        }
        let Some(src) = image_url(image_src) else {
            let reason = format!("Image Src {} is not an http(s) URL", quote(image_src));
            return if is_variant {
                self.warn(row.line, format!("{reason}; image ignored"))
            } else {
                self.skip(row.line, reason)
            };
        };
        let raw_position = row.get(cols.image_position);
        let position = raw_position.parse::<u32>().ok();
        if position.is_none() && !raw_position.is_empty() {
            self.warn(
                row.line,
                format!(
                    "Image Position {} is not a whole number; image placed after the numbered ones",
                    quote(raw_position)
                ),
            );
        }
        self.images.push((position, src, row.line));
    }

    fn add_variant(&mut self, row: &Row) -> Result<(), String> {
        if self.variants.len() >= MAX_VARIANTS {
            return Err(format!(
                "product {} already has {MAX_VARIANTS} variants, the most a product can have",
                quote(self.handle)
            ));
        }
        let variant = self.parse_variant(row)?;
        let key: Vec<String> = variant.options.iter().map(|o| o.to_lowercase()).collect();
        if let Some(&earlier) = self.seen_options.get(&key) {
            return Err(if self.option_names.is_empty() {
                format!("product {} has no options, so it has only one variant (line {earlier})", quote(self.handle))
            } else {
                let described: Vec<String> = self
                    .option_names
                    .iter()
                    .zip(&variant.options)
                    .map(|(name, value)| format!("{name} {}", quote(value)))
                    .collect();
                format!("same options as the variant on line {earlier} ({})", described.join(", "))
            });
        }
        self.seen_options.insert(key, row.line);
        self.variants.push(variant);
        Ok(())
    }

    fn parse_variant(&mut self, row: &Row) -> Result<ImportedVariant, String> {
        let cols = self.cols;
        let mut options = Vec::with_capacity(self.option_columns.len());
        for (&k, name) in self.option_columns.iter().zip(&self.option_names) {
            let value = row.get(cols.option_values[k]);
            if value.is_empty() {
                return Err(format!("Option{} Value ({name}) is empty", k + 1));
            }
            options.push(value.to_owned());
        }
        let price = row.get(cols.price);
        if price.is_empty() {
            return Err("Variant Price is empty".into());
        }
        let price_minor = money("Variant Price", price, self.exponent)?;
        let compare_at_minor = match row.get(cols.compare_at) {
            "" => None,
            raw => Some(money("Variant Compare At Price", raw, self.exponent)?).filter(|&v| v > 0),
        };
        let grams = match row.get(cols.grams) {
            "" => None,
            raw => Some(whole("Variant Grams", raw)?),
        };
        if grams.is_some_and(|g| g < 0) {
            return Err(format!("Variant Grams {} is negative", quote(row.get(cols.grams))));
        }
        let qty = row.get(cols.qty);
        let tracked = match cols.tracker {
            Some(_) => !row.get(cols.tracker).is_empty(),
            None => !qty.is_empty(),
        };
        let inventory = match (tracked, qty) {
            (false, _) => None,
            (true, "") => Some(0),
            // Shopify allows overselling into negative stock; we don't.
            (true, raw) => Some(whole("Variant Inventory Qty", raw)?.max(0)),
        };
        let image_src = match row.get(cols.variant_image) {
            "" => None,
            raw => {
                let url = image_url(raw);
                if url.is_none() {
                    let reason = format!("Variant Image {} is not an http(s) URL; image ignored", quote(raw));
                    self.warn(row.line, reason);
                }
                url
            }
        };
        Ok(ImportedVariant {
            line: row.line,
            options,
            sku: row.get(cols.sku).to_owned(),
            grams,
            inventory,
            price_minor,
            compare_at_minor,
            barcode: row.get(cols.barcode).to_owned(),
            image_src,
        })
    }

    fn status(&mut self, first: &Row) -> ImportedStatus {
        let published = if first.get(self.cols.published).eq_ignore_ascii_case("true") {
            ImportedStatus::Active
        } else {
            ImportedStatus::Draft
        };
        let raw = first.get(self.cols.status);
        match raw.to_ascii_lowercase().as_str() {
            "" => published,
            "active" => ImportedStatus::Active,
            "draft" => ImportedStatus::Draft,
            "archived" => ImportedStatus::Archived,
            _ => {
                let reason = format!("Status {} is not active, draft or archived; used Published instead", quote(raw));
                self.warn(first.line, reason);
                published
            }
        }
    }

    /// Deduplicated by src (first mention wins), sorted by position (stable,
    /// unnumbered last), variant images appended, renumbered from 1.
    fn finish_images(&mut self) -> Vec<ImportedImage> {
        let mut seen = HashSet::new();
        let mut list: Vec<(Option<u32>, String, usize)> =
            std::mem::take(&mut self.images).into_iter().filter(|(_, src, _)| seen.insert(src.clone())).collect();
        list.sort_by_key(|(position, _, _)| position.unwrap_or(u32::MAX));
        for v in &self.variants {
            if let Some(src) = &v.image_src
                && seen.insert(src.clone())
            {
                list.push((None, src.clone(), v.line));
            }
        }
        list.into_iter().zip(1u32..).map(|((_, src, line), position)| ImportedImage { src, position, line }).collect()
    }
}

fn money(column: &str, raw: &str, exponent: u32) -> Result<i64, String> {
    let value = parse_scaled(raw, exponent).map_err(|e| match e {
        NumError::Invalid => format!(
            "{column} {} is not a price (write it like 12.50, without currency sign or thousands separator)",
            quote(raw)
        ),
        NumError::TooPrecise if exponent == 0 => {
            format!("{column} {} has decimals, but the shop currency has no cents", quote(raw))
        }
        NumError::TooPrecise => format!("{column} {} has more than {exponent} decimals", quote(raw)),
        NumError::TooLarge => format!("{column} {} is too large", quote(raw)),
    })?;
    if value < 0 {
        return Err(format!("{column} {} is negative", quote(raw)));
    }
    Ok(value)
}

fn whole(column: &str, raw: &str) -> Result<i64, String> {
    parse_scaled(raw, 0).map_err(|e| match e {
        NumError::TooLarge => format!("{column} {} is too large", quote(raw)),
        _ => format!("{column} {} is not a whole number", quote(raw)),
    })
}

/// "Tags": split on ',', trimmed, empty dropped, cut to MAX_TAG_CHARS,
/// deduplicated case-insensitively (first spelling kept), first MAX_TAGS.
fn split_tags(raw: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    raw.split(',')
        .map(|t| t.trim().chars().take(MAX_TAG_CHARS).collect::<String>())
        .map(|t| t.trim_end().to_owned())
        .filter(|t| !t.is_empty() && seen.insert(t.to_lowercase()))
        .take(MAX_TAGS)
        .collect()
}

/// Accepts absolute http(s) URLs (protocol-relative `//host/...` become
/// https) without whitespace, quotes or angle brackets, up to 2048 bytes.
fn image_url(raw: &str) -> Option<String> {
    let url = match raw.strip_prefix("//") {
        Some(rest) => format!("https://{rest}"),
        None => raw.to_owned(),
    };
    let lower = url.get(..8)?.to_ascii_lowercase();
    let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
    let chars_ok = !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>'));
    (scheme_ok && chars_ok && url.len() > 8 && url.len() <= 2048).then_some(url)
}

/// A cell value for a message: quoted, cut to 40 characters.
fn quote(raw: &str) -> String {
    if raw.chars().count() > 40 {
        format!("\"{}…\"", raw.chars().take(40).collect::<String>())
    } else {
        format!("\"{raw}\"")
    }
}
