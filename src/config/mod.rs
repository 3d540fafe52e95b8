//! Layered configuration: built-in defaults → `boptone.toml` → `BOPTONE_*`
//! environment → command-line flags.
//!
//! The defaults *are* the embedded `boptone.toml`, so the documented file and
//! the behaviour cannot drift apart. Every layer is checked against the keys
//! and value types of that file before anything is merged: an unknown key is an
//! error with a suggestion, never a silently ignored typo.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::{Table, Value};
use url::Url;

/// The shared rooms' part of the commented default configuration; each
/// pillar adds its own sections ([`crate::pillar::Pillar::config_defaults`]).
const BASE_TOML: &str = include_str!("defaults.toml");

/// The whole commented default configuration: what `boptone default-config`
/// prints and the repository's `boptone.toml` holds.
pub fn default_toml() -> String {
    let mut text = BASE_TOML.trim_end().to_owned();
    for pillar in crate::pillars::ALL {
        let fragment = pillar.config_defaults().trim();
        if !fragment.is_empty() {
            text.push_str("\n\n");
            text.push_str(fragment);
        }
    }
    text.push('\n');
    text
}

const ENV_PREFIX: &str = "BOPTONE_";

/// Keys whose values are never printed, logged or echoed in errors.
const SECRET_KEYS: &[&str] = &[
    "payments.stripe.secret_key",
    "payments.stripe.webhook_secret",
    "media.s3.secret_access_key",
    "ops.metrics_token",
    "shop.pod.api_key",
    "shop.pod.webhook_secret",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub data: DataConfig,
    pub log: LogConfig,
    pub ops: OpsConfig,
    pub events: EventsConfig,
    pub payments: PaymentsConfig,
    pub media: MediaConfig,
    pub mail: MailConfig,
    pub notify: NotifyConfig,
    pub retention: RetentionConfig,
    /// The pillars' sections, as merged from every layer; each pillar
    /// reads and checks its own ([`Config::section`]).
    #[serde(skip)]
    pub sections: Table,
}

/// How long finished rows are kept, and how often the janitor looks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    pub interval_secs: u64,
    pub done_events_days: u64,
    pub webhook_ids_days: u64,
    pub sent_mail_days: u64,
    pub sign_ins_days: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub from: String,
    pub smtp_url: Secret,
}

/// Web push (the `[notify]` section).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    pub push_contact: String,
    pub push_ttl_secs: u64,
    pub push_allow_local_endpoints: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Effective after [`Config::settle_public_url`]; see `public_url_derived`.
    #[serde(deserialize_with = "public_url_or_empty")]
    pub public_url: Url,
    /// True when `server.public_url` was left empty and is derived from the
    /// address the server listens on.
    #[serde(skip)]
    pub public_url_derived: bool,
    pub body_limit_bytes: u64,
    pub request_timeout_secs: u64,
    pub shutdown_grace_secs: u64,
    pub max_connections: u64,
    pub header_read_timeout_secs: u64,
    pub idle_timeout_secs: u64,
    #[serde(deserialize_with = "cidrs")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// CIDRs like "10.0.0.0/8"; a bare address means that one host.
fn cidrs<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    Vec::<String>::deserialize(deserializer)?
        .iter()
        .map(|raw| {
            let raw = raw.trim();
            raw.parse::<ipnet::IpNet>()
                .or_else(|_| raw.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| serde::de::Error::custom(format!("{raw:?} is not an address or CIDR like \"10.0.0.0/8\"")))
        })
        .collect()
}

/// Marks an empty `public_url` with this placeholder until the listener is
/// bound; [`Config::settle_public_url`] replaces it.
const UNSET_PUBLIC_URL: &str = "http://unset.invalid/";

