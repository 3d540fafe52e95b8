//! Events the identity pillar emits.

use serde::{Deserialize, Serialize};

use crate::events::PlatformEvent;

/// An artist finished their profile (onboarding step 2).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtistProfileCompleted {
    pub artist_uid: String,
    pub user_id: i64,
    pub email: String,
    pub stage_name: String,
    pub handle: String,
}

impl PlatformEvent for ArtistProfileCompleted {
    const TYPE: &'static str = "artist.profile.completed";
}

/// An artist's subscription changed state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtistSubscriptionUpdated {
    pub artist_uid: String,
    pub status: String,
}

impl PlatformEvent for ArtistSubscriptionUpdated {
    const TYPE: &'static str = "artist.subscription.updated";
}

/// An artist's payout account changed (charges or payouts enabled/disabled).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtistPayoutsUpdated {
    pub artist_uid: String,
    pub charges_enabled: bool,
    pub payouts_enabled: bool,
}

impl PlatformEvent for ArtistPayoutsUpdated {
    const TYPE: &'static str = "artist.payouts.updated";
}
