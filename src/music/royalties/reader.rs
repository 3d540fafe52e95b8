//! Royalty statements from distributors, read as a stream: DistroKid's TSV
//! export, or any delimited file described by a saved [`ColumnMapping`].
//!
//! Columns are found by header name (trimmed, ASCII case-insensitive), in any
//! order; columns the mapping does not name are ignored. Only the parsed rows
//! are kept, so memory follows the number of rows, not the size of the text.
//! Every value is checked as it is read; the first bad value stops the read
//! with its 1-based line number (the header is line 1) and column name.
//! Amounts are parsed exactly ([`Micros::parse_decimal`]): values with more
//! than six fraction digits are rounded half-to-even to the micro once, per
//! row, as read.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read};

use sha2::{Digest, Sha256};

use crate::ledger::money::Micros;

/// Which columns of a delimited file hold what. Column names are header
/// names, matched after trimming and ignoring ASCII case. An optional column
/// left `None` is not read; one that is `Some` must be in the header.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ColumnMapping {
    /// `b','`, `b';'`, `b'\t'` …
    pub delimiter: u8,
    pub isrc: Option<String>,
    pub upc: Option<String>,
    pub title: Option<String>,
    pub store: Option<String>,
    /// The column holding the sale month / period.
    pub period: String,
    /// Units sold or streamed; 0 when there is no such column or the cell is empty.
    pub quantity: Option<String>,
    pub amount: String,
    /// A column holding each row's ISO 4217 code; rows where it is empty,
    /// and all rows when it is `None`, get `fixed_currency`.
    pub currency: Option<String>,
    pub fixed_currency: String,
}

impl ColumnMapping {
    /// DistroKid's "bank details" TSV export:
    /// `Reporting Date, Sale Month, Store, Artist, Title, ISRC, UPC, Quantity,
    /// Team Percentage, Song/Album, Country of Sale, Songwriter Royalties
    /// Withheld, Earnings (USD)`, tab-separated, amounts in USD.
    pub fn distrokid() -> ColumnMapping {
        ColumnMapping {
            delimiter: b'\t',
            isrc: Some("ISRC".into()),
            upc: Some("UPC".into()),
            title: Some("Title".into()),
            store: Some("Store".into()),
            period: "Sale Month".into(),
            quantity: Some("Quantity".into()),
            amount: "Earnings (USD)".into(),
            currency: None,
            fixed_currency: "USD".into(),
        }
    }
}

/// One line of a statement, checked and normalized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementRow {
    /// 1-based line in the file where the row starts (the header is line 1).
    pub line: u64,
    /// Uppercase, dashes removed, shape-checked (`CCXXXYYNNNNN`); `None` when
    /// the cell is empty or there is no ISRC column.
    pub isrc: Option<String>,
    /// 8 to 14 digits (UPC-A, EAN-13 …); `None` when empty or unmapped.
    pub upc: Option<String>,
    /// Trimmed; empty when unmapped.
    pub title: String,
    /// Trimmed; empty when unmapped.
    pub store: String,
    /// `YYYY-MM`.
    pub period: String,
    pub quantity: i64,
    pub amount: Micros,
    /// Uppercase ISO 4217 code.
    pub currency: String,
}

/// A whole statement: its rows in file order, and the SHA-256 of every byte
/// of the input, so importing the same file twice can be detected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub rows: Vec<StatementRow>,
    pub sha256_hex: String,
}

/// Why a statement was refused. `line` is 1-based (0 when the mapping itself
/// is at fault); `column` is the header name, or empty when the problem is not
/// in one column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementError {
    pub line: u64,
    pub column: String,
    pub message: String,
}

impl StatementError {
    fn new(line: u64, column: &str, message: impl Into<String>) -> StatementError {
        StatementError { line, column: column.to_owned(), message: message.into() }
    }
}

impl fmt::Display for StatementError {
    /// `line 7, column "Earnings (USD)": "12,50" is not a decimal amount …`,
    /// `line 7: …` without a column, `column mapping: …` for line 0.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column.is_empty()) {
            (0, _) => write!(f, "column mapping: {}", self.message),
            (line, true) => write!(f, "line {line}: {}", self.message),
            (line, false) => write!(f, "line {line}, column {:?}: {}", self.column, self.message),
        }
    }
}