fn public_url_or_empty<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Url, D::Error> {
    let raw = String::deserialize(deserializer)?;
    let raw = if raw.trim().is_empty() { UNSET_PUBLIC_URL } else { raw.trim() };
    Url::parse(raw).map_err(serde::de::Error::custom)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpsConfig {
    pub metrics_token: Secret,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsConfig {
    pub max_attempts: u32,
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentsProvider {
    Sandbox,
    Stripe,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentsConfig {
    pub provider: PaymentsProvider,
    pub stripe: StripeConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StripeConfig {
    pub secret_key: Secret,
    pub webhook_secret: Secret,
    pub api_base: Url,
    pub publishable_key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaBackend {
    Local,
    S3,
    Memory,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    pub backend: MediaBackend,
    pub local_path: String,
    pub signed_url_ttl_secs: u64,
    pub deleted_retention_days: u64,
    pub purge_interval_secs: u64,
    pub s3: S3Config,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    pub bucket: String,
    pub region: String,
    pub endpoint: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub path_style: bool,
    pub allow_http: bool,
    pub presign_ttl_secs: u64,
}

/// A configuration value that must never be shown: `Debug` prints whether it
/// is set, not what it is.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_set(&self) -> bool {
        !self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_set() { "<set>" } else { "<unset>" })
    }
}

/// Values given on the command line; they win over every other layer.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
}

/// A configuration problem, phrased for the person who has to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Loads every layer: defaults, the config file, `BOPTONE_*` variables
    /// from the process environment, then `overrides`.
    pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
        Self::load_from(overrides, std::env::vars())
    }

    /// As [`Config::load`], with the environment given explicitly (tests).
    pub fn load_from(
        overrides: &Overrides,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let defaults = default_table();
        let mut merged = defaults.clone();
        if let Some((path, text)) = read_config_file(overrides.config_file.as_deref())? {
            let origin = path.display().to_string();
            let file: Table = text.parse().map_err(|e| ConfigError(format!("{origin} is not valid TOML: {e}")))?;
            check_table(&file, &defaults, "", &origin)?;
            merge(&mut merged, file);
        }
        merge(&mut merged, env_table(env, &defaults)?);
        merge(&mut merged, overrides_table(overrides));
        let config = deserialize(merged)?;
        config.validate()?;
        for pillar in crate::pillars::ALL {
            pillar.check_config(&config)?;
        }
        Ok(config)
    }

    /// The built-in defaults alone.
    pub fn defaults() -> Config {
        deserialize(default_table()).expect("the embedded boptone.toml is valid")
    }

    pub fn data_dir(&self) -> &Path {
        &self.data.dir
    }

    pub fn database_path(&self) -> PathBuf {
        self.data.dir.join("boptone.db")
    }

    pub fn media_dir(&self) -> PathBuf {
        if self.media.local_path.is_empty() {
            self.data.dir.join("media")
        } else {
            PathBuf::from(&self.media.local_path)
        }
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.data.dir.join("mail")
    }

    /// Cross-field rules that a single value's type cannot express.
    /// Fills an unset `public_url` from the address actually bound (which
    /// may differ from `server.listen`, e.g. port 0). Returns true when it was
    /// derived, so the caller can warn once.
    pub fn settle_public_url(&mut self, bound: SocketAddr) -> bool {
        if self.server.public_url.as_str() != UNSET_PUBLIC_URL {
            return false;
        }
        let host = match bound.ip() {
            ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_owned(),
            ip if ip.is_unspecified() => "[::1]".to_owned(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            std::net::IpAddr::V4(ip) => ip.to_string(),
        };
        self.server.public_url = Url::parse(&format!("http://{host}:{}/", bound.port())).expect("a valid URL");
        self.server.public_url_derived = true;
        true
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let scheme = self.server.public_url.scheme();
        if scheme != "http" && scheme != "https" {
            return Err(invalid("server.public_url", &self.server.public_url, "must be an http:// or https:// URL"));
        }
        for (key, value) in [
            ("server.body_limit_bytes", self.server.body_limit_bytes),
            ("server.request_timeout_secs", self.server.request_timeout_secs),
            ("server.max_connections", self.server.max_connections),
            ("server.header_read_timeout_secs", self.server.header_read_timeout_secs),
            ("server.idle_timeout_secs", self.server.idle_timeout_secs),
            ("events.max_attempts", u64::from(self.events.max_attempts)),
            ("events.backoff_base_ms", self.events.backoff_base_ms),
            ("media.s3.presign_ttl_secs", self.media.s3.presign_ttl_secs),
            ("media.signed_url_ttl_secs", self.media.signed_url_ttl_secs),
            ("media.purge_interval_secs", self.media.purge_interval_secs),
        ] {
            if value == 0 {
                return Err(invalid(key, value, "must be greater than 0"));
            }
        }
        if self.media.deleted_retention_days > 36_500 {
            return Err(invalid(
                "media.deleted_retention_days",
                self.media.deleted_retention_days,
                "must be at most 36500",
            ));
        }
        if self.events.backoff_max_ms < self.events.backoff_base_ms {
            return Err(invalid(
                "events.backoff_max_ms",
                self.events.backoff_max_ms,
                "must not be below events.backoff_base_ms",
            ));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log.level)
            .map_err(|e| invalid("log.level", &self.log.level, &format!("is not a log filter ({e})")))?;
        if self.payments.provider == PaymentsProvider::Stripe {
            for (key, secret) in [
                ("payments.stripe.secret_key", &self.payments.stripe.secret_key),
                ("payments.stripe.webhook_secret", &self.payments.stripe.webhook_secret),
            ] {
                if !secret.is_set() {
                    return Err(ConfigError(format!("`{key}` must be set when `payments.provider` = \"stripe\"")));
                }
            }
            if !self.payments.stripe.publishable_key.starts_with("pk_") {
                return Err(invalid(
                    "payments.stripe.publishable_key",
                    &self.payments.stripe.publishable_key,
                    "must be a Stripe publishable key (pk_…) when `payments.provider` = \"stripe\"",
                ));
            }
        }
        self.validate_retention()?;
        self.validate_notify()?;
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(invalid(
                "mail.from",
                &self.mail.from,
                "is not an email address like \"Label <hello@label.example>\"",
            ));
        }
        if self.mail.smtp_url.is_set() && !self.mail.smtp_url.expose().starts_with("smtp") {
            return Err(invalid("mail.smtp_url", "", "must start with smtp:// or smtps://"));
        }
        if self.media.backend == MediaBackend::S3 {
            if self.media.s3.bucket.is_empty() {
                return Err(ConfigError("`media.s3.bucket` must be set when `media.backend` = \"s3\"".into()));
            }
            if !self.media.s3.endpoint.is_empty() {
                let endpoint = Url::parse(&self.media.s3.endpoint).map_err(|e| {
                    invalid("media.s3.endpoint", &self.media.s3.endpoint, &format!("is not a URL ({e})"))
                })?;
                if endpoint.scheme() == "http" && !self.media.s3.allow_http {
                    return Err(invalid(
                        "media.s3.endpoint",
                        &self.media.s3.endpoint,
                        "is plain http; set `media.s3.allow_http` = true to allow it",
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Config {
    /// The VAPID `sub` claim: `notify.push_contact`, else `mailto:` and the
    /// address of `mail.from`.
    pub fn push_contact(&self) -> String {
        if !self.notify.push_contact.trim().is_empty() {
            return self.notify.push_contact.trim().to_owned();
        }
        let address = self.mail.from.parse::<lettre::message::Mailbox>().map(|m| m.email.to_string());
        format!("mailto:{}", address.unwrap_or_else(|_| self.mail.from.clone()))
    }

    fn validate_notify(&self) -> Result<(), ConfigError> {
        let contact = self.notify.push_contact.trim();
        if !(contact.is_empty() || contact.starts_with("mailto:") || contact.starts_with("https://")) {
            return Err(invalid("notify.push_contact", contact, "must be a mailto: or https:// URL"));
        }
        // Push services keep a push for four weeks at most.
        if self.notify.push_ttl_secs > 28 * 86_400 {
            return Err(invalid(
                "notify.push_ttl_secs",
                self.notify.push_ttl_secs,
                "must be at most 2419200 (four weeks)",
            ));
        }
        Ok(())
    }

    fn validate_retention(&self) -> Result<(), ConfigError> {
        let retention = &self.retention;
        // A week at most: a longer pause means the janitor effectively never runs.
        if !(1..=7 * 86_400).contains(&retention.interval_secs) {
            return Err(invalid(
                "retention.interval_secs",
                retention.interval_secs,
                "must be between 1 and 604800 (a week)",
            ));
        }
        for (key, days) in [
            ("retention.done_events_days", retention.done_events_days),
            ("retention.webhook_ids_days", retention.webhook_ids_days),
            ("retention.sent_mail_days", retention.sent_mail_days),
            ("retention.sign_ins_days", retention.sign_ins_days),
        ] {
            if !(1..=36_500).contains(&days) {
                return Err(invalid(key, days, "must be between 1 and 36500 days"));
            }
        }
        // Stripe redelivers an event for up to three days; its id must still
        // be known then, or the event would be applied twice.
        if retention.webhook_ids_days < 3 {
            return Err(invalid(
                "retention.webhook_ids_days",
                retention.webhook_ids_days,
                "must be at least 3: Stripe retries a webhook for up to three days",
            ));
        }
        Ok(())
    }
}

pub fn invalid(key: &str, value: impl fmt::Display, why: &str) -> ConfigError {
    ConfigError(format!("`{key}` = {}: {why}", shown(key, &value.to_string())))
}

/// How a value appears in a message: quoted, or hidden for secrets.
fn shown(key: &str, value: &str) -> String {
    if SECRET_KEYS.contains(&key) { "(hidden)".to_owned() } else { format!("{value:?}") }
}

fn default_table() -> Table {
    default_toml().parse().expect("the embedded defaults are valid TOML")
}

/// The top-level sections the pillars own.
fn pillar_section_names() -> Vec<String> {
    let mut names = Vec::new();
    for pillar in crate::pillars::ALL {
        let fragment: Table = pillar.config_defaults().parse().expect("a pillar's defaults are valid TOML");
        names.extend(fragment.keys().cloned());
    }
    names
}

/// The explicit `--config` file (which must exist), else `./boptone.toml` if present.
fn read_config_file(explicit: Option<&Path>) -> Result<Option<(PathBuf, String)>, ConfigError> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            let local = PathBuf::from("boptone.toml");
            if !local.exists() {
                return Ok(None);
            }
            local
        }
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
    Ok(Some((path, text)))
}

/// Checks that every key in `given` exists in `known` with the same kind of value.
fn check_table(given: &Table, known: &Table, prefix: &str, origin: &str) -> Result<(), ConfigError> {
    for (key, value) in given {
        let path = join_key(prefix, key);
        let Some(expected) = known.get(key) else {
            return Err(unknown_key(&path, known, prefix, origin));
        };
        match (value, expected) {
            (Value::Table(inner), Value::Table(known_inner)) => check_table(inner, known_inner, &path, origin)?,
            _ if value.same_type(expected) => {}
            _ => {
                return Err(ConfigError(format!(
                    "`{path}` = {} in {origin}: expected {}",
                    shown(&path, &value.to_string()),
                    describe(expected)
                )));
            }
        }
    }
    Ok(())
}

fn unknown_key(path: &str, known: &Table, prefix: &str, origin: &str) -> ConfigError {
    let name = path.rsplit('.').next().unwrap_or(path);
    let suggestion = known
        .keys()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| format!(" — did you mean `{}`?", join_key(prefix, candidate)))
        .unwrap_or_default();
    ConfigError(format!("unknown key `{path}` in {origin}{suggestion}"))
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "a whole number",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "true or false",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "a list",
        Value::Table(_) => "a table",
    }
}

fn join_key(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") }
}

/// `BOPTONE_SERVER__LISTEN=…` → `server.listen = …`, typed like the default.
fn env_table(env: impl IntoIterator<Item = (String, String)>, defaults: &Table) -> Result<Table, ConfigError> {
    let mut table = Table::new();
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else { continue };
        let parts: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        let path = parts.join(".");
        let origin = format!("environment variable {name}");
        let expected = lookup(defaults, &parts).ok_or_else(|| {
            let (parent, known) = parent_table(defaults, &parts);
            unknown_key(&path, known, &parent, &origin)
        })?;
        let value = coerce(&raw, expected).ok_or_else(|| {
            ConfigError(format!("`{path}` = {} in {origin}: expected {}", shown(&path, &raw), describe(expected)))
        })?;
        insert_path(&mut table, &parts, value);
    }
    Ok(table)
}

fn lookup<'a>(table: &'a Table, parts: &[String]) -> Option<&'a Value> {
    let (first, rest) = parts.split_first()?;
    let value = table.get(first)?;
    match (rest.is_empty(), value) {
        (true, Value::Table(_)) => None,
        (true, leaf) => Some(leaf),
        (false, Value::Table(inner)) => lookup(inner, rest),
        (false, _) => None,
    }
}

