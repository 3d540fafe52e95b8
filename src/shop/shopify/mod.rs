//! Import of Shopify product CSV exports for BopShop.
//!
//! Format: <https://help.shopify.com/en/manual/products/import-export/using-csv>.
//!
//! [`parse_shopify_csv`] reads a whole export and returns the products it
//! could understand plus a list of rows it had to skip (with 1-based line
//! numbers and reasons an artist can act on). Only whole-file problems
//! (not CSV, not UTF-8, no `Handle` column, too many rows, empty) are
//! errors. Nothing here touches the database: the caller decides how to
//! match the products against the shop (by handle, then by SKU or option
//! values).

mod numbers;
mod parse;
mod product;
mod sanitize;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_edge;

use std::fmt;

pub use sanitize::{MAX_DESCRIPTION_CHARS, sanitize_description};

/// Files with more data rows than this (header excluded) are refused.
pub const MAX_ROWS: usize = 20_000;
/// Largest upload callers should accept. Not checked by the parser itself
/// (it only sees a reader), exported so the HTTP layer can enforce it.
pub const MAX_FILE_BYTES: usize = 20 << 20;
/// Variants per product; further variant rows of the product are skipped.
pub const MAX_VARIANTS: usize = 100;
/// Longest accepted product title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Tags kept per product (the first ones, after deduplication).
pub const MAX_TAGS: usize = 20;
/// Longest tag, in characters; longer tags are cut to this length.
pub const MAX_TAG_CHARS: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportedStatus {
    Draft,
    Active,
    Archived,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportedImage {
    /// Image URL (always `http://` or `https://`).
    pub src: String,
    /// 1-based position after sorting (renumbered 1..=n, so it has no gaps).
    pub position: u32,
    /// Line of the row that first named this image.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportedVariant {
    /// 1-based line where the row starts (the header is line 1).
    pub line: usize,
    /// Option values, same length (and order) as the product's `option_names`.
    pub options: Vec<String>,
    /// May be "" (then matching on re-import uses the option values).
    pub sku: String,
    /// "Variant Grams"; `None` when empty or the column is absent.
    pub grams: Option<i64>,
    /// `None` = inventory not tracked. Negative quantities are clamped to 0.
    pub inventory: Option<i64>,
    /// "Variant Price" in minor units of the shop currency.
    pub price_minor: i64,
    /// "Variant Compare At Price" in minor units; empty or 0 gives `None`.
    pub compare_at_minor: Option<i64>,
    pub barcode: String,
    /// "Variant Image" URL (also present in the product's `images`).
    pub image_src: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportedProduct {
    /// Line of the product's first row.
    pub line: usize,
    /// As written on the first row (trimmed). Rows are grouped by handle
    /// compared case-insensitively.
    pub handle: String,
    pub title: String,
    /// "Body (HTML)" passed through [`sanitize_description`].
    pub description_html: String,
    pub vendor: String,
    pub product_type: String,
    pub tags: Vec<String>,
    pub status: ImportedStatus,
    /// Up to 3; empty for Shopify's single "Title" / "Default Title" option.
    pub option_names: Vec<String>,
    /// At least one, at most [`MAX_VARIANTS`], in file order.
    pub variants: Vec<ImportedVariant>,
    /// Deduplicated by src, sorted by "Image Position" (images without a
    /// position follow in file order), then variant images not yet listed.
    pub images: Vec<ImportedImage>,
}

/// A row that was not imported (or, in `ParsedImport::warnings`, a row that
/// was imported with something dropped). `Display` gives
/// `line 14: Variant Price "abc" is not a price`.
#[derive(Debug, Clone, PartialEq)]
pub struct SkippedRow {
    pub line: usize,
    /// Why, without the line number.
    pub reason: String,
}

impl fmt::Display for SkippedRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedImport {
    /// In order of each handle's first row.
    pub products: Vec<ImportedProduct>,
    /// Rows not imported, sorted by line.
    pub skipped: Vec<SkippedRow>,
    /// Rows imported with a part dropped (e.g. an image URL that is not
    /// http/https), sorted by line.
    pub warnings: Vec<SkippedRow>,
}

/// Whole-file problems; messages are meant to be shown to the artist.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("The file is empty. Export your products from Shopify (Products > Export) and upload that CSV file.")]
    Empty,
    #[error("The file has a header row but no products below it.")]
    NoRows,
    #[error(
        "This file doesn't look like a CSV text file ({0}). Upload the .csv file from Shopify's product export, not a spreadsheet (.xlsx) or another format."
    )]
    NotCsv(String),
    #[error(
        "Line {line} is not UTF-8 text. Upload the file exactly as Shopify exported it, or in your spreadsheet app use \"Save as CSV UTF-8\"."
    )]
    NotUtf8 { line: usize },
    #[error("The file has no {} column. Shopify product exports start with a header row containing \"Handle\", \"Title\", \"Variant Price\"...", quoted_list(.0))]
    MissingColumns(Vec<&'static str>),
    #[error(
        "The file seems to use {0} between columns; Shopify CSV files use commas. Re-export from Shopify, or save as \"CSV (comma delimited)\"."
    )]
    WrongDelimiter(&'static str),
    #[error("The file has more than {max} product rows. Split it into several files of at most {max} rows and import them one after another.", max = MAX_ROWS)]
    TooManyRows,
    #[error("The file could not be read: {0}")]
    Io(#[from] std::io::Error),
}

fn quoted_list(names: &[&'static str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    quoted.join(" or ")
}

/// Parses a Shopify product CSV export.
///
/// `currency_exponent` is the number of minor-unit digits of the shop
/// currency (2 for USD/EUR, 0 for JPY, 3 for KWD). Prices are parsed with
/// integer arithmetic only.
///
/// Reads the whole input; callers should cap it at [`MAX_FILE_BYTES`].
///
/// # Errors
///
/// Only whole-file problems: [`ImportError::Empty`], [`ImportError::NoRows`],
/// [`ImportError::NotCsv`], [`ImportError::NotUtf8`] (first bad line),
/// [`ImportError::MissingColumns`] (no `Handle`),
/// [`ImportError::WrongDelimiter`], [`ImportError::TooManyRows`]
/// (more than [`MAX_ROWS`] data rows) and [`ImportError::Io`].
/// Everything row-level ends up in [`ParsedImport::skipped`].
pub fn parse_shopify_csv<R: std::io::Read>(reader: R, currency_exponent: u32) -> Result<ParsedImport, ImportError> {
    parse::parse(reader, currency_exponent)
}
