//! Identity: accounts, sessions, artist profiles, onboarding and the revenue
//! gate. Every other pillar reaches the current artist through this one.

pub mod domain;
pub mod events;
pub mod gate;
mod handlers;
pub mod limits;
pub mod photo;
pub mod repo;
pub mod service;
pub mod session;

use axum::Router;

use crate::app::AppState;
use crate::web::csrf::CsrfKey;

pub use gate::{RevenueReady, Step};
pub use session::{ArtistScope, CurrentUser};

/// Identity's share of the application state.
pub struct IdentityState {
    pub csrf: CsrfKey,
    pub login_limits: limits::LoginLimits,
}

pub fn router() -> Router<AppState> {
    handlers::router()
}
