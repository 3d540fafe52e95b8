//! The analytics sections of the configuration: `[analytics]`,
//! `[analytics.loyalty]` and `[analytics.payouts]`.

use serde::Deserialize;

use crate::config::{Config, ConfigError, invalid};
use crate::core::Currency;

/// The commented defaults of these sections.
pub const DEFAULTS: &str = include_str!("config.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsConfig {
    pub currency: String,
    pub loyalty: LoyaltyConfig,
    pub payouts: PayoutsConfig,
}

/// Points per action, and how fast they fade.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoyaltyConfig {
    pub half_life_days: u32,
    pub follow: u32,
    pub view: u32,
    pub like: u32,
    pub comment: u32,
    pub tip: u32,
    pub purchase: u32,
    pub stream: u32,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayoutsConfig {
    pub sandbox_schedule: bool,
    pub sandbox_interval_days: u32,
    pub sandbox_minimum_minor: u32,
}

impl AnalyticsConfig {
    pub fn from_config(config: &Config) -> Result<AnalyticsConfig, ConfigError> {
        let analytics: AnalyticsConfig = config.section("analytics")?;
        if Currency::parse(&analytics.currency).is_err() {
            return Err(invalid("analytics.currency", &analytics.currency, "must be an ISO 4217 code like \"USD\""));
        }
        if !(1..=3650).contains(&analytics.loyalty.half_life_days) {
            return Err(invalid(
                "analytics.loyalty.half_life_days",
                analytics.loyalty.half_life_days,
                "must be 1 to 3650",
            ));
        }
        let points = analytics.loyalty;
        for (key, value) in [
            ("follow", points.follow),
            ("view", points.view),
            ("like", points.like),
            ("comment", points.comment),
            ("tip", points.tip),
            ("purchase", points.purchase),
            ("stream", points.stream),
        ] {
            if value > 1000 {
                return Err(invalid(&format!("analytics.loyalty.{key}"), value, "must be 0 to 1000"));
            }
        }
        if !(1..=366).contains(&analytics.payouts.sandbox_interval_days) {
            return Err(invalid(
                "analytics.payouts.sandbox_interval_days",
                analytics.payouts.sandbox_interval_days,
                "must be 1 to 366",
            ));
        }
        Ok(analytics)
    }

    pub fn currency(&self) -> Currency {
        Currency::parse(&self.currency).expect("checked at startup")
    }
}
