//! What a payment provider says about a subscription.

use serde::Serialize;

/// Subscription states, as Stripe names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Incomplete,
    Active,
    Trialing,
    PastDue,
    Unpaid,
    Canceled,
}

impl SubscriptionStatus {
    pub fn parse(raw: &str) -> Option<SubscriptionStatus> {
        Some(match raw {
            "incomplete" | "incomplete_expired" => SubscriptionStatus::Incomplete,
            "active" => SubscriptionStatus::Active,
            "trialing" => SubscriptionStatus::Trialing,
            "past_due" => SubscriptionStatus::PastDue,
            "unpaid" | "paused" => SubscriptionStatus::Unpaid,
            "canceled" => SubscriptionStatus::Canceled,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Incomplete => "incomplete",
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Trialing => "trialing",
            SubscriptionStatus::PastDue => "past_due",
            SubscriptionStatus::Unpaid => "unpaid",
            SubscriptionStatus::Canceled => "canceled",
        }
    }

    /// Does this status let the artist earn?
    pub fn is_open(self) -> bool {
        matches!(self, SubscriptionStatus::Active | SubscriptionStatus::Trialing)
    }

    /// How far along a subscription's life this status is.
    fn lifecycle_rank(self) -> u8 {
        match self {
            SubscriptionStatus::Incomplete => 0,
            SubscriptionStatus::Trialing => 1,
            SubscriptionStatus::Active => 2,
            SubscriptionStatus::PastDue => 3,
            SubscriptionStatus::Unpaid => 4,
            SubscriptionStatus::Canceled => 5,
        }
    }

    /// May a status change that was true at `at` (unix ms) replace `self`,
    /// true since `since`? Only a newer one may; at the same instant (Stripe
    /// stamps events to the second) the status further along the life
    /// wins, so a tie can end an open subscription but never revive a closed one.
    pub fn superseded_by(self, since: Option<i64>, next: SubscriptionStatus, at: i64) -> bool {
        match since {
            None => true,
            Some(since) if at != since => at > since,
            Some(_) => next.lifecycle_rank() >= self.lifecycle_rank(),
        }
    }
}
