//! The `[toney]` section of the configuration.

use serde::Deserialize;

use crate::config::{Config, ConfigError, invalid};

/// The commented defaults of this section.
pub const DEFAULTS: &str = include_str!("config.toml");

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToneyConfig {
    pub max_message_chars: u32,
    pub history_messages: u32,
    pub more_like_this_factor: u32,
}

impl ToneyConfig {
    pub fn from_config(config: &Config) -> Result<ToneyConfig, ConfigError> {
        let toney: ToneyConfig = config.section("toney")?;
        if !(1..=10_000).contains(&toney.max_message_chars) {
            return Err(invalid("toney.max_message_chars", toney.max_message_chars, "must be 1 to 10000"));
        }
        if !(1..=500).contains(&toney.history_messages) {
            return Err(invalid("toney.history_messages", toney.history_messages, "must be 1 to 500"));
        }
        if !(2..=100).contains(&toney.more_like_this_factor) {
            return Err(invalid("toney.more_like_this_factor", toney.more_like_this_factor, "must be 2 to 100"));
        }
        Ok(toney)
    }
}
