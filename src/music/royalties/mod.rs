//! Royalty statements in: DistroKid's TSV export, or any CSV with a column
//! mapping saved once. Rows match tracks by ISRC (else UPC and title); what
//! matches is summed per track, period and currency into `royalty_payments`
//! and split among the track's collaborators into ledger rows, all in one
//! transaction; what does not is held for review with its line number.
//! The file's hash makes a second import of it change nothing.

pub mod reader;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use serde::{Deserialize, Serialize};

use self::reader::{ColumnMapping, StatementRow, for_each_row};
use super::repo::{self, EarningTrack, NewImport, NewPayment, UnmatchedRow};
use crate::core::ids::{ArtistId, UserId};
use crate::core::new_uid;
use crate::db::{Db, DbError, Tx, now_ms};
use crate::events::{PlatformEvent, emit};
use crate::ledger::{self, Holder, Income, Micros, Share, Shares};

/// A statement was imported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoyaltyImported {
    pub import_uid: String,
    pub artist_ids: Vec<i64>,
    pub matched_rows: usize,
    pub unmatched_rows: usize,
}

impl PlatformEvent for RoyaltyImported {
    const TYPE: &'static str = "royalty.imported";
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is malformed; nothing was imported.
    #[error("{0}")]
    Statement(#[from] reader::StatementError),
    #[error("no saved column mapping is called {0:?}")]
    UnknownMapping(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Split(String),
}

impl From<rusqlite::Error> for ImportError {
    fn from(err: rusqlite::Error) -> ImportError {
        ImportError::Db(err.into())
    }
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub import_uid: String,
    /// The file was imported before (then nothing changed).
    pub already_imported: bool,
    pub rows: usize,
    pub matched_rows: usize,
    pub unmatched_rows: usize,
    pub payments: usize,
}

/// The statement's format: DistroKid's, or a saved mapping's name.
pub fn mapping_named(db: &Db, name: &str) -> Result<(String, ColumnMapping), ImportError> {
    if name.is_empty() || name == "distrokid" {
        return Ok(("distrokid".into(), ColumnMapping::distrokid()));
    }
    let lookup = name.to_owned();
    let json = db.read_blocking(move |c| repo::find_mapping(c, &lookup))?;
    let json = json.ok_or_else(|| ImportError::UnknownMapping(name.to_owned()))?;
    let mapping = serde_json::from_str(&json).map_err(|_| ImportError::UnknownMapping(name.to_owned()))?;
    Ok((name.to_owned(), mapping))
}

/// A statement read and matched, ready to record.
pub enum Planned {
    /// The same file was imported before: nothing to do.
    Already(ImportReport),
    New(Plan),
}

/// Reads a statement and matches its rows to tracks (blocking: call it off
/// the async runtime). Nothing is written.
/// Rows are matched and summed as they are read, so memory grows with the
/// tracks and the unmatched rows, not with the file.
pub fn plan_import<R: Read>(db: &Db, input: R, mapping: &ColumnMapping) -> Result<Planned, ImportError> {
    let tracks = db.read_blocking(repo::list_earning_tracks)?;
    let mut plan = Plan::start(&tracks);
    let hash = for_each_row(input, mapping, |row| plan.take(row))?;
    let mut plan = plan.finish(hash.clone());
    if let Some((uid, _)) = db.read_blocking(move |c| repo::find_import_by_hash(c, &hash))? {
        return Ok(Planned::Already(already(uid, plan.rows)));
    }
    plan.unmatched.shrink_to_fit();
    Ok(Planned::New(plan))
}

fn already(uid: String, rows: usize) -> ImportReport {
    ImportReport { import_uid: uid, already_imported: true, rows, matched_rows: 0, unmatched_rows: 0, payments: 0 }
}

/// Reads and imports a statement from the command line (no server running).
pub fn import_blocking<R: Read>(
    db: &Db,
    input: R,
    file_name: &str,
    format: (&str, &ColumnMapping),
    by: Option<UserId>,
) -> Result<ImportReport, ImportError> {
    match plan_import(db, input, format.1)? {
        Planned::Already(report) => Ok(report),
        Planned::New(plan) => {
            db.write_blocking(crate::db::Durability::Full, |tx| record(tx, &plan, file_name, format.0, by))
        }
    }
}

/// Imports a statement in the server: read and matched on a blocking
/// thread, recorded in one durable write.
pub async fn import(
    db: &Db,
    bytes: bytes::Bytes,
    file_name: String,
    format: (String, ColumnMapping),
    by: Option<UserId>,
) -> Result<ImportReport, ImportError> {
    let reader_db = db.clone();
    let mapping = format.1.clone();
    let planned = tokio::task::spawn_blocking(move || plan_import(&reader_db, &bytes[..], &mapping))
        .await
        .map_err(|_| ImportError::Db(DbError::Panicked))??;
    match planned {
        Planned::Already(report) => Ok(report),
        Planned::New(plan) => db.write_durable(move |tx| record(tx, &plan, &file_name, &format.0, by)).await,
    }
}

/// Matched rows summed per (track, period, currency), and the rest.
pub struct Plan {
    sha256: String,
    rows: usize,
    matched_rows: usize,
    sums: BTreeMap<(i64, String, String), Sum>,
    unmatched: Vec<UnmatchedRow>,
    track_artists: HashMap<i64, (ArtistId, String)>,
}

#[derive(Default)]
struct Sum {
    amount: i64,
    quantity: i64,
    rows: i64,
}

/// A plan being built as the rows stream past.
struct Planner<'a> {
    by_isrc: HashMap<&'a str, &'a EarningTrack>,
    by_upc_title: HashMap<(&'a str, String), &'a EarningTrack>,
    plan: Plan,
}

impl Plan {
    fn start(tracks: &[EarningTrack]) -> Planner<'_> {
        Planner {
            by_isrc: tracks.iter().filter_map(|t| t.isrc.as_deref().map(|isrc| (isrc, t))).collect(),
            by_upc_title: tracks
                .iter()
                .filter_map(|t| t.upc.as_deref().map(|upc| ((upc.trim_start_matches('0'), t.title.to_lowercase()), t)))
                .collect(),
            plan: Plan {
                sha256: String::new(),
                rows: 0,
                matched_rows: 0,
                sums: BTreeMap::new(),
                unmatched: Vec::new(),
                track_artists: HashMap::new(),
            },
        }
    }

    fn add(&mut self, track: &EarningTrack, row: &StatementRow) {
        self.matched_rows += 1;
        self.track_artists.entry(track.id).or_insert_with(|| (track.artist, track.title.clone()));
        let sum = self.sums.entry((track.id, row.period.clone(), row.currency.clone())).or_default();
        sum.amount = sum.amount.saturating_add(row.amount.0);
        sum.quantity = sum.quantity.saturating_add(row.quantity);
        sum.rows += 1;
    }
}

impl Planner<'_> {
    /// Matches a row by ISRC, else by UPC and title (a UPC-A and its EAN-13
    /// with a leading zero are the same number).
    fn take(&mut self, row: StatementRow) {
        self.plan.rows += 1;
        let found = row.isrc.as_deref().and_then(|isrc| self.by_isrc.get(isrc)).or_else(|| {
            let upc = row.upc.as_deref()?.trim_start_matches('0');
            self.by_upc_title.get(&(upc, row.title.to_lowercase()))
        });
        match found {
            Some(track) => self.plan.add(track, &row),
            None => self.plan.unmatched.push(unmatched(row)),
        }
    }

