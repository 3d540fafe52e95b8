//! Music's section of the configuration: `[music]`.

use serde::Deserialize;

use crate::config::{Config, ConfigError, invalid};

/// The commented defaults of this section.
pub const DEFAULTS: &str = include_str!("config.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MusicConfig {
    pub label_name: String,
    pub isrc_registrant: String,
    pub gs1_prefix: String,
    pub max_master_bytes: u64,
    pub ddex_dpid: String,
    pub ddex_party_name: String,
    pub delivery: Vec<super::distribution::DeliveryTarget>,
}

impl MusicConfig {
    pub fn from_config(config: &Config) -> Result<MusicConfig, ConfigError> {
        let music: MusicConfig = config.section("music")?;
        if music.label_name.trim().is_empty() {
            return Err(invalid("music.label_name", &music.label_name, "must not be empty"));
        }
        if !music.isrc_registrant.is_empty() && super::codes::parse_registrant(&music.isrc_registrant).is_none() {
            return Err(invalid(
                "music.isrc_registrant",
                &music.isrc_registrant,
                "must be a country code and a 3-character registrant, like \"QZ-K6P\"",
            ));
        }
        let prefix = &music.gs1_prefix;
        let prefix_ok = (6..=11).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_digit());
        if !prefix.is_empty() && !prefix_ok {
            return Err(invalid("music.gs1_prefix", prefix, "must be a GS1 company prefix of 6 to 11 digits"));
        }
        if music.max_master_bytes < 1024 * 1024 {
            return Err(invalid(
                "music.max_master_bytes",
                music.max_master_bytes.to_string(),
                "must be at least 1 MiB",
            ));
        }
        if !music.ddex_dpid.is_empty() && !super::ddex::is_dpid(&music.ddex_dpid) {
            return Err(invalid(
                "music.ddex_dpid",
                &music.ddex_dpid,
                "must be a DDEX Party ID: PADPIDA and letters/digits",
            ));
        }
        for (i, target) in music.delivery.iter().enumerate() {
            target.check().map_err(|why| invalid(&format!("music.delivery[{i}]"), &target.name, &why))?;
        }
        let mut names: Vec<&str> = music.delivery.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(invalid("music.delivery", "", "each delivery target needs its own name"));
        }
        Ok(music)
    }
}
