//! The label hides an artist's page (issue 15 item 4): that is the artist's
//! suspension, not a flag of its own. A page is the artist's whole presence
//! (Bops, music, shop and search hang off it), and the suspension already
//! takes all of it down everywhere, closes the revenue gate and tells the
//! artist why; a second "hidden page" state would have to be taught to
//! every pillar and could disagree with it. Showing it again reinstates.

use super::repo;
use crate::db::Tx;
use crate::error::AppResult;
use crate::pillar::Moderate;

pub fn moderate(tx: &Tx, request: &Moderate<'_>) -> AppResult<bool> {
    if request.kind != "profile" {
        return Ok(false);
    }
    let found = match request.uid.strip_prefix('@') {
        Some(handle) => repo::find_artist_by_handle(tx, &handle.to_lowercase())?,
        None => repo::find_artist_by_uid(tx, request.uid)?,
    };
    let Some(artist) = found else { return Ok(false) };
    match (request.hidden, artist.suspended) {
        (true, false) => super::suspension::suspend(tx, artist.user_id, request.reason, request.now)?,
        (false, true) => {
            super::suspension::reinstate(tx, artist.user_id, request.now)?;
        }
        _ => {}
    }
    Ok(true)
}