/// The deepest known table along `parts`, for suggesting a sibling key.
fn parent_table<'a>(table: &'a Table, parts: &[String]) -> (String, &'a Table) {
    let mut current = table;
    let mut prefix = String::new();
    for part in &parts[..parts.len().saturating_sub(1)] {
        match current.get(part) {
            Some(Value::Table(inner)) => {
                current = inner;
                prefix = join_key(&prefix, part);
            }
            _ => break,
        }
    }
    (prefix, current)
}

fn coerce(raw: &str, expected: &Value) -> Option<Value> {
    match expected {
        Value::Integer(_) => raw.trim().parse().ok().map(Value::Integer),
        Value::Boolean(_) => raw.trim().parse().ok().map(Value::Boolean),
        Value::Float(_) => raw.trim().parse().ok().map(Value::Float),
        // Lists of strings: comma-separated.
        Value::Array(_) => Some(Value::Array(
            raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.to_owned())).collect(),
        )),
        _ => Some(Value::String(raw.to_owned())),
    }
}

fn insert_path(table: &mut Table, parts: &[String], value: Value) {
    let (first, rest) = parts.split_first().expect("a key has at least one part");
    if rest.is_empty() {
        table.insert(first.clone(), value);
        return;
    }
    let entry = table.entry(first.clone()).or_insert_with(|| Value::Table(Table::new()));
    if let Value::Table(inner) = entry {
        insert_path(inner, rest, value);
    }
}

