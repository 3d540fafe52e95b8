//! The label's artists as its home page presents them (issue 15 item 1):
//! who fans may see, by name, a page at a time.

use super::repo;
use crate::app::AppState;
use crate::error::AppResult;
use crate::media::MediaKey;

/// One artist on the home page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ShowcaseArtist {
    pub uid: String,
    pub name: String,
    pub handle: String,
    pub photo_url: Option<String>,
}

/// A page of artists after `after` (an artist's public id), and the id to
/// continue after when there are more.
pub async fn page(
    state: &AppState,
    after: Option<String>,
    size: usize,
) -> AppResult<(Vec<ShowcaseArtist>, Option<String>)> {
    let mut rows = state.db.read(move |c| repo::list_showcase_artists(c, after.as_deref(), size + 1)).await?;
    let more = rows.len() > size;
    rows.truncate(size);
    let next = more.then(|| rows.last().map(|r| r.uid.clone())).flatten();
    let artists = rows
        .into_iter()
        .map(|r| ShowcaseArtist {
            photo_url: r.photo_key.as_deref().and_then(MediaKey::parse).map(|k| k.url_path()),
            uid: r.uid,
            name: r.stage_name,
            handle: r.handle,
        })
        .collect();
    Ok((artists, next))
}
