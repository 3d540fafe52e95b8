//! Bops' sections of the configuration: `[bops]` and `[tips]`.

use serde::Deserialize;

use crate::config::{Config, ConfigError, invalid};

/// The commented defaults of these sections.
pub const DEFAULTS: &str = include_str!("config.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BopsConfig {
    pub max_upload_bytes: u64,
    pub max_duration_secs: u64,
    pub upload_chunk_bytes: u64,
    pub upload_min_bytes_per_sec: u64,
    pub max_open_uploads: u64,
    pub upload_idle_secs: u64,
    pub upload_sweep_secs: u64,
    pub ffmpeg: String,
    pub rendition_timeout_secs: u64,
    pub rendition_max_attempts: u32,
    pub anonymous_views_per_ip_per_minute: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TipsConfig {
    pub presets_minor: Vec<i64>,
    pub min_minor: i64,
    pub max_minor: i64,
    pub currency: String,
    pub platform_fee_percent: u32,
    pub per_fan_per_artist_per_hour: u32,
    pub per_ip_per_hour: u32,
}

/// Bops' configuration, read and checked once at startup.
#[derive(Debug, Clone)]
pub struct BopsSettings {
    pub bops: BopsConfig,
    pub tips: TipsConfig,
}

impl BopsSettings {
    pub fn from_config(config: &Config) -> Result<BopsSettings, ConfigError> {
        let settings = BopsSettings { bops: config.section("bops")?, tips: config.section("tips")? };
        settings.check_bops()?;
        settings.check_tips()?;
        Ok(settings)
    }

    fn check_bops(&self) -> Result<(), ConfigError> {
        let bops = &self.bops;
        for (key, value) in [
            ("bops.max_upload_bytes", bops.max_upload_bytes),
            ("bops.max_duration_secs", bops.max_duration_secs),
            ("bops.upload_chunk_bytes", bops.upload_chunk_bytes),
            ("bops.upload_min_bytes_per_sec", bops.upload_min_bytes_per_sec),
            ("bops.max_open_uploads", bops.max_open_uploads),
            ("bops.upload_idle_secs", bops.upload_idle_secs),
            ("bops.upload_sweep_secs", bops.upload_sweep_secs),
            ("bops.rendition_timeout_secs", bops.rendition_timeout_secs),
            ("bops.rendition_max_attempts", u64::from(bops.rendition_max_attempts)),
            ("bops.anonymous_views_per_ip_per_minute", u64::from(bops.anonymous_views_per_ip_per_minute)),
        ] {
            if value == 0 {
                return Err(invalid(key, value, "must be greater than 0"));
            }
        }
        Ok(())
    }

    fn check_tips(&self) -> Result<(), ConfigError> {
        let tips = &self.tips;
        if tips.min_minor <= 0 || tips.max_minor < tips.min_minor {
            return Err(invalid(
                "tips.max_minor",
                tips.max_minor,
                "must be at least tips.min_minor, which must be positive",
            ));
        }
        if let Some(bad) = tips.presets_minor.iter().find(|p| **p < tips.min_minor || **p > tips.max_minor) {
            return Err(invalid(
                "tips.presets_minor",
                bad,
                "each preset must lie between tips.min_minor and tips.max_minor",
            ));
        }
        if tips.platform_fee_percent >= 100 {
            return Err(invalid("tips.platform_fee_percent", tips.platform_fee_percent, "must be below 100"));
        }
        if tips.per_fan_per_artist_per_hour == 0 || tips.per_ip_per_hour == 0 {
            return Err(ConfigError(
                "`tips.per_fan_per_artist_per_hour` and `tips.per_ip_per_hour` must be greater than 0".into(),
            ));
        }
        if crate::core::Currency::parse(&tips.currency).is_err() {
            return Err(invalid("tips.currency", &tips.currency, "must be an ISO 4217 code like \"USD\""));
        }
        Ok(())
    }
}