fn overrides_table(overrides: &Overrides) -> Table {
    let mut table = Table::new();
    if let Some(listen) = &overrides.listen {
        insert_path(&mut table, &["server".into(), "listen".into()], Value::String(listen.clone()));
    }
    if let Some(dir) = &overrides.data_dir {
        let dir = dir.to_string_lossy().into_owned();
        insert_path(&mut table, &["data".into(), "dir".into()], Value::String(dir));
    }
    table
}

/// Deep merge: tables merge key by key, anything else is replaced.
fn merge(base: &mut Table, over: Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(base_inner)), Value::Table(over_inner)) => merge(base_inner, over_inner),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn deserialize(mut table: Table) -> Result<Config, ConfigError> {
    let mut sections = Table::new();
    for name in pillar_section_names() {
        if let Some(section) = table.remove(&name) {
            sections.insert(name, section);
        }
    }
    let mut config: Config = deserialize_at(table, "")?;
    config.sections = sections;
    Ok(config)
}

impl Config {
    /// Sets the pillar key `path` (`"tips.min_minor"`), as a later layer
    /// would: for tests and tools that build a configuration in code. The
    /// key must exist; the value is checked when the pillar reads it.
    pub fn set(&mut self, path: &str, value: impl Into<Value>) {
        let parts: Vec<&str> = path.split('.').collect();
        let (last, parents) = parts.split_last().expect("a key");
        let mut table = &mut self.sections;
        for part in parents {
            table = match table.get_mut(*part) {
                Some(Value::Table(inner)) => inner,
                _ => panic!("no configuration section `{part}` in `{path}`"),
            };
        }
        assert!(table.contains_key(*last), "unknown configuration key `{path}`");
        table.insert((*last).to_owned(), value.into());
    }