    fn finish(self, sha256: String) -> Plan {
        Plan { sha256, ..self.plan }
    }
}

fn unmatched(row: StatementRow) -> UnmatchedRow {
    UnmatchedRow {
        line: row.line as i64,
        isrc: row.isrc,
        upc: row.upc,
        title: row.title,
        store: row.store,
        period: row.period,
        quantity: row.quantity,
        amount_micros: row.amount.0,
        currency: row.currency,
    }
}

fn record(
    tx: &Tx,
    plan: &Plan,
    file_name: &str,
    format: &str,
    by: Option<UserId>,
) -> Result<ImportReport, ImportError> {
    // Checked again inside the write: of two imports of one file at once,
    // the second finds the first.
    if let Some((uid, _)) = repo::find_import_by_hash(tx, &plan.sha256)? {
        return Ok(already(uid, plan.rows));
    }
    let uid = new_uid();
    let new = NewImport {
        uid: &uid,
        sha256: &plan.sha256,
        file_name,
        format,
        rows: plan.rows,
        matched: plan.matched_rows,
        unmatched: plan.unmatched.len(),
        by,
    };
    let import = repo::insert_import(tx, &new, now_ms())?;
    for row in &plan.unmatched {
        repo::insert_unmatched(tx, import, row)?;
    }
    let mut artists = Vec::new();
    for ((track, period, currency), sum) in &plan.sums {
        let payment = NewPayment {
            import,
            track: *track,
            period,
            currency,
            quantity: sum.quantity,
            amount_micros: sum.amount,
            rows: sum.rows,
        };
        let payment_id = repo::insert_payment(tx, &payment)?;
        let (artist, title) = &plan.track_artists[track];
        record_in_ledger(tx, payment_id, *track, *artist, title, period, currency, Micros(sum.amount))?;
        if !artists.contains(&artist.0) {
            artists.push(artist.0);
        }
    }
    let event = RoyaltyImported {
        import_uid: uid.clone(),
        artist_ids: artists,
        matched_rows: plan.matched_rows,
        unmatched_rows: plan.unmatched.len(),
    };
    emit(tx, &event)?;
    Ok(ImportReport {
        import_uid: uid,
        already_imported: false,
        rows: plan.rows,
        matched_rows: plan.matched_rows,
        unmatched_rows: plan.unmatched.len(),
        payments: plan.sums.len(),
    })
}

