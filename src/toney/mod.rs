//! Toney: the intelligence layer. It reads the artist's own aggregated
//! numbers — launch snapshots kept by its handlers, the analytics rollups,
//! earnings per item and loyalty — and tells the artist one useful thing
//! to do next, with the evidence; it suggests on events (a new track, a
//! Bop taking off, a finished profile) and answers questions in a chat,
//! offline. Numbers never come from a model.

pub mod chat;
pub mod config;
pub mod events;
pub mod followups;
mod handlers;
pub mod insights;
pub mod llm;
pub mod rebuild;
pub mod repo;
pub mod report;
pub mod service;
pub mod top;

use axum::Router;

use crate::app::AppState;
use crate::config::{Config, ConfigError};
use crate::events::Registry;
use crate::pillar::{Install, Pillar};

pub use config::ToneyConfig;
pub use insights::Insight;

/// Toney's share of the application state.
pub struct ToneyState {
    pub config: ToneyConfig,
    /// The dashboard's top insight per artist, kept a minute.
    pub top_insights: top::TopInsights,
    /// The language model that phrases answers, when `[toney.llm]` names one.
    pub llm: Option<llm::Llm>,
}

pub fn state(state: &AppState) -> &ToneyState {
    state.substate::<ToneyState>()
}

pub struct ToneyPillar;

pub static PILLAR: ToneyPillar = ToneyPillar;

impl Pillar for ToneyPillar {
    fn name(&self) -> &'static str {
        "toney"
    }

    fn config_defaults(&self) -> &'static str {
        config::DEFAULTS
    }

    fn check_config(&self, config: &Config) -> Result<(), ConfigError> {
        ToneyConfig::from_config(config).map(|_| ())
    }

    fn install(&self, install: &mut Install<'_>) -> anyhow::Result<()> {
        let config = ToneyConfig::from_config(install.config)?;
        let llm = llm::Llm::from_config(&config.llm)?;
        install.substates.insert(ToneyState { config, top_insights: top::TopInsights::default(), llm });
        Ok(())
    }

    fn events(&self, registry: &mut Registry, config: &Config) {
        let currency = crate::analytics::AnalyticsConfig::from_config(config).expect("checked at startup").currency();
        events::register(registry, &ToneyConfig::from_config(config).expect("checked at startup"), currency);
    }

    fn web(&self) -> Router<AppState> {
        handlers::router()
    }

    fn jobs(&self, state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
        vec![report::monthly_job(state.clone()), followups::measure_job(state.clone())]
    }
}
