//! Identity: accounts, artist profiles, onboarding, follows and the revenue
//! gate. Every other pillar reaches the current artist through this one.
//! Sessions and tokens are the shared `auth` room's; identity issues them.

pub mod account;
mod api;
pub mod app_signup;
mod artist_api;
pub mod avatar;
pub mod config;
pub mod domain;
pub mod events;
pub mod gate;
mod handlers;
pub mod joining;
pub mod limits;
mod me_api;
pub mod moderation;
pub mod password;
pub mod people;
pub mod photo;
pub mod repo;
pub mod roster;
pub mod service;
pub mod session;
mod settle;
pub mod showcase;
pub mod sign_ins;
pub mod suspension;

use axum::Router;
use futures::future::BoxFuture;

use crate::app::AppState;
use crate::config::{Config, ConfigError};
use crate::core::ids::UserId;
use crate::error::AppResult;
use crate::events::Registry;
use crate::media::{Audience, Grant, MediaKey};
use crate::pillar::{Install, Moderate, Pillar, ReportTarget};

pub use config::IdentityConfig;
pub use gate::{RevenueReady, Step};
pub use repo::{ArtistRow, UserRow};
pub use service::{artist_by_id, artist_by_uid};
pub use session::ArtistScope;

/// Identity's share of the application state.
pub struct IdentityState {
    pub config: IdentityConfig,
    pub login_limits: limits::LoginLimits,
    pub account_limits: limits::AccountLimits,
    /// Avatar decoding tries per account (see `avatar`).
    pub avatar_tries: governor::DefaultKeyedRateLimiter<crate::core::ids::UserId>,
    pub devices: limits::DeviceKey,
    pub hashing: password::Hashing,
}

impl IdentityState {
    /// `secret` is the installation's random key (device cookies).
    pub fn new(secret: &[u8], config: IdentityConfig) -> IdentityState {
        IdentityState {
            devices: limits::DeviceKey::new(secret),
            login_limits: limits::LoginLimits::new(&config.accounts),
            account_limits: limits::AccountLimits::new(&config.accounts),
            avatar_tries: limits::keyed(avatar::TRIES_PER_MINUTE, governor::Quota::per_minute),
            hashing: password::Hashing::new(&config.accounts),
            config,
        }
    }
}

/// Identity's part of the state of `state`.
pub fn state(state: &AppState) -> &IdentityState {
    state.substate::<IdentityState>()
}

pub struct IdentityPillar;

pub static PILLAR: IdentityPillar = IdentityPillar;

impl Pillar for IdentityPillar {
    fn name(&self) -> &'static str {
        "identity"
    }

    fn config_defaults(&self) -> &'static str {
        config::DEFAULTS
    }

    fn check_config(&self, config: &Config) -> Result<(), ConfigError> {
        IdentityConfig::from_config(config).map(|_| ())
    }

    fn install(&self, install: &mut Install<'_>) -> anyhow::Result<()> {
        let config = IdentityConfig::from_config(install.config)?;
        let secret = install.db.write_blocking(crate::db::Durability::Normal, |tx| {
            crate::db::server_secret(tx, "csrf", crate::db::now_ms())
        })?;
        install.substates.insert(IdentityState::new(&secret, config));
        settle::register(install.settlers);
        Ok(())
    }

    fn events(&self, registry: &mut Registry, config: &Config) {
        let public_url = config.server.public_url.as_str().trim_end_matches('/').to_owned();
        events::register(registry, public_url);
    }

    fn web(&self) -> Router<AppState> {
        handlers::router()
    }

    fn api(&self) -> Router<AppState> {
        api::router().merge(artist_api::router()).merge(me_api::router())
    }

    /// An artist's current profile photo is public.
    /// Profile photos (and the demo's stand-ins).
    fn media_prefixes(&self) -> &'static [&'static str] {
        &["profiles/", "demo/avatar-"]
    }

    fn reportable_kinds(&self) -> &'static [&'static str] {
        &["profile"]
    }

    /// An artist's public page, by their id or `@handle`.
    fn report_target<'a>(
        &'a self,
        state: &'a AppState,
        _viewer: UserId,
        _kind: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, AppResult<Option<ReportTarget>>> {
        Box::pin(artist_api::report_target(state, id))
    }

    /// Hiding an artist's page is suspending the artist (see `moderation`).
    fn moderate(&self, tx: &crate::db::Tx, request: &Moderate<'_>) -> AppResult<bool> {
        moderation::moderate(tx, request)
    }

    fn media_grant<'a>(&'a self, state: &'a AppState, key: &'a MediaKey) -> BoxFuture<'a, AppResult<Option<Grant>>> {
        Box::pin(async move {
            let photo = key.as_str().to_owned();
            let is_photo = state.db.read_now(move |c| repo::is_profile_photo(c, &photo)).await?;
            Ok(is_photo.then(|| Grant { audience: Audience::Public, content_type: "image/jpeg".into() }))
        })
    }
}
