//! What the earnings page drew, kept per artist and chart grouping: an
//! unchanged page is served without summing and drawing it again. An entry
//! holds while the artist's figures version (bumped by triggers whenever
//! their snapshots, earnings per item or payouts change; V026), the day and
//! Stripe's word on the balance are what they were.

use std::sync::Arc;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};

use crate::core::ids::ArtistId;
use crate::core::memo::Memo;

/// Entries kept (three groupings per artist who opened the page); past
/// this the memo starts over. Only signed-in artists add entries.
const MAX_ENTRIES: usize = 4096;

/// What a drawn page depends on besides the artist and the grouping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawn {
    pub version: i64,
    pub day: NaiveDate,
    pub stripe_balance: Option<String>,
    pub stripe_silent: bool,
}

/// The earnings pages as last drawn, per artist and grouping.
pub type PageMemo = Memo<(ArtistId, &'static str), Drawn, Arc<str>>;

pub fn page_memo() -> PageMemo {
    Memo::new(MAX_ENTRIES, None)
}

/// The artist's figures version; 0 before anything was recorded.
pub fn version(conn: &Connection, artist: ArtistId) -> rusqlite::Result<i64> {
    Ok(conn
        .prepare_cached("SELECT version FROM artist_figures_version WHERE artist_id = ?1")?
        .query_row([artist], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}
