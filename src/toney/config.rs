//! The `[toney]` section of the configuration.

use serde::Deserialize;

use crate::config::{Config, ConfigError, invalid};

/// The commented defaults of this section.
pub const DEFAULTS: &str = include_str!("config.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToneyConfig {
    pub max_message_chars: u32,
    pub history_messages: u32,
    pub more_like_this_factor: u32,
    pub dashboard_wait_ms: u32,
    pub llm: LlmConfig,
}

/// `[toney.llm]`: an OpenAI-compatible chat endpoint that phrases the
/// answers (off while `base_url` is empty).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    pub base_url: String,
    pub model: String,
    pub api_key: String,
    pub timeout_secs: u32,
}

impl std::fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = if self.api_key.is_empty() { "" } else { "(set)" };
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &key)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

impl LlmConfig {
    pub fn enabled(&self) -> bool {
        !self.base_url.trim().is_empty()
    }

    fn check(&self) -> Result<(), ConfigError> {
        if !(1..=120).contains(&self.timeout_secs) {
            return Err(invalid("toney.llm.timeout_secs", self.timeout_secs, "must be 1 to 120"));
        }
        if !self.enabled() {
            return Ok(());
        }
        match url::Url::parse(self.base_url.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => {
                return Err(invalid(
                    "toney.llm.base_url",
                    &self.base_url,
                    "must be an http(s) address such as https://api.openai.com/v1, or empty for offline",
                ));
            }
        }
        if self.model.trim().is_empty() {
            return Err(invalid("toney.llm.model", &self.model, "must name the model when toney.llm.base_url is set"));
        }
        Ok(())
    }
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
        if toney.dashboard_wait_ms > 1000 {
            return Err(invalid("toney.dashboard_wait_ms", toney.dashboard_wait_ms, "must be 0 to 1000"));
        }
        if !(2..=100).contains(&toney.more_like_this_factor) {
            return Err(invalid("toney.more_like_this_factor", toney.more_like_this_factor, "must be 2 to 100"));
        }
        toney.llm.check()?;
        Ok(toney)
    }
}
