//! Reading the CSV: header, rows, grouping rows by handle.

use std::collections::HashMap;

use csv::{ByteRecord, ReaderBuilder, StringRecord};

use super::{ImportError, MAX_ROWS, ParsedImport, SkippedRow, product};

/// Column indexes, found by header name (trimmed, case-insensitive).
#[derive(Debug, Default)]
pub(super) struct Columns {
    pub handle: usize,
    pub title: Option<usize>,
    pub body: Option<usize>,
    pub vendor: Option<usize>,
    pub product_type: Option<usize>,
    pub tags: Option<usize>,
    pub published: Option<usize>,
    pub status: Option<usize>,
    pub option_names: [Option<usize>; 3],
    pub option_values: [Option<usize>; 3],
    pub sku: Option<usize>,
    pub grams: Option<usize>,
    pub tracker: Option<usize>,
    pub qty: Option<usize>,
    pub price: Option<usize>,
    pub compare_at: Option<usize>,
    pub barcode: Option<usize>,
    pub image_src: Option<usize>,
    pub image_position: Option<usize>,
    pub variant_image: Option<usize>,
}

impl Columns {
    fn from_header(header: &StringRecord) -> Result<Self, ImportError> {
        let names: Vec<String> =
            header.iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase()).collect();
        // First column of that name wins if a header is repeated.
        let find = |name: &str| names.iter().position(|n| n == &name.to_ascii_lowercase());
        let Some(handle) = find("Handle") else {
            if header.len() == 1 {
                let only = &header[0];
                if only.contains(';') {
                    return Err(ImportError::WrongDelimiter("semicolons"));
                }
                if only.contains('\t') {
                    return Err(ImportError::WrongDelimiter("tabs"));
                }
            }
            return Err(ImportError::MissingColumns(vec!["Handle"]));
        };
        Ok(Columns {
            handle,
            title: find("Title"),
            body: find("Body (HTML)"),
            vendor: find("Vendor"),
            product_type: find("Type"),
            tags: find("Tags"),
            published: find("Published"),
            status: find("Status"),
            option_names: [1, 2, 3].map(|i| find(&format!("Option{i} Name"))),
            option_values: [1, 2, 3].map(|i| find(&format!("Option{i} Value"))),
            sku: find("Variant SKU"),
            grams: find("Variant Grams"),
            tracker: find("Variant Inventory Tracker"),
            qty: find("Variant Inventory Qty"),
            price: find("Variant Price"),
            compare_at: find("Variant Compare At Price"),
            barcode: find("Variant Barcode"),
            image_src: find("Image Src"),
            image_position: find("Image Position"),
            variant_image: find("Variant Image"),
        })
    }
}

/// One data row of the file.
#[derive(Debug)]
pub(super) struct Row {
    /// 1-based line where the record starts.
    pub line: usize,
    record: StringRecord,
}

impl Row {
    /// The trimmed cell of `column`, "" if the column is absent.
    pub fn get(&self, column: Option<usize>) -> &str {
        column.and_then(|c| self.record.get(c)).unwrap_or("").trim()
    }
}

fn csv_error(err: csv::Error) -> ImportError {
    if err.is_io_error() {
        match err.into_kind() {
            csv::ErrorKind::Io(io) => ImportError::Io(io),
            other => ImportError::NotCsv(format!("{other:?}")),
        }
    } else {
        ImportError::NotCsv(err.to_string())
    }
}

fn record_line(record: &ByteRecord) -> usize {
    record.position().map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX))
}

pub(super) fn parse<R: std::io::Read>(reader: R, currency_exponent: u32) -> Result<ParsedImport, ImportError> {
    let mut csv = ReaderBuilder::new().has_headers(false).flexible(true).from_reader(reader);
    let mut raw = ByteRecord::new();

    if !csv.read_byte_record(&mut raw).map_err(csv_error)? {
        return Err(ImportError::Empty);
    }
    let header = StringRecord::from_byte_record(raw.clone())
        .map_err(|_| ImportError::NotCsv("its first line is not text".into()))?;
    if header.iter().all(|h| h.trim_start_matches('\u{feff}').trim().is_empty()) {
        return Err(ImportError::Empty);
    }
    let columns = Columns::from_header(&header)?;

    let mut out = ParsedImport::default();
    // Groups of rows sharing a handle (compared case-insensitively), in
    // order of first appearance; handles need not be consecutive.
    let mut groups: Vec<Vec<Row>> = Vec::new();
    let mut group_of: HashMap<String, usize> = HashMap::new();
    let mut data_rows = 0usize;
    let mut non_blank_rows = 0usize;

    while csv.read_byte_record(&mut raw).map_err(csv_error)? {
        data_rows += 1;
        if data_rows > MAX_ROWS {
            return Err(ImportError::TooManyRows);
        }
        let line = record_line(&raw);
        let record = StringRecord::from_byte_record(raw.clone()).map_err(|_| ImportError::NotUtf8 { line })?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue; // blank row (spreadsheet leftovers): nothing to report
        }
        non_blank_rows += 1;
        if record.len() != header.len() {
            out.skipped.push(SkippedRow {
                line,
                reason: format!(
                    "the row has {} columns but the header has {} (a missing quote or an extra comma?)",
                    record.len(),
                    header.len()
                ),
            });
            continue;
        }
        let row = Row { line, record };
        let handle = row.get(Some(columns.handle));
        if handle.is_empty() {
            out.skipped
                .push(SkippedRow { line, reason: "Handle is empty, so the row can't be matched to a product".into() });
            continue;
        }
        let key = handle.to_lowercase();
        match group_of.get(&key) {
            Some(&g) => groups[g].push(row),
            None => {
                group_of.insert(key, groups.len());
                groups.push(vec![row]);
            }
        }
    }
    if non_blank_rows == 0 {
        return Err(ImportError::NoRows);
    }

    for rows in &groups {
        if let Some(p) = product::build(rows, &columns, currency_exponent, &mut out) {
            out.products.push(p);
        }
    }
    out.skipped.sort_by_key(|s| s.line);
    out.warnings.sort_by_key(|s| s.line);
    Ok(out)
}
