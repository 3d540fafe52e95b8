//! Analytics: the daily snapshots every pillar's events feed, the unified
//! earnings dashboard and its CSV, fan loyalty, payouts and monthly
//! statements. The dashboard reads only the snapshots and the ledger.

mod chart;
pub mod commands;
pub mod config;
mod earnings;
pub mod export;
mod fans;
pub mod figures;
pub mod home;
pub mod loyalty;
pub mod loyalty_rebuild;
pub mod memo;
pub mod payouts;
pub mod payouts_repo;
pub mod rebuild;
pub mod repo;
pub mod snapshots;
pub mod statements;

use axum::Router;
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::config::{Config, ConfigError};
use crate::events::Registry;
use crate::pillar::{Install, Pillar};

pub use config::AnalyticsConfig;

/// Analytics' share of the application state.
pub struct AnalyticsState {
    pub config: AnalyticsConfig,
    /// Connected accounts' balances at Stripe, kept a minute.
    pub balances: payouts::BalanceCache,
    /// The earnings pages as last drawn.
    pub pages: memo::PageMemo,
    /// The dashboard home's figures.
    pub home: home::HomeMemo,
}

/// The UTC day of a moment, as the snapshots count days.
pub use earnings::today as earnings_day;

pub fn state(state: &AppState) -> &AnalyticsState {
    state.substate::<AnalyticsState>()
}

pub struct AnalyticsPillar;

pub static PILLAR: AnalyticsPillar = AnalyticsPillar;

impl Pillar for AnalyticsPillar {
    fn name(&self) -> &'static str {
        "analytics"
    }

    fn config_defaults(&self) -> &'static str {
        config::DEFAULTS
    }

    fn check_config(&self, config: &Config) -> Result<(), ConfigError> {
        AnalyticsConfig::from_config(config).map(|_| ())
    }

    fn install(&self, install: &mut Install<'_>) -> anyhow::Result<()> {
        let config = AnalyticsConfig::from_config(install.config)?;
        install.settlers.on_payout(payouts::on_stripe_payout);
        install.substates.insert(AnalyticsState {
            config,
            balances: payouts::BalanceCache::default(),
            pages: memo::page_memo(),
            home: home::home_memo(),
        });
        Ok(())
    }

    fn events(&self, registry: &mut Registry, config: &Config) {
        let analytics = AnalyticsConfig::from_config(config).expect("checked at startup");
        snapshots::register(registry, analytics.currency());
        loyalty::register(registry, analytics.loyalty);
        payouts::register(registry);
    }

    fn web(&self) -> Router<AppState> {
        earnings::router().merge(fans::router()).merge(statements::router())
    }

    fn jobs(&self, state: &AppState) -> Vec<JoinHandle<()>> {
        payouts::sandbox_job(state.clone()).into_iter().chain([statements::monthly_job(state.clone())]).collect()
    }
}