impl std::error::Error for StatementError {}

/// Reads a statement from `input` using `mapping`. An empty input is an
/// error (there is no header); a header with no rows gives no rows. Rows
/// whose cells are all blank are skipped. Every other row must have as many
/// cells as the header.
pub fn read_statement<R: Read>(input: R, mapping: &ColumnMapping) -> Result<Statement, StatementError> {
    let mut rows = Vec::new();
    let sha256_hex = for_each_row(input, mapping, |row| rows.push(row))?;
    Ok(Statement { rows, sha256_hex })
}

/// Reads a statement row by row, handing each to `each` as it is parsed,
/// so memory does not grow with the file; returns the SHA-256 of the whole
/// input. An error names the line and column, and comes before any row
/// after it is read (rows before it were already handed out: a caller that
/// must change nothing on error keeps what it gets until the end).
pub fn for_each_row<R: Read>(
    input: R,
    mapping: &ColumnMapping,
    each: impl FnMut(StatementRow),
) -> Result<String, StatementError> {
    let fixed_currency = check_mapping(mapping)?;
    let source = Lines::new(HashingReader { inner: input, hasher: Sha256::new() });
    let source = read_rows(source, mapping, &fixed_currency, each)?;
    let mut hashing = source.inner;
    // Hash whatever the CSV reader did not need to look at (normally nothing).
    io::copy(&mut hashing, &mut io::sink())
        .map_err(|e| StatementError::new(0, "", format!("could not read the file: {e}")))?;
    Ok(hex::encode(hashing.hasher.finalize()))
}

/// Passes bytes through and hashes them on the way.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Turns `\r\n` and lone `\r` into `\n` (also inside quoted cells) and
/// remembers where the newlines are, to give each record its line number.
/// (The `csv` crate's own line counts drift after blank lines and CRLF; its
/// byte offsets, in the stream it reads, are exact.) The queue only holds the
/// newlines the CSV reader has read ahead but not yet passed, so it stays
/// bounded by its buffer and the longest record.
struct Lines<R> {
    inner: R,
    /// Bytes handed out so far.
    offset: u64,
    after_cr: bool,
    /// Offsets of newlines at or after the last record start asked about.
    newlines: VecDeque<u64>,
    /// Newlines before those in `newlines`.
    passed: u64,
}

impl<R> Lines<R> {
    fn new(inner: R) -> Lines<R> {
        Lines { inner, offset: 0, after_cr: false, newlines: VecDeque::new(), passed: 0 }
    }

    /// The 1-based line of the record the CSV reader started reading at byte
    /// `start`: it begins after any empty lines there, which csv skips.
    /// Calls must come with non-decreasing `start`.
    fn line_of_record_at(&mut self, start: u64) -> u64 {
        while self.newlines.front().is_some_and(|&at| at < start) {
            self.newlines.pop_front();
            self.passed += 1;
        }
        let blank = self.newlines.iter().zip(start..).take_while(|&(&at, expected)| at == expected).count();
        1 + self.passed + blank as u64
    }
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut out = 0;
            for i in 0..n {
                let byte = buf[i];
                if byte == b'\n' && self.after_cr {
                    self.after_cr = false;
                    continue;
                }
                self.after_cr = byte == b'\r';
                let byte = if self.after_cr { b'\n' } else { byte };
                if byte == b'\n' {
                    self.newlines.push_back(self.offset + out as u64);
                }
                buf[out] = byte;
                out += 1;
            }
            self.offset += out as u64;
            // A chunk that was only the `\n` of a split `\r\n` is not the end.
            if out > 0 {
                return Ok(out);
            }
        }
    }
}

/// Validates the parts of the mapping that do not depend on the file;
/// returns the normalized fixed currency.
fn check_mapping(mapping: &ColumnMapping) -> Result<String, StatementError> {
    if matches!(mapping.delimiter, b'"' | b'\n' | b'\r') || !mapping.delimiter.is_ascii() {
        return Err(StatementError::new(
            0,
            "",
            format!("{:?} cannot be used as the delimiter", char::from(mapping.delimiter)),
        ));
    }
    normalize_currency(&mapping.fixed_currency).ok_or_else(|| {
        StatementError::new(
            0,
            "",
            format!("the fixed currency {:?} is not a three-letter ISO 4217 code like USD", mapping.fixed_currency),
        )
    })
}

