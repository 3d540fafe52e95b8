//! Today's figures for the dashboard home, once the artist is ready to
//! earn: what they made, and who watched, followed and listened — today
//! and over the last seven days. Two sums over the snapshots.

use chrono::{Days, NaiveDate};
use rusqlite::Connection;
use serde::Serialize;

use super::earnings::{show, today};
use super::figures;
use crate::app::AppState;
use crate::core::Currency;
use crate::core::ids::ArtistId;
use crate::core::memo::Memo;
use crate::error::AppResult;

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

/// Artists whose figures are kept; past this the memo starts over.
const KEPT: usize = 4096;

/// Today's figures per artist, under the figures' version and the day.
pub type HomeMemo = Memo<ArtistId, (i64, NaiveDate), Today>;

pub fn home_memo() -> HomeMemo {
    Memo::new(KEPT, None)
}

/// Today's figures, summed again only when they changed (`version`, the
/// artist's figures version) or the day turned.
pub async fn today_figures(state: &AppState, artist: ArtistId, version: i64) -> AppResult<Today> {
    let now = state.clock.now_ms();
    let currency = super::state(state).config.currency();
    let stamp = (version, today(now));
    let memo = &super::state(state).home;
    if let Some(figures) = memo.get(&artist, &stamp) {
        return Ok(figures);
    }
    let figures = state.db.read_now(move |c| self::figures(c, artist, currency, now)).await?;
    memo.put(artist, stamp, figures.clone());
    Ok(figures)
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
