//! The `[search]` section of the configuration.

use serde::Deserialize;

use crate::config::{Config, ConfigError, invalid};

/// The commented defaults of this section.
pub const DEFAULTS: &str = include_str!("config.toml");

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    pub max_query_chars: u32,
    pub max_results: u32,
    pub trending_days: u32,
    pub per_ip_per_minute: u32,
}

impl SearchConfig {
    pub fn from_config(config: &Config) -> Result<SearchConfig, ConfigError> {
        let search: SearchConfig = config.section("search")?;
        if !(1..=500).contains(&search.max_query_chars) {
            return Err(invalid("search.max_query_chars", search.max_query_chars, "must be 1 to 500"));
        }
        if !(1..=100).contains(&search.max_results) {
            return Err(invalid("search.max_results", search.max_results, "must be 1 to 100"));
        }
        if !(1..=14).contains(&search.trending_days) {
            return Err(invalid("search.trending_days", search.trending_days, "must be 1 to 14"));
        }
        if search.per_ip_per_minute == 0 {
            return Err(invalid("search.per_ip_per_minute", search.per_ip_per_minute, "must be at least 1"));
        }
        Ok(search)
    }
}