/// A mapped column: where it is in the header, and its name for messages.
#[derive(Clone, Copy)]
struct Col<'m> {
    index: usize,
    name: &'m str,
}

struct Columns<'m> {
    isrc: Option<Col<'m>>,
    upc: Option<Col<'m>>,
    title: Option<Col<'m>>,
    store: Option<Col<'m>>,
    period: Col<'m>,
    quantity: Option<Col<'m>>,
    amount: Col<'m>,
    currency: Option<Col<'m>>,
}

/// Reads the header and the rows; gives the source back for the rest of the hash.
fn read_rows<R: Read>(
    source: Lines<R>,
    mapping: &ColumnMapping,
    fixed_currency: &str,
    mut each: impl FnMut(StatementRow),
) -> Result<Lines<R>, StatementError> {
    let mut reader =
        csv::ReaderBuilder::new().delimiter(mapping.delimiter).has_headers(false).flexible(true).from_reader(source);
    let mut record = csv::ByteRecord::new();
    let mut last_line = 1;

    if !next_record(&mut reader, &mut record, last_line)? {
        return Err(StatementError::new(1, "", "the file is empty; expected a header line with column names"));
    }
    let header_line = record_line(&mut reader, &record);
    last_line = header_line;
    let header = decode_header(&record, header_line)?;
    let columns = resolve_columns(&header, mapping, header_line)?;

    while next_record(&mut reader, &mut record, last_line)? {
        let line = record_line(&mut reader, &record);
        last_line = line;
        if record.iter().all(|cell| cell.trim_ascii().is_empty()) {
            continue;
        }
        if record.len() != header.len() {
            return Err(StatementError::new(
                line,
                "",
                format!(
                    "this row has {} cells but the header has {}; is a quote or a {} out of place?",
                    record.len(),
                    header.len(),
                    delimiter_name(mapping.delimiter)
                ),
            ));
        }
        each(parse_row(&record, line, &columns, fixed_currency)?);
    }
    Ok(reader.into_inner())
}

fn next_record<R: Read>(
    reader: &mut csv::Reader<Lines<R>>,
    record: &mut csv::ByteRecord,
    last_line: u64,
) -> Result<bool, StatementError> {
    reader.read_byte_record(record).map_err(|err| {
        // csv's error positions use its own (drifting) line count; the last
        // good record's line is close and never past the problem.
        let line = last_line;
        let message = match err.kind() {
            csv::ErrorKind::Io(e) => format!("could not read the file: {e}"),
            _ => err.to_string(),
        };
        StatementError::new(line, "", message)
    })
}

fn record_line<R: Read>(reader: &mut csv::Reader<Lines<R>>, record: &csv::ByteRecord) -> u64 {
    let start = record.position().map_or(0, |p| p.byte());
    reader.get_mut().line_of_record_at(start)
}

fn delimiter_name(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "tab".into(),
        b',' => "comma".into(),
        b';' => "semicolon".into(),
        other => format!("{:?}", char::from(other)),
    }
}

fn decode_header(record: &csv::ByteRecord, line: u64) -> Result<Vec<String>, StatementError> {
    let first = record.get(0).unwrap_or_default();
    if first.starts_with(&[0xFF, 0xFE]) || first.starts_with(&[0xFE, 0xFF]) {
        return Err(StatementError::new(
            line,
            "",
            "the file is UTF-16 text; export or save it as UTF-8 (\"CSV UTF-8\") and try again",
        ));
    }
    record
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let text = std::str::from_utf8(cell).map_err(|_| {
                StatementError::new(
                    line,
                    "",
                    format!("header cell {} is not UTF-8 text; save the file as UTF-8", i + 1),
                )
            })?;
            let text = if i == 0 { text.trim_start_matches('\u{feff}') } else { text };
            Ok(text.trim().to_owned())
        })
        .collect()
}

