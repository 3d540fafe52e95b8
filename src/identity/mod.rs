//! Identity: accounts, sessions, artist profiles, onboarding and the revenue
//! gate. Every other pillar reaches the current artist through this one.

pub mod domain;
pub mod events;
pub mod gate;
mod handlers;
pub mod limits;
pub mod password;
pub mod photo;
pub mod repo;
pub mod service;
pub mod session;

use axum::Router;

use crate::app::AppState;
use crate::web::csrf::CsrfKey;

pub use gate::{RevenueReady, Step};
pub use repo::{ArtistRow, UserRow};
pub use service::artist_by_uid;
pub use session::{ArtistScope, CurrentUser};

/// Identity's share of the application state.
pub struct IdentityState {
    pub csrf: CsrfKey,
    pub login_limits: limits::LoginLimits,
    pub account_limits: limits::AccountLimits,
    pub devices: limits::DeviceKey,
    pub hashing: password::Hashing,
}

impl IdentityState {
    /// `secret` is the installation's random key (CSRF tokens, device cookies).
    pub fn new(secret: Vec<u8>, config: &crate::config::AccountsConfig) -> IdentityState {
        IdentityState {
            devices: limits::DeviceKey::new(&secret),
            csrf: CsrfKey::new(secret),
            login_limits: limits::LoginLimits::new(config),
            account_limits: limits::AccountLimits::new(config),
            hashing: password::Hashing::new(config),
        }
    }
}

pub fn router() -> Router<AppState> {
    handlers::router()
}
