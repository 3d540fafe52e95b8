//! Search and explore (issue 14, item 5): artists, public Bops by caption
//! and #hashtag, tracks and products, found with SQLite FTS5 (prefix
//! matching, accents folded) over the pillar's own copy of what fans may
//! see, which its handlers keep from the other pillars' events; and the
//! explore page of trending hashtags and artists, from counts kept the
//! same way. Nothing here reads another pillar's tables per request.

pub mod api;
mod bounded;
pub mod config;
pub mod events;
mod handlers;
pub mod query;
pub mod rebuild;
pub mod repo;
pub mod service;

use std::time::Duration;

use axum::Router;
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::config::{Config, ConfigError};
use crate::events::Registry;
use crate::pillar::{Install, Pillar};

pub use config::SearchConfig;

/// Search's share of the application state.
pub struct SearchState {
    pub config: SearchConfig,
    /// Searches per client address (a search is cheap, but open to anyone).
    pub limits: crate::identity::limits::PerIpBudget,
    pub recent: service::RecentSearches,
}

pub fn state(state: &AppState) -> &SearchState {
    state.substate::<SearchState>()
}

pub struct SearchPillar;

pub static PILLAR: SearchPillar = SearchPillar;

impl Pillar for SearchPillar {
    fn name(&self) -> &'static str {
        "search"
    }

    fn config_defaults(&self) -> &'static str {
        config::DEFAULTS
    }

    fn check_config(&self, config: &Config) -> Result<(), ConfigError> {
        SearchConfig::from_config(config).map(|_| ())
    }

    /// Indexes what existed before search (once, at the first start after
    /// V028), then installs the config.
    fn install(&self, install: &mut Install<'_>) -> anyhow::Result<()> {
        let config = SearchConfig::from_config(install.config)?;
        build_once(install.db)?;
        let limits = crate::identity::limits::PerIpBudget::per_minute(config.per_ip_per_minute);
        install.substates.insert(SearchState { config, limits, recent: service::recent_searches() });
        Ok(())
    }

    fn events(&self, registry: &mut Registry, _config: &Config) {
        events::register(registry);
    }

    fn web(&self) -> Router<AppState> {
        handlers::router()
    }

    fn api(&self) -> Router<AppState> {
        api::router()
    }

    fn jobs(&self, state: &AppState) -> Vec<JoinHandle<()>> {
        vec![prune_job(state.clone())]
    }
}

fn build_once(db: &crate::db::Db) -> anyhow::Result<()> {
    if db.read_blocking(repo::is_built)? {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let rebuilt = db.write_blocking::<_, anyhow::Error, _>(crate::db::Durability::Normal, |tx| {
        Ok(rebuild::rebuild(tx, crate::db::now_ms())?)
    })?;
    tracing::info!(?rebuilt, elapsed = ?started.elapsed(), "search index built from existing data");
    Ok(())
}

/// Hourly: per-day counts older than the rebuild's window are dropped, so
/// the explore tables stay a few weeks of rows.
fn prune_job(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        // The first pass an hour after start: nothing is old yet then, and
        // a start stays free of writes of its own.
        let hour = Duration::from_secs(3600);
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + hour, hour);
        loop {
            ticks.tick().await;
            let before = state.clock.now_ms().div_euclid(repo::DAY_MS) - rebuild::KEPT_DAYS;
            let pruned = state.db.write(move |tx| Ok::<_, crate::error::AppError>(repo::prune_days(tx, before)?)).await;
            if let Err(err) = pruned {
                tracing::warn!(error = %err, "pruning search's daily counts failed");
            }
        }
    })
}