fn resolve_columns<'m>(
    header: &[String],
    mapping: &'m ColumnMapping,
    line: u64,
) -> Result<Columns<'m>, StatementError> {
    let find = |name: &'m str| -> Result<Col<'m>, StatementError> {
        let wanted = name.trim();
        let mut hits = header.iter().enumerate().filter(|(_, h)| h.eq_ignore_ascii_case(wanted)).map(|(i, _)| i);
        match (hits.next(), hits.next()) {
            (Some(index), None) => Ok(Col { index, name }),
            (Some(a), Some(b)) => Err(StatementError::new(
                line,
                name,
                format!("the header has this column twice (columns {} and {})", a + 1, b + 1),
            )),
            (None, _) => {
                let found: Vec<String> = header.iter().filter(|h| !h.is_empty()).map(|h| format!("{h:?}")).collect();
                Err(StatementError::new(
                    line,
                    name,
                    format!("the header has no such column (it has {})", found.join(", ")),
                ))
            }
        }
    };
    let optional = |name: &'m Option<String>| name.as_deref().map(find).transpose();
    Ok(Columns {
        isrc: optional(&mapping.isrc)?,
        upc: optional(&mapping.upc)?,
        title: optional(&mapping.title)?,
        store: optional(&mapping.store)?,
        period: find(&mapping.period)?,
        quantity: optional(&mapping.quantity)?,
        amount: find(&mapping.amount)?,
        currency: optional(&mapping.currency)?,
    })
}

fn parse_row(
    record: &csv::ByteRecord,
    line: u64,
    columns: &Columns<'_>,
    fixed_currency: &str,
) -> Result<StatementRow, StatementError> {
    let cell = |col: Col<'_>| -> Result<&str, StatementError> {
        let bytes = record.get(col.index).unwrap_or_default();
        std::str::from_utf8(bytes)
            .map(str::trim)
            .map_err(|_| StatementError::new(line, col.name, "the cell is not UTF-8 text; save the file as UTF-8"))
    };
    let bad = |col: Col<'_>, message: String| StatementError::new(line, col.name, message);
    let text = |col: Option<Col<'_>>| -> Result<String, StatementError> {
        col.map_or(Ok(String::new()), |c| cell(c).map(str::to_owned))
    };

    let isrc = match columns.isrc {
        None => None,
        Some(col) => {
            let raw = cell(col)?;
            match raw {
                "" => None,
                _ => Some(normalize_isrc(raw).ok_or_else(|| {
                    bad(col, format!("{raw:?} is not an ISRC (expected 12 characters like USRC17607839)"))
                })?),
            }
        }
    };
    let upc = match columns.upc {
        None => None,
        Some(col) => {
            let raw = cell(col)?;
            let digits_ok = raw.bytes().all(|b| b.is_ascii_digit()) && (8..=14).contains(&raw.len());
            match raw {
                "" => None,
                _ if digits_ok => Some(raw.to_owned()),
                _ => {
                    let hint = if raw.contains(['e', 'E']) { "; a spreadsheet may have rewritten it" } else { "" };
                    return Err(bad(col, format!("{raw:?} is not a UPC/EAN (expected 12 or 13 digits{hint})")));
                }
            }
        }
    };
    let title = text(columns.title)?;
    let store = text(columns.store)?;

    let raw_period = cell(columns.period)?;
    let period = normalize_period(raw_period).ok_or_else(|| {
        bad(
            columns.period,
            format!("{raw_period:?} is not a sale month (expected YYYY-MM, YYYY-MM-DD, MM/YYYY or \"Mar 2024\")"),
        )
    })?;

    let quantity = match columns.quantity {
        None => 0,
        Some(col) => {
            let raw = cell(col)?;
            parse_quantity(raw).ok_or_else(|| bad(col, format!("{raw:?} is not a whole quantity")))?
        }
    };

    let raw_amount = cell(columns.amount)?;
    let amount = Micros::parse_decimal(raw_amount).map_err(|e| bad(columns.amount, e.to_string()))?;

    let currency = match columns.currency {
        None => fixed_currency.to_owned(),
        Some(col) => match cell(col)? {
            "" => fixed_currency.to_owned(),
            raw => normalize_currency(raw)
                .ok_or_else(|| bad(col, format!("{raw:?} is not a three-letter currency code like USD")))?,
        },
    };

    Ok(StatementRow { line, isrc, upc, title, store, period, quantity, amount, currency })
}

