//! Rate limits on the account endpoints, per client IP and per account (in
//! memory: a restart resets them, which only ever helps a real user).
//!
//! Sign-in follows OWASP's "device cookies": a browser or app that has signed
//! in to an account before carries a signed cookie naming that account, and
//! its attempts count against its own budget instead of the account's. A
//! stranger who spends the account's budget locks out other strangers, not
//! the owner on their usual device.

use std::net::IpAddr;
use std::num::NonZeroU32;

use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::config::AccountsConfig;

pub(crate) fn keyed<K: std::hash::Hash + Eq + Clone>(
    per: u32,
    quota: fn(NonZeroU32) -> Quota,
) -> DefaultKeyedRateLimiter<K> {
    RateLimiter::keyed(quota(NonZeroU32::new(per).unwrap_or(NonZeroU32::MIN)))
}

/// Keys kept before the limiter forgets those whose budget is full again:
/// without it, a spray of made-up addresses would grow the map forever.
const PRUNE_ABOVE: usize = 10_000;

/// Takes one from `limiter`'s budget for `key`; `Err(seconds to wait)` when spent.
pub(crate) fn take<K: std::hash::Hash + Eq + Clone>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), u64> {
    if limiter.len() > PRUNE_ABOVE {
        limiter.retain_recent();
    }
    // The limiter's own clock: a fresh `DefaultClock` asks the CPU (cpuid)
    // whether its counter can be trusted, a trap to the hypervisor on a VM
    // that cost a tip a tenth of its time.
    let now = limiter.clock().now();
    limiter.check_key(key).map_err(|not_until| not_until.wait_time_from(now).as_secs().max(1))
}

/// A budget of requests per client address and minute, for what anyone may
/// call: one address cannot keep a reader (a search) or the writer (a
/// signed-out viewer's view reports) busy for everybody else.
pub struct PerIpBudget(DefaultKeyedRateLimiter<IpAddr>);

impl PerIpBudget {
    pub fn per_minute(per_minute: u32) -> PerIpBudget {
        PerIpBudget(keyed(per_minute, Quota::per_minute))
    }

    /// Takes one from `ip`'s budget; `Err(seconds to wait)` when spent.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        take(&self.0, &ip)
    }
}

fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

pub struct LoginLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<String>,
    per_device: DefaultKeyedRateLimiter<String>,
}

impl LoginLimits {
    pub fn new(config: &AccountsConfig) -> LoginLimits {
        LoginLimits {
            per_ip: keyed(config.login_attempts_per_ip_per_minute, Quota::per_minute),
            per_account: keyed(config.login_attempts_per_account_per_hour, Quota::per_hour),
            per_device: keyed(config.login_attempts_per_account_per_hour, Quota::per_hour),
        }
    }

    /// Takes one attempt from the IP's budget and from the account's — or,
    /// for a known device of this account, from that device's own budget.
    pub fn check(&self, ip: IpAddr, email: &str, device: Option<&KnownDevice>) -> Result<(), u64> {
        take(&self.per_ip, &ip)?;
        match device {
            Some(device) => take(&self.per_device, &device.0),
            None => take(&self.per_account, &account_key(email)),
        }
    }
}

/// Signup, "forgot password" and reset: each costs a password hash or an
/// email, so each is budgeted per client IP and per email address.
pub struct AccountLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_address: DefaultKeyedRateLimiter<String>,
}

impl AccountLimits {
    pub fn new(config: &AccountsConfig) -> AccountLimits {
        AccountLimits {
            per_ip: keyed(config.account_requests_per_ip_per_hour, Quota::per_hour),
            per_address: keyed(config.account_requests_per_address_per_hour, Quota::per_hour),
        }
    }

    pub fn check_ip(&self, ip: IpAddr) -> Result<(), u64> {
        take(&self.per_ip, &ip)
    }

    pub fn check_address(&self, email: &str) -> Result<(), u64> {
        take(&self.per_address, &account_key(email))
    }
}

pub const DEVICE_COOKIE: &str = "boptone_device";
const DEVICE_DAYS: i64 = 365;

/// A device cookie whose signature checked out for the account being tried:
/// holds the device's random id.
pub struct KnownDevice(String);

/// Signs device cookies: `{id}.{HMAC(account, id)}` under a key derived from
/// the installation's secret, so a cookie cannot be forged or moved to
/// another account.
pub struct DeviceKey(Vec<u8>);

impl DeviceKey {
    pub fn new(secret: &[u8]) -> DeviceKey {
        DeviceKey(secret.to_vec())
    }

    fn mac(&self, email: &str, id: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"device:");
        mac.update(account_key(email).as_bytes());
        mac.update(b":");
        mac.update(id.as_bytes());
        mac
    }

    /// The device cookie sent with this request, if it was issued for `email`.
    pub fn known(&self, jar: &CookieJar, email: &str) -> Option<KnownDevice> {
        let (id, signature) = jar.get(DEVICE_COOKIE)?.value().split_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.mac(email, id).verify_slice(&signature).ok()?;
        Some(KnownDevice(id.to_owned()))
    }

    /// A cookie marking this browser or app as a known device of `email`.
    pub fn cookie(&self, email: &str, secure: bool) -> Cookie<'static> {
        let id = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
        let signature = URL_SAFE_NO_PAD.encode(self.mac(email, &id).finalize().into_bytes());
        Cookie::build((DEVICE_COOKIE, format!("{id}.{signature}")))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(secure)
            .max_age(cookie::time::Duration::days(DEVICE_DAYS))
            .build()
    }
}

/// The client's IP for rate limits, as `server.trusted_proxies` resolves it.
pub use crate::web::client_ip::ClientIp;

#[cfg(test)]
mod tests {
    use super::*;

    fn jar_with(value: &str) -> CookieJar {
        CookieJar::new().add(Cookie::new(DEVICE_COOKIE, value.to_owned()))
    }

    #[test]
    fn device_cookies_are_bound_to_their_account_and_key() {
        let key = DeviceKey::new(b"installation secret");
        let cookie = key.cookie("Ada@Example.com", false);
        let jar = jar_with(cookie.value());
        assert!(key.known(&jar, "ada@example.com").is_some(), "same account, any letter case");
        assert!(key.known(&jar, "bob@example.com").is_none(), "not moved to another account");
        assert!(DeviceKey::new(b"another secret").known(&jar, "ada@example.com").is_none());
        let (id, _) = cookie.value().split_once('.').unwrap();
        assert!(key.known(&jar_with(&format!("{id}.forged")), "ada@example.com").is_none());
        assert!(key.known(&jar_with("garbage"), "ada@example.com").is_none());
    }
}
