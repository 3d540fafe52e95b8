//! Identity's sections of the configuration: `[accounts]` and `[tiers]`.

use serde::Deserialize;

use crate::config::{Config, ConfigError, PaymentsProvider, invalid};

/// The commented defaults of these sections.
pub const DEFAULTS: &str = include_str!("config.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsConfig {
    pub session_days: u64,
    /// Admins sign in for hours, not days: the console can suspend and erase.
    pub admin_session_hours: u64,
    pub login_attempts_per_ip_per_minute: u32,
    pub login_attempts_per_account_per_hour: u32,
    pub reset_link_minutes: u64,
    /// Signups, reset requests and resets per client IP per hour.
    pub account_requests_per_ip_per_hour: u32,
    /// The same, per email address (each may send an email to it).
    pub account_requests_per_address_per_hour: u32,
    /// Password hashes computed at once; 0 = one per CPU core.
    pub password_hash_concurrency: u32,
}

/// The three artist tiers; their order is the order shown at sign-up.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TiersConfig {
    pub starter: TierConfig,
    pub pro: TierConfig,
    pub label: TierConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierConfig {
    pub name: String,
    pub price_minor: i64,
    pub currency: String,
    pub interval: String,
    pub features: Vec<String>,
    pub stripe_price_id: String,
}

impl TiersConfig {
    /// `(id, tier)` in display order.
    pub fn all(&self) -> [(&'static str, &TierConfig); 3] {
        [("starter", &self.starter), ("pro", &self.pro), ("label", &self.label)]
    }

    pub fn get(&self, id: &str) -> Option<&TierConfig> {
        self.all().into_iter().find(|(tier_id, _)| *tier_id == id).map(|(_, tier)| tier)
    }
}

/// Identity's configuration, read and checked once at startup.
/// Who may join the label's instance (issue 15, item 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtistSignup {
    /// Anyone may sign up as an artist.
    Open,
    /// Only with a single-use invite link from the label.
    Invite,
    /// Anyone may apply; the label accepts or declines.
    Approval,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FanSignup {
    Open,
    Closed,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelConfig {
    pub artist_signup: ArtistSignup,
    pub fan_signup: FanSignup,
    pub invite_days: u64,
}

#[derive(Debug, Clone)]
pub struct IdentityConfig {
    pub accounts: AccountsConfig,
    pub tiers: TiersConfig,
    pub label: LabelConfig,
}

impl IdentityConfig {
    pub fn from_config(config: &Config) -> Result<IdentityConfig, ConfigError> {
        let identity = IdentityConfig {
            accounts: config.section("accounts")?,
            tiers: config.section("tiers")?,
            label: config.section("label")?,
        };
        if identity.label.invite_days == 0 || identity.label.invite_days > 365 {
            return Err(invalid("label.invite_days", identity.label.invite_days, "must be 1 to 365 days"));
        }
        identity.check_accounts()?;
        identity.check_tiers(config.payments.provider)?;
        Ok(identity)
    }

    fn check_accounts(&self) -> Result<(), ConfigError> {
        let accounts = &self.accounts;
        for (key, value) in [
            ("accounts.session_days", accounts.session_days),
            ("accounts.admin_session_hours", accounts.admin_session_hours),
            ("accounts.login_attempts_per_ip_per_minute", u64::from(accounts.login_attempts_per_ip_per_minute)),
            ("accounts.login_attempts_per_account_per_hour", u64::from(accounts.login_attempts_per_account_per_hour)),
            ("accounts.reset_link_minutes", accounts.reset_link_minutes),
            ("accounts.account_requests_per_ip_per_hour", u64::from(accounts.account_requests_per_ip_per_hour)),
            (
                "accounts.account_requests_per_address_per_hour",
                u64::from(accounts.account_requests_per_address_per_hour),
            ),
        ] {
            if value == 0 {
                return Err(invalid(key, value, "must be greater than 0"));
            }
        }
        if accounts.admin_session_hours > 168 {
            return Err(invalid(
                "accounts.admin_session_hours",
                accounts.admin_session_hours,
                "must be at most 168 (a week): admin sessions are kept short",
            ));
        }
        // Each hash holds ~19 MiB; far beyond the core count it only buys memory use.
        if accounts.password_hash_concurrency > 1024 {
            return Err(invalid(
                "accounts.password_hash_concurrency",
                accounts.password_hash_concurrency,
                "must be at most 1024 (0 = one per core)",
            ));
        }
        Ok(())
    }

    fn check_tiers(&self, provider: PaymentsProvider) -> Result<(), ConfigError> {
        for (id, tier) in self.tiers.all() {
            let key = |field: &str| format!("tiers.{id}.{field}");
            if tier.name.trim().is_empty() {
                return Err(invalid(&key("name"), &tier.name, "must not be empty"));
            }
            if tier.price_minor <= 0 {
                return Err(invalid(&key("price_minor"), tier.price_minor, "must be a positive amount in minor units"));
            }
            if crate::core::Currency::parse(&tier.currency).is_err() {
                return Err(invalid(&key("currency"), &tier.currency, "must be an ISO 4217 code like \"USD\""));
            }
            if !matches!(tier.interval.as_str(), "month" | "year") {
                return Err(invalid(&key("interval"), &tier.interval, "must be \"month\" or \"year\""));
            }
            if provider == PaymentsProvider::Stripe && !tier.stripe_price_id.starts_with("price_") {
                return Err(invalid(
                    &key("stripe_price_id"),
                    &tier.stripe_price_id,
                    "must be a Stripe Price id (price_…) when payments.provider = \"stripe\"",
                ));
            }
        }
        Ok(())
    }
}