/// `"qz-k6p-24-00001"` → `"QZK6P2400001"`: two letters (country), three
/// letters or digits (registrant), two digits (year), five digits.
fn normalize_isrc(raw: &str) -> Option<String> {
    let code: String = raw.chars().filter(|&c| c != '-').map(|c| c.to_ascii_uppercase()).collect();
    let b = code.as_bytes();
    let ok = b.len() == 12
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..5].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && b[5..].iter().all(u8::is_ascii_digit);
    ok.then_some(code)
}

fn normalize_currency(raw: &str) -> Option<String> {
    let code = raw.trim();
    (code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic())).then(|| code.to_ascii_uppercase())
}

/// An integer with an optional sign; a zero fraction (`"3.0"`) is allowed,
/// since some spreadsheets write counts that way. Empty is 0.
fn parse_quantity(raw: &str) -> Option<i64> {
    if raw.is_empty() {
        return Some(0);
    }
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if !frac.bytes().all(|b| b == b'0') {
        return None;
    }
    let digits = whole.strip_prefix(['-', '+']).unwrap_or(whole);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole.parse().ok()
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The sale month as `YYYY-MM`, from `2024-03`, `2024/03`, `2024-03-31`,
/// `202403`, `03/2024`, `3-2024`, `Mar 2024`, `March 2024`, `Sept-2024`.
/// Day-first or month-first full dates like `03/07/2024` are ambiguous and
/// refused. Years 1900–2199.
fn normalize_period(raw: &str) -> Option<String> {
    let s = raw.trim();
    let num = |t: &str, len: std::ops::RangeInclusive<usize>| -> Option<u32> {
        (len.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok()).flatten()
    };
    let (year, month) = if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
        (num(&s[..4], 4..=4)?, num(&s[4..], 2..=2)?)
    } else if s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let (name, year) = s.split_once([' ', '-', '/', '.', ','])?;
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let month = MONTHS
            .iter()
            .position(|m| name.len() >= 3 && m.starts_with(name.as_str()))
            .or_else(|| (name == "sept").then_some(8))?;
        (num(year.trim(), 4..=4)?, month as u32 + 1)
    } else {
        let parts: Vec<&str> = s.split(['-', '/']).collect();
        let seps_consistent = s.contains('-') != s.contains('/');
        if !seps_consistent {
            return None;
        }
        match parts.as_slice() {
            [y, m] if y.len() == 4 => (num(y, 4..=4)?, num(m, 1..=2)?),
            [m, y] if y.len() == 4 => (num(y, 4..=4)?, num(m, 1..=2)?),
            [y, m, d] if y.len() == 4 => {
                let (year, month, day) = (num(y, 4..=4)?, num(m, 1..=2)?, num(d, 1..=2)?);
                if day == 0 || day > days_in_month(year, month) {
                    return None;
                }
                (year, month)
            }
            _ => return None,
        }
    };
    ((1900..=2199).contains(&year) && (1..=12).contains(&month)).then(|| format!("{year:04}-{month:02}"))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DK_HEADER: &str = "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)";

    /// Five realistic rows: an `&` title, a dashed lowercase ISRC, an
    /// album row without ISRC, a tiny fractional amount and a negative one.
    fn distrokid_fixture() -> String {
        [
            DK_HEADER,
            "2024-05-07\t2024-03\tSpotify\tNova Lane\tSalt & Static\tQZK6P2400001\t859712345678\t1532\t100\tSong\tUS\t0\t4.912345678901",
            "2024-05-07\t2024-03\tApple Music\tNova Lane\tSalt & Static\tqz-k6p-24-00001\t859712345678\t211\t100\tSong\tGB\t0\t1.93",
            "2024-05-07\t2024-03\tYouTube (Ads)\tNova Lane\tNight Bus\tQZK6P2400002\t859712345678\t3\t100\tSong\tDE\t0\t0.000123456789",
            "2024-05-07\t2024-02\tiTunes\tNova Lane\tNight Bus (Deluxe)\t\t0859712345679\t1\t50\tAlbum\tUS\t0\t4.90",
            "2024-05-07\t2024-02\tTikTok\tNova Lane\tNight Bus\tQZK6P2400002\t859712345678\t-2\t100\tSong\tBR\t0\t-0.01",
        ]
        .join("\n")
            + "\n"
    }

    fn read(text: &str, mapping: &ColumnMapping) -> Result<Statement, StatementError> {
        read_statement(text.as_bytes(), mapping)
    }

    fn sha256_hex(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    #[test]
    fn reads_a_distrokid_export() {
        let text = distrokid_fixture();
        let st = read(&text, &ColumnMapping::distrokid()).unwrap();
        assert_eq!(st.rows.len(), 5);
        assert_eq!(st.sha256_hex, sha256_hex(text.as_bytes()));
        assert_eq!(
            st.rows[0],
            StatementRow {
                line: 2,
                isrc: Some("QZK6P2400001".into()),
                upc: Some("859712345678".into()),
                title: "Salt & Static".into(),
                store: "Spotify".into(),
                period: "2024-03".into(),
                quantity: 1532,
                amount: Micros(4_912_346),
                currency: "USD".into(),
            }
        );
        assert_eq!(st.rows[1].isrc.as_deref(), Some("QZK6P2400001"));
        assert_eq!(st.rows[2].amount, Micros(123));
        assert_eq!(st.rows[3].isrc, None);
        assert_eq!(st.rows[3].upc.as_deref(), Some("0859712345679"));
        assert_eq!(st.rows[3].period, "2024-02");
        assert_eq!(st.rows[4].quantity, -2);
        assert_eq!(st.rows[4].amount, Micros(-10_000));
        assert_eq!(st.rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2, 3, 4, 5, 6]);
        let total = Micros::checked_sum(st.rows.iter().map(|r| r.amount)).unwrap();
        assert_eq!(total, Micros(4_912_346 + 1_930_000 + 123 + 4_900_000 - 10_000));
    }

    #[test]
    fn finds_reordered_columns_by_name_and_ignores_extras() {
        let text = "Earnings (USD)\tExtra\tsale month\tTITLE\tStore\tUPC\tISRC\tQuantity\n\
                    0.5\tx\t2024-01\tOne\tDeezer\t\tQZK6P2400003\t7\r\n\
                    \t\t\t\t\t\t\t\n\
                    1\ty\t2024-01-31\tTwo\tDeezer\t\t\t\n";
        let st = read(text, &ColumnMapping::distrokid()).unwrap();
        assert_eq!(st.rows.len(), 2);
        assert_eq!((st.rows[0].line, st.rows[0].title.as_str(), st.rows[0].quantity), (2, "One", 7));
        assert_eq!(st.rows[0].amount, Micros(500_000));
        assert_eq!((st.rows[1].line, st.rows[1].period.as_str(), st.rows[1].quantity), (4, "2024-01", 0));
    }

    #[test]
    fn a_missing_column_is_named() {
        let text = distrokid_fixture().replace("Earnings (USD)", "Earnings");
        let err = read(&text, &ColumnMapping::distrokid()).unwrap_err();
        assert_eq!((err.line, err.column.as_str()), (1, "Earnings (USD)"));
        assert!(
            err.to_string().starts_with("line 1, column \"Earnings (USD)\": the header has no such column"),
            "{err}"
        );
        assert!(err.message.contains("\"Earnings\""), "{err}");
    }

    #[test]
    fn a_bad_amount_names_its_line_and_column() {
        let text = distrokid_fixture().replace("0.000123456789", "12,50");
        let err = read(&text, &ColumnMapping::distrokid()).unwrap_err();
        assert_eq!((err.line, err.column.as_str()), (4, "Earnings (USD)"));
        assert!(
            err.to_string().starts_with("line 4, column \"Earnings (USD)\": \"12,50\" is not a decimal amount"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_in_other_columns_are_named() {
        let mapping = ColumnMapping::distrokid();
        let cases = [
            ("qz-k6p-24-00001", "QZK6P24", "ISRC"),
            ("2024-02\tTikTok", "2024-13\tTikTok", "Sale Month"),
            ("\t-2\t", "\tmany\t", "Quantity"),
            ("0859712345679", "8.59712E+11", "UPC"),
            ("\t4.90", "\t", "Earnings (USD)"),
        ];
        for (from, to, column) in cases {
            let text = distrokid_fixture().replace(from, to);
            let err = read(&text, &mapping).unwrap_err();
            assert_eq!(err.column, column, "{err}");
        }
    }

    #[test]
    fn a_row_with_the_wrong_number_of_cells_is_refused() {
        let text = format!("{}2024-05-07\t2024-03\tSpotify\n", distrokid_fixture());
        let err = read(&text, &ColumnMapping::distrokid()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 7: this row has 3 cells but the header has 13; is a quote or a tab out of place?"
        );
    }

    fn mapped_csv() -> ColumnMapping {
        ColumnMapping {
            delimiter: b',',
            isrc: Some("Track ISRC".into()),
            upc: None,
            title: Some("Track".into()),
            store: Some("Service".into()),
            period: "Period".into(),
            quantity: Some("Units".into()),
            amount: "Net Revenue".into(),
            currency: Some("Currency".into()),
            fixed_currency: "eur".into(),
        }
    }

    #[test]
    fn reads_a_mapped_csv_with_quoted_titles() {
        let text = "\u{feff}Track,Track ISRC,Service,Period,Units,Net Revenue,Currency\r\n\
                    \"Salt, Static & \"\"Noise\"\"\",QZK6P2400001,Spotify,Mar 2024,10,0.0300,gbp\r\n\
                    \"Two\nLines\",,Deezer,03/2024,3.0,1.5,\r\n\
                    Plain,,Tidal,202403,,2,USD\r\n";
        let st = read(text, &mapped_csv()).unwrap();
        assert_eq!(st.sha256_hex, sha256_hex(text.as_bytes()));
        assert_eq!(st.rows.len(), 3);
        assert_eq!(st.rows[0].title, "Salt, Static & \"Noise\"");
        assert_eq!((st.rows[0].period.as_str(), st.rows[0].currency.as_str()), ("2024-03", "GBP"));
        assert_eq!(st.rows[0].amount, Micros(30_000));
        assert_eq!(st.rows[1].title, "Two\nLines");
        assert_eq!((st.rows[1].line, st.rows[1].quantity, st.rows[1].currency.as_str()), (3, 3, "EUR"));
        assert_eq!((st.rows[2].line, st.rows[2].period.as_str(), st.rows[2].quantity), (5, "2024-03", 0));
        assert_eq!(st.rows[2].upc, None);
    }

    /// Hands out one byte per read, to split every `\r\n` across reads.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.is_empty()) {
                (Some((&b, rest)), false) => {
                    buf[0] = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn line_numbers_survive_blank_lines_crlf_cr_and_multiline_cells() {
        let mapping = ColumnMapping {
            isrc: None,
            title: Some("Track".into()),
            store: None,
            quantity: None,
            currency: None,
            ..mapped_csv()
        };
        for newline in ["\n", "\r\n", "\r"] {
            let text = [
                "",
                "Track,Period,Net Revenue",
                "a,2024-01,1",
                "",
                "\"b",
                "",
                "b\",2024-01,2",
                "",
                "",
                "c,2024-01,3",
                ",,",
                "d,2024-01,x",
            ]
            .join(newline);
            for trickle in [false, true] {
                let result = if trickle {
                    read_statement(Trickle(text.as_bytes()), &mapping)
                } else {
                    read_statement(text.as_bytes(), &mapping)
                };
                let err = result.unwrap_err();
                assert_eq!((err.line, err.column.as_str()), (12, "Net Revenue"), "{newline:?} {trickle}");
                let ok_text = text.replace(",x", ",4");
                let st = read_statement(Trickle(ok_text.as_bytes()), &mapping).unwrap();
                assert_eq!(st.rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![3, 5, 10, 12], "{newline:?}");
                assert_eq!(st.rows[1].title, "b\n\nb");
                assert_eq!(st.sha256_hex, sha256_hex(ok_text.as_bytes()));
            }
        }
    }

    #[test]
    fn empty_file_and_header_only() {
        let err = read("", &ColumnMapping::distrokid()).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.to_string().starts_with("line 1: the file is empty"), "{err}");

        let header_only = format!("{DK_HEADER}\n");
        let st = read(&header_only, &ColumnMapping::distrokid()).unwrap();
        assert!(st.rows.is_empty());
        assert_eq!(st.sha256_hex, sha256_hex(header_only.as_bytes()));
        assert!(read(DK_HEADER, &ColumnMapping::distrokid()).unwrap().rows.is_empty());
    }

    #[test]
    fn refuses_utf16_and_bad_mappings() {
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(DK_HEADER.encode_utf16().flat_map(u16::to_le_bytes));
        let err = read_statement(utf16.as_slice(), &ColumnMapping::distrokid()).unwrap_err();
        assert!(err.message.contains("UTF-16"), "{err}");

        let mapping = ColumnMapping { fixed_currency: "dollars".into(), ..ColumnMapping::distrokid() };
        let err = read(&distrokid_fixture(), &mapping).unwrap_err();
        assert!(err.to_string().starts_with("column mapping: the fixed currency \"dollars\""), "{err}");

        let text = "Net Revenue,Period,net revenue\n1,2024-01,2\n";
        let mapping =
            ColumnMapping { isrc: None, title: None, store: None, quantity: None, currency: None, ..mapped_csv() };
        let err = read(text, &mapping).unwrap_err();
        assert_eq!(err.column, "Net Revenue");
        assert!(err.message.contains("twice"), "{err}");
    }

    #[test]
    fn invalid_utf8_in_a_mapped_cell_is_named() {
        let mut bytes = format!("{DK_HEADER}\n").into_bytes();
        bytes.extend_from_slice(b"2024-05-07\t2024-03\tSpotify\tNova\tCaf\xE9\t\t\t1\t100\tSong\tUS\t0\t1\n");
        let err = read_statement(bytes.as_slice(), &ColumnMapping::distrokid()).unwrap_err();
        assert_eq!((err.line, err.column.as_str()), (2, "Title"));
        // An unmapped column may hold anything.
        let mapping = ColumnMapping { title: None, ..ColumnMapping::distrokid() };
        assert_eq!(read_statement(bytes.as_slice(), &mapping).unwrap().rows.len(), 1);
    }

    #[test]
    fn normalizes_periods() {
        let good = [
            ("2024-03", "2024-03"),
            ("2024/3", "2024-03"),
            ("2024-03-31", "2024-03"),
            ("2024-02-29", "2024-02"),
            ("202403", "2024-03"),
            ("03/2024", "2024-03"),
            ("3-2024", "2024-03"),
            ("Mar 2024", "2024-03"),
            ("march 2024", "2024-03"),
            ("Sept-2024", "2024-09"),
            ("Oct. 2026", "2026-10"),
            (" Dec 1999 ", "1999-12"),
        ];
        for (raw, want) in good {
            assert_eq!(normalize_period(raw).as_deref(), Some(want), "{raw}");
        }
        for raw in [
            "",
            "2024",
            "2024-13",
            "2024-00",
            "2023-02-29",
            "2024-04-31",
            "03/07/2024",
            "2024-03/01",
            "Ma 2024",
            "Mar 24",
            "1899-12",
            "24-03",
            "2024-3-1x",
        ] {
            assert_eq!(normalize_period(raw), None, "{raw}");
        }
    }

    #[test]
    fn normalizes_isrcs_and_quantities() {
        assert_eq!(normalize_isrc("us-rc1-76-07839").as_deref(), Some("USRC17607839"));
        for bad in ["USRC1760783", "USRC176078390", "U1RC17607839", "USRC1A607839", "US RC17607839", "ÜSRC17607839"] {
            assert_eq!(normalize_isrc(bad), None, "{bad}");
        }
        assert_eq!(parse_quantity("12"), Some(12));
        assert_eq!(parse_quantity("-3"), Some(-3));
        assert_eq!(parse_quantity("4.00"), Some(4));
        assert_eq!(parse_quantity(""), Some(0));
        for bad in ["1.5", "1,000", "-", "1e3", "+-1", "99999999999999999999"] {
            assert_eq!(parse_quantity(bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_a_hundred_thousand_rows() {
        let mut text = String::with_capacity(100_000 * 120);
        text.push_str(DK_HEADER);
        text.push('\n');
        for i in 0..100_000u32 {
            text.push_str(&format!(
                "2024-05-07\t2024-{:02}\tSpotify\tArtist {}\tSong {i}\tQZK6P24{:05}\t859712345678\t{}\t100\tSong\tUS\t0\t0.{:012}\n",
                i % 12 + 1,
                i % 50,
                i % 100_000,
                i % 1000,
                u64::from(i) * 7_919
            ));
        }
        let st = read(&text, &ColumnMapping::distrokid()).unwrap();
        assert_eq!(st.rows.len(), 100_000);
        assert_eq!(st.rows.last().unwrap().line, 100_001);
    }
}
