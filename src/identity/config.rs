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
    /// The label's branding (issue 15 item 1); the console's saved values
    /// override these, field by field. Empty paths: no image.
    pub name: String,
    pub logo: String,
    pub accent: String,
    pub favicon: String,
    pub home_text: String,
    pub about: String,
    pub terms: String,
    pub privacy: String,
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
        identity.check_branding()?;
        identity.check_accounts()?;
        identity.check_tiers(config.payments.provider)?;
        Ok(identity)
    }

    /// The branding keys: a name, a readable accent, texts within bounds,
    /// and image paths that hold an image the server can show.
    fn check_branding(&self) -> Result<(), ConfigError> {
        use crate::web::brand::{Accent, MAX_HOME_TEXT_CHARS, MAX_NAME_CHARS, MAX_PAGE_TEXT_CHARS};
        use crate::web::text::{Lines, clean_text};
        let label = &self.label;
        let name = clean_text(&label.name, Lines::Single).map_err(|why| invalid("label.name", &label.name, why))?;
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(invalid("label.name", &label.name, &format!("must be 1 to {MAX_NAME_CHARS} characters")));
        }
        Accent::parse(&label.accent).map_err(|why| invalid("label.accent", &label.accent, &why))?;
        for (key, text, max) in [
            ("label.home_text", &label.home_text, MAX_HOME_TEXT_CHARS),
            ("label.about", &label.about, MAX_PAGE_TEXT_CHARS),
            ("label.terms", &label.terms, MAX_PAGE_TEXT_CHARS),
            ("label.privacy", &label.privacy, MAX_PAGE_TEXT_CHARS),
        ] {
            let shown = clip(text);
            clean_text(text, Lines::Multi).map_err(|why| invalid(key, &shown, why))?;
            if text.chars().count() > max {
                return Err(invalid(key, &shown, &format!("must be at most {max} characters")));
            }
        }
        for (key, path) in [("label.logo", &label.logo), ("label.favicon", &label.favicon)] {
            if !path.trim().is_empty() {
                read_image(path).map_err(|why| invalid(key, path, &why))?;
            }
        }
        Ok(())
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

/// A long text's start, for a message about it.
fn clip(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        short.push('…');
    }
    short
}

/// The bytes of the image file at `path` (a logo or favicon), checked to
/// be a JPEG, PNG or WebP within the brand's size cap that decodes within
/// the photo limits.
pub fn read_image(path: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path.trim()).map_err(|e| format!("cannot read the file: {e}"))?;
    let mut bytes = Vec::new();
    let limit = crate::web::brand::MAX_IMAGE_BYTES as u64;
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("must be at most {}", crate::web::views::format_bytes(limit)));
    }
    super::photo::decode(&bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}
