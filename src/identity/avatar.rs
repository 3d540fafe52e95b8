//! Fans' avatars (issue 14 item 1): a photo made 512×512 like an artist's
//! profile photo, shown beside one's comments. Decoding an image is the
//! costly part, so it is bounded: few at a time for the whole server (more
//! are answered 503 at once), ten tries a minute per account — a file that
//! fails to decode counts too — and one change a minute.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use tokio::sync::Semaphore;

use super::photo;
use super::repo;
use crate::app::AppState;
use crate::core::ids::UserId;
use crate::error::{AppError, AppResult};
use crate::media::MediaKey;

/// An avatar needs no more than this; a larger file is refused unread.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
const CHANGE_EVERY_MS: i64 = 60_000;

/// Decoding tries per account: a burst of this many, then one every 6 seconds.
pub const TRIES_PER_MINUTE: u32 = 10;

fn decoders() -> &'static Arc<Semaphore> {
    static DECODERS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    DECODERS.get_or_init(|| {
        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        Arc::new(Semaphore::new(cpus))
    })
}

/// Makes `bytes` the account's avatar; returns its link.
pub async fn set_avatar(state: &AppState, user: UserId, bytes: Bytes) -> AppResult<String> {
    if bytes.len() > MAX_BYTES {
        let most = crate::web::views::format_bytes(MAX_BYTES as u64);
        return Err(AppError::invalid("avatar", format!("The photo is larger than {most}; choose a smaller one.")));
    }
    let now = state.clock.now_ms();
    let (_, last) = state.db.read_now(move |c| repo::find_avatar(c, user)).await?;
    if let Some(wait) = last.map(|at| at + CHANGE_EVERY_MS - now).filter(|w| *w > 0) {
        return Err(AppError::RateLimited { retry_after_secs: (wait as u64).div_ceil(1000) });
    }
    super::limits::take(&super::state(state).avatar_tries, &user)
        .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })?;
    let Ok(_permit) = decoders().clone().try_acquire_owned() else { return Err(AppError::Unavailable) };
    let photo = tokio::task::spawn_blocking(move || photo::process(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::invalid("avatar", e.to_string()))?;
    let key = MediaKey::parse(&photo.key).expect("photo keys are valid media keys");
    state.media.put_bytes_as(&key, Bytes::from(photo.jpeg), "image/jpeg").await?;
    let stored = photo.key.clone();
    state.db.write(move |tx| Ok::<_, AppError>(repo::update_avatar(tx, user, Some(&stored), now)?)).await?;
    Ok(key.url_path())
}

/// Removes the avatar (the initials show again).
pub async fn remove_avatar(state: &AppState, user: UserId) -> AppResult<()> {
    let now = state.clock.now_ms();
    state.db.write(move |tx| Ok::<_, AppError>(repo::update_avatar(tx, user, None, now)?)).await
}

/// The account's avatar link, if it has one.
pub async fn avatar_url(state: &AppState, user: UserId) -> AppResult<Option<String>> {
    let (key, _) = state.db.read_now(move |c| repo::find_avatar(c, user)).await?;
    Ok(key.as_deref().and_then(MediaKey::parse).map(|k| k.url_path()))
}
