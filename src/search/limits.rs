//! Searches per client address (in memory, like the account limits): a
//! search is cheap, but it is open to anyone, so one address cannot keep
//! a reader busy for everybody else.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Addresses remembered before those with a full budget again are
/// forgotten: a spray of made-up addresses cannot grow the map forever.
const PRUNE_ABOVE: usize = 10_000;

pub struct SearchLimits(DefaultKeyedRateLimiter<IpAddr>);

impl SearchLimits {
    pub fn new(per_minute: u32) -> SearchLimits {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        SearchLimits(RateLimiter::keyed(Quota::per_minute(per_minute)))
    }

    /// Takes one search from `ip`'s budget; `Err(seconds to wait)` when spent.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        if self.0.len() > PRUNE_ABOVE {
            self.0.retain_recent();
        }
        let now = DefaultClock::default().now();
        self.0.check_key(&ip).map_err(|not_until| not_until.wait_time_from(now).as_secs().max(1))
    }
}