    /// A pillar's section `name`, typed; a bad value names its key.
    pub fn section<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, ConfigError> {
        let table = match self.sections.get(name) {
            Some(Value::Table(table)) => table.clone(),
            _ => Table::new(),
        };
        deserialize_at(table, name)
    }
}

/// Deserializes `table`, found at `prefix` in the configuration.
fn deserialize_at<T: serde::de::DeserializeOwned>(table: Table, prefix: &str) -> Result<T, ConfigError> {
    let value = Value::Table(table.clone());
    serde_path_to_error::deserialize(value).map_err(|err| {
        let inner = err.path().to_string();
        let path = if prefix.is_empty() { inner.clone() } else { format!("{prefix}.{inner}") };
        let parts: Vec<String> = inner.split('.').map(str::to_owned).collect();
        let shown_value = lookup(&table, &parts)
            .map(|v| shown(&path, v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()).as_str()))
            .unwrap_or_default();
        ConfigError(format!("`{path}` = {shown_value}: {}", err.into_inner()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(env: &[(&str, &str)], overrides: Overrides) -> Result<Config, ConfigError> {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Config::load_from(&overrides, env)
    }

    fn with_file(text: &str) -> (tempfile::TempDir, Overrides) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("boptone.toml");
        std::fs::write(&path, text).unwrap();
        let overrides = Overrides { config_file: Some(path), ..Overrides::default() };
        (dir, overrides)
    }

    #[test]
    fn defaults_match_the_documented_file() {
        let config = Config::defaults();
        assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.data.dir, PathBuf::from("./data"));
        assert_eq!(config.payments.provider, PaymentsProvider::Sandbox);
        assert_eq!(config.media.backend, MediaBackend::Local);
        assert_eq!(config.media_dir(), PathBuf::from("./data/media"));
    }

    #[test]
    fn layers_apply_in_order_file_env_flags() {
        let (_dir, mut overrides) = with_file("[server]\nlisten = \"127.0.0.1:9000\"\nrequest_timeout_secs = 5\n");
        let config = load(&[("BOPTONE_SERVER__REQUEST_TIMEOUT_SECS", "7")], overrides.clone()).unwrap();
        assert_eq!(config.server.listen.port(), 9000);
        assert_eq!(config.server.request_timeout_secs, 7);
        overrides.listen = Some("127.0.0.1:9100".into());
        let config = load(&[], overrides).unwrap();
        assert_eq!(config.server.listen.port(), 9100);
        assert_eq!(config.server.request_timeout_secs, 5);
    }

    #[test]
    fn misspelled_file_key_is_named_with_a_suggestion() {
        let (_dir, overrides) = with_file("[server]\nlistn = \"127.0.0.1:9000\"\n");
        let err = load(&[], overrides).unwrap_err().to_string();
        assert!(err.contains("unknown key `server.listn`"), "{err}");
        assert!(err.contains("did you mean `server.listen`?"), "{err}");
    }

    #[test]
    fn misspelled_env_key_is_named() {
        let err = load(&[("BOPTONE_MEDIA__BAKEND", "s3")], Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("`media.bakend`"), "{err}");
        assert!(err.contains("BOPTONE_MEDIA__BAKEND"), "{err}");
        assert!(err.contains("did you mean `media.backend`?"), "{err}");
    }

    #[test]
    fn bad_values_name_key_and_value() {
        let err = load(&[("BOPTONE_SERVER__LISTEN", "nowhere")], Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("`server.listen`") && err.contains("nowhere"), "{err}");
        let err = load(&[("BOPTONE_PAYMENTS__PROVIDER", "paypal")], Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("`payments.provider`") && err.contains("paypal"), "{err}");
        let err = load(&[("BOPTONE_EVENTS__MAX_ATTEMPTS", "many")], Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("`events.max_attempts`") && err.contains("whole number"), "{err}");
        let (_dir, overrides) = with_file("[server]\nrequest_timeout_secs = \"soon\"\n");
        let err = load(&[], overrides).unwrap_err().to_string();
        assert!(err.contains("`server.request_timeout_secs`") && err.contains("soon"), "{err}");
    }

    #[test]
    fn secrets_are_never_echoed() {
        let (_dir, overrides) = with_file("[payments.stripe]\nsecret_key = 42\n");
        let err = load(&[], overrides).unwrap_err().to_string();
        assert!(err.contains("`payments.stripe.secret_key`") && err.contains("(hidden)"), "{err}");
        assert!(!err.contains("42"), "{err}");
        let config = load(&[("BOPTONE_PAYMENTS__STRIPE__SECRET_KEY", "sk_test_abc")], Overrides::default()).unwrap();
        assert!(!format!("{config:?}").contains("sk_test_abc"));
        assert_eq!(config.payments.stripe.secret_key.expose(), "sk_test_abc");
    }

    #[test]
    fn tiers_are_checked() {
        let err = load(&[("BOPTONE_TIERS__PRO__CURRENCY", "dollars")], Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("`tiers.pro.currency`") && err.contains("dollars"), "{err}");
        let config = load(&[("BOPTONE_TIERS__LABEL__PRICE_MINOR", "12000")], Overrides::default()).unwrap();
        assert_eq!(config.sections["tiers"]["label"]["price_minor"].as_integer(), Some(12000));
    }

    #[test]
    fn cross_field_rules() {
        let err = load(&[("BOPTONE_PAYMENTS__PROVIDER", "stripe")], Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("payments.stripe.secret_key"), "{err}");
        let err = load(&[("BOPTONE_MEDIA__BACKEND", "s3")], Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("media.s3.bucket"), "{err}");
    }

    #[test]
    fn media_and_upload_limits_are_checked() {
        let config = Config::defaults();
        assert_eq!(config.media.deleted_retention_days, 30);
        for (name, key) in [
            ("BOPTONE_BOPS__MAX_OPEN_UPLOADS", "`bops.max_open_uploads` = \"0\""),
            ("BOPTONE_BOPS__UPLOAD_IDLE_SECS", "`bops.upload_idle_secs` = \"0\""),
            ("BOPTONE_BOPS__UPLOAD_MIN_BYTES_PER_SEC", "`bops.upload_min_bytes_per_sec` = \"0\""),
            ("BOPTONE_MEDIA__SIGNED_URL_TTL_SECS", "`media.signed_url_ttl_secs` = \"0\""),
        ] {
            let err = load(&[(name, "0")], Overrides::default()).unwrap_err().to_string();
            assert!(err.contains(key), "{err}");
        }
        let err =
            load(&[("BOPTONE_MEDIA__DELETED_RETENTION_DAYS", "99999")], Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("`media.deleted_retention_days` = \"99999\""), "{err}");
        let config = load(&[("BOPTONE_MEDIA__DELETED_RETENTION_DAYS", "0")], Overrides::default()).unwrap();
        assert_eq!(config.media.deleted_retention_days, 0);
    }

    #[test]
    fn retention_values_are_checked() {
        for (var, key) in [
            ("BOPTONE_RETENTION__INTERVAL_SECS", "`retention.interval_secs` = \"0\""),
            ("BOPTONE_RETENTION__DONE_EVENTS_DAYS", "`retention.done_events_days` = \"0\""),
            ("BOPTONE_RETENTION__WEBHOOK_IDS_DAYS", "`retention.webhook_ids_days` = \"0\""),
            ("BOPTONE_RETENTION__SENT_MAIL_DAYS", "`retention.sent_mail_days` = \"0\""),
        ] {
            let err = load(&[(var, "0")], Overrides::default()).unwrap_err().to_string();
            assert!(err.contains(key), "{err}");
        }
        let err = load(&[("BOPTONE_RETENTION__WEBHOOK_IDS_DAYS", "2")], Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("`retention.webhook_ids_days` = \"2\"") && err.contains("three days"), "{err}");
        let err = load(&[("BOPTONE_RETENTION__DONE_EVENTS_DAYS", "-1")], Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("`retention.done_events_days`"), "{err}");
        let err =
            load(&[("BOPTONE_RETENTION__INTERVAL_SECS", "99999999")], Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("`retention.interval_secs` = \"99999999\""), "{err}");
        let config = load(&[("BOPTONE_RETENTION__DONE_EVENTS_DAYS", "2")], Overrides::default()).unwrap();
        assert_eq!(config.retention.done_events_days, 2);
        assert_eq!(Config::defaults().retention.interval_secs, 3600);
    }

    #[test]
    fn password_hash_concurrency_is_bounded() {
        let err = load(&[("BOPTONE_ACCOUNTS__PASSWORD_HASH_CONCURRENCY", "5000")], Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("accounts.password_hash_concurrency") && err.contains("5000"), "{err}");
        assert!(load(&[("BOPTONE_ACCOUNTS__PASSWORD_HASH_CONCURRENCY", "0")], Overrides::default()).is_ok());
    }

    #[test]
    fn the_repository_file_is_the_composed_default() {
        let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/boptone.toml")).unwrap();
        assert!(
            file == default_toml(),
            "boptone.toml is out of date: run `cargo run -- default-config > boptone.toml`"
        );
    }

    #[test]
    fn pillar_sections_are_checked_like_the_rest() {
        let err = load(&[("BOPTONE_BOPS__MAX_UPLOAD_BYTES", "lots")], Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("bops.max_upload_bytes"), "{err}");
        let (_dir, overrides) = with_file(
            "[tips]
min_minr = 5
",
        );
        let err = load(&[], overrides).unwrap_err().to_string();
        assert!(err.contains("unknown key `tips.min_minr`") && err.contains("tips.min_minor"), "{err}");
        let err = load(&[("BOPTONE_TIPS__PLATFORM_FEE_PERCENT", "100")], Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("tips.platform_fee_percent"), "{err}");
    }

    #[test]
    fn invalid_toml_is_reported_with_the_file() {
        let (_dir, overrides) = with_file("[server\nlisten = 1");
        let err = load(&[], overrides).unwrap_err().to_string();
        assert!(err.contains("boptone.toml is not valid TOML"), "{err}");
    }
}
