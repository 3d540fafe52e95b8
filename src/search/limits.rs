//! Searches per client address (in memory, like the account limits): a
//! search is cheap, but it is open to anyone, so one address cannot keep
//! a reader busy for everybody else.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct SearchLimits(DefaultKeyedRateLimiter<IpAddr>);

impl SearchLimits {
    pub fn new(per_minute: u32) -> SearchLimits {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        SearchLimits(RateLimiter::keyed(Quota::per_minute(per_minute)))
    }

    /// Takes one search from `ip`'s budget; `Err(seconds to wait)` when spent
    /// (the account limits' helper, which also forgets full budgets).
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        crate::identity::limits::take(&self.0, &ip)
    }
}
