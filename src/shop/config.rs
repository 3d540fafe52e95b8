//! The shop's sections of the configuration: `[shop]` and `[shop.pod]`.

use serde::Deserialize;

use crate::config::{Config, ConfigError, invalid};
use crate::core::Currency;

/// The commented defaults of these sections.
pub const DEFAULTS: &str = include_str!("config.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopConfig {
    pub currency: String,
    pub platform_fee_percent: u32,
    pub reservation_minutes: u32,
    pub download_ttl_hours: u32,
    pub download_limit: u32,
    pub product_limit_starter: u32,
    pub product_limit_pro: u32,
    pub product_limit_label: u32,
    pub max_photos: u32,
    pub max_file_bytes: u64,
    pub orders_per_fan_per_hour: u32,
    pub pending_orders_per_fan: u32,
    pub import_local_images: bool,
    pub pod: PodConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PodConfig {
    pub provider: String,
    pub sandbox_step_secs: u32,
    pub base_url: String,
    pub api_key: String,
    pub webhook_secret: String,
    pub max_attempts: u32,
}

impl ShopConfig {
    pub fn from_config(config: &Config) -> Result<ShopConfig, ConfigError> {
        let shop: ShopConfig = config.section("shop")?;
        if Currency::parse(&shop.currency).is_err() {
            return Err(invalid("shop.currency", &shop.currency, "must be an ISO 4217 code like \"USD\""));
        }
        if shop.platform_fee_percent > 50 {
            return Err(invalid("shop.platform_fee_percent", shop.platform_fee_percent, "must be 0 to 50"));
        }
        for (key, value) in [
            ("shop.reservation_minutes", shop.reservation_minutes),
            ("shop.download_ttl_hours", shop.download_ttl_hours),
            ("shop.download_limit", shop.download_limit),
            ("shop.max_photos", shop.max_photos),
            ("shop.orders_per_fan_per_hour", shop.orders_per_fan_per_hour),
            ("shop.pending_orders_per_fan", shop.pending_orders_per_fan),
            ("shop.pod.sandbox_step_secs", shop.pod.sandbox_step_secs),
            ("shop.pod.max_attempts", shop.pod.max_attempts),
        ] {
            if value == 0 {
                return Err(invalid(key, value, "must be at least 1"));
            }
        }
        if shop.max_file_bytes < 1024 {
            return Err(invalid("shop.max_file_bytes", shop.max_file_bytes, "must be at least 1024"));
        }
        match shop.pod.provider.as_str() {
            "sandbox" => {}
            "printful" => {
                let base = url::Url::parse(&shop.pod.base_url).ok().filter(|u| matches!(u.scheme(), "http" | "https"));
                if base.is_none() {
                    return Err(invalid("shop.pod.base_url", &shop.pod.base_url, "must be an http(s) URL"));
                }
                if shop.pod.api_key.trim().is_empty() {
                    return Err(invalid("shop.pod.api_key", "", "must be set when shop.pod.provider is \"printful\""));
                }
            }
            other => return Err(invalid("shop.pod.provider", other, "must be \"sandbox\" or \"printful\"")),
        }
        let secret = &shop.pod.webhook_secret;
        if !secret.is_empty() && (secret.len() < 16 || !secret.bytes().all(|b| b.is_ascii_alphanumeric())) {
            return Err(invalid("shop.pod.webhook_secret", "", "must be at least 16 letters and digits"));
        }
        Ok(shop)
    }

    /// Most products a tier may hold (draft and active); None: no limit.
    pub fn product_limit(&self, tier: Option<&str>) -> Option<u32> {
        let limit = match tier {
            Some("pro") => self.product_limit_pro,
            Some("label") => self.product_limit_label,
            _ => self.product_limit_starter,
        };
        (limit > 0).then_some(limit)
    }

    pub fn currency(&self) -> Currency {
        Currency::parse(&self.currency).expect("checked at startup")
    }
}