/// The track's split as ledger holders: its collaborators in the order they
/// were named (ties in the remainder go to the earlier one), or the artist
/// alone when the track has no split.
pub fn holders(tx: &Tx, track: i64, artist: ArtistId) -> Result<Shares<Holder>, ImportError> {
    let splits = repo::list_splits(tx, track)?;
    let shares: Vec<Share<Holder>> = if splits.is_empty() {
        let user = crate::identity::service::artist_user_id(tx, artist)?;
        vec![Share {
            key: Holder { key: "artist".into(), name: String::new(), email: String::new(), user_id: Some(user) },
            basis_points: 10_000,
        }]
    } else {
        splits
            .into_iter()
            .map(|s| Share {
                key: Holder { key: s.email.clone(), name: s.name, email: s.email, user_id: s.user_id.map(UserId) },
                basis_points: s.basis_points as u32,
            })
            .collect()
    };
    Shares::parse(shares).map_err(|e| ImportError::Split(e.to_string()))
}

#[allow(clippy::too_many_arguments)]
fn record_in_ledger(
    tx: &Tx,
    payment: i64,
    track: i64,
    artist: ArtistId,
    title: &str,
    period: &str,
    currency: &str,
    amount: Micros,
) -> Result<(), ImportError> {
    let shares = holders(tx, track, artist)?;
    let reference = format!("royalty:{payment}");
    let description = format!("Royalties {period}: {title}");
    let income = Income {
        artist,
        source: "royalty",
        reference: &reference,
        description: &description,
        track_id: Some(track),
        gross: amount,
        currency,
        occurred_at: period_start_ms(period),
    };
    ledger::record_split(tx, &income, &shares)?;
    Ok(())
}

/// The first moment of a `YYYY-MM` period, UTC.
fn period_start_ms(period: &str) -> i64 {
    chrono::NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(0, |t| t.and_utc().timestamp_millis())
}
