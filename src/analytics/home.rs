//! Today's figures for the dashboard home, once the artist is ready to
//! earn: what they made, and who watched, followed and listened — today
//! and over the last seven days. Two sums over the snapshots.

use chrono::Days;
use rusqlite::Connection;
use serde::Serialize;

use super::earnings::{show, today};
use super::figures;
use crate::core::Currency;
use crate::core::ids::ArtistId;

#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub earned: String,
    pub views: i64,
    pub new_followers: i64,
    pub streams: i64,
    pub likes: i64,
    pub orders: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Today {
    pub today: Figures,
    pub week: Figures,
}

pub fn figures(conn: &Connection, artist: ArtistId, currency: Currency, now: i64) -> rusqlite::Result<Today> {
    let day = today(now);
    let ymd = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let read = |from: String| -> rusqlite::Result<Figures> {
        let (money, counts) = figures::sum(conn, artist, &from, &ymd(day))?;
        Ok(Figures {
            earned: show(money.net, currency),
            views: counts.views,
            new_followers: counts.new_followers,
            streams: counts.streams,
            likes: counts.likes,
            orders: counts.orders,
        })
    };
    Ok(Today { today: read(ymd(day))?, week: read(ymd(day - Days::new(6)))? })
}
