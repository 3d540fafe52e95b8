//! Events the identity pillar emits.

use serde::{Deserialize, Serialize};

use crate::events::{PlatformEvent, Registry};
use crate::notify::{NewNotification, notify, queue_mail};

/// Identity's reactions to its own events: the welcome email and notice,
/// and the artist's notice of a new follower.
pub fn register(registry: &mut Registry, public_url: String) {
    let welcome_url = format!("{public_url}/dashboard");
    registry.on(ArtistProfileCompleted::TYPE, "notify.welcome_email", move |tx, event| {
        let completed: ArtistProfileCompleted = serde_json::from_value(event.payload.clone())?;
        let body = format!(
            "Hi {},\n\nYour artist profile is live at {public_url}/@{}.\n\n\
             Next: connect payouts so fans can tip you and buy from your shop — {welcome_url}\n",
            completed.stage_name, completed.handle
        );
        // The sender's name and the signature are the label's (the mailer adds them).
        queue_mail(tx, &completed.email, "Welcome aboard — your profile is live", &body)?;
        Ok(())
    });
    registry.on(ArtistProfileCompleted::TYPE, "notify.welcome_notification", |tx, event| {
        let completed: ArtistProfileCompleted = serde_json::from_value(event.payload.clone())?;
        let notice = NewNotification {
            user_id: completed.user_id,
            kind: "welcome",
            title: "Your profile is live",
            body: "Connect payouts next, so you can receive tips and sell merch.",
            link: Some("/artist/payout"),
        };
        notify(tx, &notice)?;
        Ok(())
    });
    registry.on(FanFollowed::TYPE, "notify.follower_notice", |tx, event| {
        let followed: FanFollowed = serde_json::from_value(event.payload.clone())?;
        follower_notice(tx, &followed)?;
        Ok(())
    });
    registry.on(super::account::AccountDeleted::TYPE, "notify.forget_account", |tx, event| {
        let deleted: super::account::AccountDeleted = serde_json::from_value(event.payload.clone())?;
        crate::notify::forget_user(tx, deleted.user_id)?;
        Ok(())
    });
}

/// "Ada followed you": the fan's display name only, and only while the
/// follow stands (a follow undone before this ran tells nobody).
fn follower_notice(tx: &crate::db::Tx, followed: &FanFollowed) -> rusqlite::Result<()> {
    use crate::core::ids::{ArtistId, UserId};
    let (fan, artist) = (UserId(followed.fan_user_id), ArtistId(followed.artist_id));
    if !super::repo::is_following(tx, fan, artist)? {
        return Ok(());
    }
    let Some(fan) = super::repo::find_user_by_id(tx, fan)? else { return Ok(()) };
    let name = if fan.display_name.trim().is_empty() { "A fan" } else { fan.display_name.trim() };
    let title = format!("{name} followed you");
    let notice = NewNotification {
        user_id: super::service::artist_user_id(tx, artist)?.0,
        kind: "follower",
        title: &title,
        body: "",
        link: Some("/dashboard"),
    };
    notify(tx, &notice)
}

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

/// An artist saved their profile (the completing save included): what
/// fans see of them, for search.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtistProfileUpdated {
    pub artist_id: i64,
    pub artist_uid: String,
    pub stage_name: String,
    pub handle: String,
    pub photo_key: Option<String>,
    /// Onboarding's profile step is done: the profile is public.
    pub completed: bool,
}

impl PlatformEvent for ArtistProfileUpdated {
    const TYPE: &'static str = "artist.profile.updated";
}

/// The label suspended or reinstated an artist: a suspended artist's
/// profile and work are hidden from fans.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtistSuspensionChanged {
    pub artist_id: i64,
    pub artist_uid: String,
    pub suspended: bool,
}

impl PlatformEvent for ArtistSuspensionChanged {
    const TYPE: &'static str = "artist.suspension.changed";
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

/// A fan started following an artist.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FanFollowed {
    pub fan_user_id: i64,
    pub artist_id: i64,
    pub artist_uid: String,
    /// When the follow began (for an unfollow: the follow that ended).
    /// Events from before this field: 0, read as the event's own time.
    #[serde(default)]
    pub followed_at: i64,
}

impl PlatformEvent for FanFollowed {
    const TYPE: &'static str = "fan.followed";
}

/// A fan stopped following an artist.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FanUnfollowed(pub FanFollowed);

impl PlatformEvent for FanUnfollowed {
    const TYPE: &'static str = "fan.unfollowed";
}
