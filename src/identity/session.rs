//! The signed-in artist: [`ArtistScope`] builds on the shared `auth`
//! extractors and adds the artist profile.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::domain::Role;
use super::repo::{self, ArtistRow};
use crate::app::AppState;
use crate::auth::{AuthUser, CurrentUser};
use crate::error::AppError;

/// The signed-in artist and their profile: the only way a handler reaches
/// artist-owned data, so the artist is always the one from the session (or
/// bearer token, on the app surface).
#[derive(Debug, Clone)]
pub struct ArtistScope {
    pub user: AuthUser,
    pub artist: ArtistRow,
}

impl FromRequestParts<AppState> for ArtistScope {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        if user.role != Role::Artist {
            return Err(AppError::Forbidden("This page is for artists.".into()));
        }
        let user_id = user.id;
        let artist = state.db.read_now(move |c| repo::find_artist_by_user(c, user_id)).await?;
        let artist = artist.ok_or_else(|| AppError::Forbidden("This account has no artist profile.".into()))?;
        Ok(ArtistScope { user, artist })
    }
}
