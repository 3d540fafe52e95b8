//! The ledger: every movement of an artist's money, in micro-units, one row
//! per collaborator's part when income is split. Pillars record into it in
//! the same transaction as the fact (a royalty, a tip, an order); the
//! earnings views read it. It knows no pillar.

pub mod label;
pub mod money;
pub mod repo;
pub mod splits;

pub use money::Micros;
pub use splits::{Share, Shares, split};

use crate::core::ids::{ArtistId, UserId};
use crate::db::Tx;

/// Who holds a part of split income.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Unique within one split (an email, or "artist").
    pub key: String,
    pub name: String,
    pub email: String,
    pub user_id: Option<UserId>,
}

/// Income to record: the whole, before it is split.
#[derive(Debug, Clone)]
pub struct Income<'a> {
    pub artist: ArtistId,
    pub source: &'a str,
    pub reference: &'a str,
    pub description: &'a str,
    pub track_id: Option<i64>,
    pub gross: Micros,
    pub currency: &'a str,
    pub occurred_at: i64,
}

/// Records `income` as one row per holder's part, by the largest-remainder
/// rule: the parts add up to the whole exactly. Recording the same
/// reference again changes nothing (returns false).
pub fn record_split(tx: &Tx, income: &Income<'_>, shares: &Shares<Holder>) -> rusqlite::Result<bool> {
    if repo::reference_recorded(tx, income.reference)? {
        return Ok(false);
    }
    for (share, (holder, part)) in shares.as_slice().iter().zip(split(income.gross, shares)) {
        let row = repo::NewEntry { income, holder: &holder, basis_points: share.basis_points, gross: part, net: part };
        repo::insert_entry(tx, &row, crate::db::now_ms())?;
    }
    announce(tx, income)?;
    Ok(true)
}

/// Records income that is the artist's alone, less the platform's `fee`:
/// one row. Recording the same reference again changes nothing (false).
pub fn record_whole(
    conn: &rusqlite::Connection,
    income: &Income<'_>,
    fee: Micros,
    holder: &Holder,
) -> rusqlite::Result<bool> {
    if repo::reference_recorded(conn, income.reference)? {
        return Ok(false);
    }
    let row = repo::NewEntry {
        income,
        holder,
        basis_points: 10_000,
        gross: income.gross,
        net: Micros(income.gross.0 - fee.0),
    };
    repo::insert_entry(conn, &row, crate::db::now_ms())?;
    announce(conn, income)?;
    Ok(true)
}

/// Money was recorded: the artist's daily figures of that day and currency
/// are due for a recount (analytics handles it).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LedgerRecorded {
    pub artist_id: i64,
    pub source: String,
    pub reference: String,
    pub currency: String,
    pub occurred_at: i64,
    pub track_id: Option<i64>,
    pub gross_micros: i64,
}

impl crate::events::PlatformEvent for LedgerRecorded {
    const TYPE: &'static str = "ledger.recorded";
}

fn announce(conn: &rusqlite::Connection, income: &Income<'_>) -> rusqlite::Result<()> {
    let event = LedgerRecorded {
        artist_id: income.artist.0,
        source: income.source.to_owned(),
        reference: income.reference.to_owned(),
        currency: income.currency.to_owned(),
        occurred_at: income.occurred_at,
        track_id: income.track_id,
        gross_micros: income.gross.0,
    };
    crate::events::emit_on(conn, &event)?;
    Ok(())
}
