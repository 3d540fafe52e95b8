//! Sign-in rate limits, per client IP and per account (in memory: a restart
//! resets them, which only ever helps a real user).

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::AccountsConfig;

pub struct LoginLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<String>,
}

impl LoginLimits {
    pub fn new(config: &AccountsConfig) -> LoginLimits {
        let per_ip = NonZeroU32::new(config.login_attempts_per_ip_per_minute).unwrap_or(NonZeroU32::MIN);
        let per_account = NonZeroU32::new(config.login_attempts_per_account_per_hour).unwrap_or(NonZeroU32::MIN);
        LoginLimits {
            per_ip: RateLimiter::keyed(Quota::per_minute(per_ip)),
            per_account: RateLimiter::keyed(Quota::per_hour(per_account)),
        }
    }

    /// Takes one attempt from both budgets; `Err(seconds)` when either is spent.
    pub fn check(&self, ip: IpAddr, email: &str) -> Result<(), u64> {
        let now = DefaultClock::default().now();
        let wait = |not_until: governor::NotUntil<_>| not_until.wait_time_from(now).as_secs().max(1);
        self.per_ip.check_key(&ip).map_err(wait)?;
        self.per_account.check_key(&email.trim().to_lowercase()).map_err(wait)?;
        Ok(())
    }
}
