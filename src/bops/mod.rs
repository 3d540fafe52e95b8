//! Bops: short vertical videos — posting, playback, likes, comments, views,
//! tips.

pub mod access;
pub mod api;
pub mod artist_grid;
pub mod captions;
pub mod comments;
pub mod config;
pub mod domain;
pub mod events;
pub mod fanout;
pub mod feed;
pub mod for_you;
pub mod jobs;
pub mod moderation;
mod poster;
pub mod probe;
pub mod public;
pub mod rank;
pub mod rendition;
pub mod repo;
pub mod service;
mod studio;
mod studio_comments;
pub mod supporters;
pub mod tips;
pub mod uploading;
pub mod uploads;
pub mod views;

use axum::Router;
use futures::future::BoxFuture;
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::config::{Config, ConfigError};
use crate::core::ids::{ArtistId, UserId};
use crate::error::AppResult;
use crate::events::Registry;
use crate::media::{Grant, MediaKey};
use crate::pillar::{Install, Moderate, Pillar, ProfileTab, ProfileTabRequest, ReportTarget};

pub use config::BopsSettings;

/// Bops' share of the application state.
pub struct BopsState {
    pub config: BopsSettings,
    pub uploads: uploads::Uploads,
    pub tip_limits: tips::TipLimits,
    /// Signed-out viewers' view reports per client address.
    pub anonymous_views: crate::identity::limits::PerIpBudget,
    /// For You pools by fan (bounded).
    pub pools: for_you::Pools,
    /// Makes each missing pool once, however many of the fan's requests
    /// find it missing together.
    pub pool_maker: crate::core::memo::OneMaker,
    /// Loyalty's weights and half-life, for the For You scores.
    pub loyalty: crate::analytics::config::LoyaltyConfig,
    /// The low renditions' maker.
    pub renditions: rendition::Renditions,
}

/// Bops' part of the state of `state`.
pub fn state(state: &AppState) -> &BopsState {
    state.substate::<BopsState>()
}

pub struct BopsPillar;

pub static PILLAR: BopsPillar = BopsPillar;

impl Pillar for BopsPillar {
    fn name(&self) -> &'static str {
        "bops"
    }

    fn config_defaults(&self) -> &'static str {
        config::DEFAULTS
    }

    fn check_config(&self, config: &Config) -> Result<(), ConfigError> {
        BopsSettings::from_config(config).map(|_| ())
    }

    fn install(&self, install: &mut Install<'_>) -> anyhow::Result<()> {
        let config = BopsSettings::from_config(install.config)?;
        let loyalty = crate::analytics::AnalyticsConfig::from_config(install.config)?.loyalty;
        rank::rank_existing(install.db, &loyalty)?;
        let state = BopsState {
            uploads: uploads::Uploads::new(
                install.db.clone(),
                install.media.clone(),
                install.config.data_dir().join("uploads"),
                &config.bops,
            ),
            tip_limits: tips::TipLimits::new(&config.tips),
            anonymous_views: crate::identity::limits::PerIpBudget::per_minute(
                config.bops.anonymous_views_per_ip_per_minute,
            ),
            renditions: rendition::Renditions::new(&config.bops, install.config.data_dir()),
            pools: for_you::pools(),
            pool_maker: crate::core::memo::OneMaker::new(for_you::POOL_MAKERS),
            loyalty,
            config,
        };
        install.substates.insert(state);
        install.settlers.on_payment(tips::TIP, tips::settle_tip);
        Ok(())
    }

    fn events(&self, registry: &mut Registry, config: &Config) {
        fanout::register(registry);
        let loyalty = crate::analytics::AnalyticsConfig::from_config(config).expect("checked at startup").loyalty;
        rank::register(registry, loyalty);
        supporters::register(registry);
    }

    fn web(&self) -> Router<AppState> {
        studio::router()
            .merge(studio_comments::router())
            .merge(captions::router())
            .merge(public::router())
            .merge(supporters::web_router())
    }

    fn api(&self) -> Router<AppState> {
        api::router().merge(supporters::api_router()).merge(artist_grid::router())
    }

    /// Videos and posters (and the demo's shared clips and posters).
    fn media_prefixes(&self) -> &'static [&'static str] {
        &["bops/", "posters/", "demo/clip-", "demo/poster-"]
    }

    fn media_grant<'a>(&'a self, state: &'a AppState, key: &'a MediaKey) -> BoxFuture<'a, AppResult<Option<Grant>>> {
        Box::pin(access::media_grant(state, key))
    }

    fn last_activity(&self, conn: &rusqlite::Connection, artist: ArtistId) -> rusqlite::Result<Option<i64>> {
        repo::last_created_at(conn, artist)
    }

    fn reportable_kinds(&self) -> &'static [&'static str] {
        &["bop", "comment"]
    }

    fn profile_tab(&self) -> Option<ProfileTab> {
        Some(ProfileTab { key: "bops", label: "Bops", order: 0 })
    }

    fn oembed_paths(&self) -> &'static [&'static str] {
        &["/bops/"]
    }

    fn oembed<'a>(
        &'a self,
        state: &'a AppState,
        path: &'a str,
        maxwidth: Option<u32>,
    ) -> BoxFuture<'a, AppResult<Option<serde_json::Value>>> {
        Box::pin(public::oembed(state, path, maxwidth))
    }

    fn render_profile_tab<'a>(
        &'a self,
        state: &'a AppState,
        request: &'a ProfileTabRequest,
    ) -> BoxFuture<'a, AppResult<String>> {
        Box::pin(artist_grid::profile_tab(state, request))
    }

    fn report_target<'a>(
        &'a self,
        state: &'a AppState,
        viewer: UserId,
        kind: &'a str,
        uid: &'a str,
    ) -> BoxFuture<'a, AppResult<Option<ReportTarget>>> {
        Box::pin(comments::report_target(state, viewer, kind, uid))
    }

    fn moderate(&self, tx: &crate::db::Tx, request: &Moderate<'_>) -> AppResult<bool> {
        moderation::moderate(tx, request)
    }

    fn jobs(&self, state: &AppState) -> Vec<JoinHandle<()>> {
        jobs::spawn(state)
    }
}
