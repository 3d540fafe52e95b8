//! Notifications: in-app notices and email. Reacts to other pillars' events.

pub mod mail;
pub mod outbox;
pub mod repo;

use crate::events::PlatformEvent;
use crate::events::Registry;
use crate::identity::events::ArtistProfileCompleted;

pub use mail::Mailer;
pub use outbox::{MailOutbox, MailSender, queue_mail};

use crate::bops::events::BopPublished;
use crate::bops::tips::BopTipReceived;
use crate::web::money::format_money;

/// Registers notify's event handlers.
pub fn register(registry: &mut Registry, public_url: String) {
    let welcome_url = format!("{public_url}/dashboard");
    registry.on(ArtistProfileCompleted::TYPE, "notify.welcome_email", move |tx, event| {
        let completed: ArtistProfileCompleted = serde_json::from_value(event.payload.clone())?;
        let body = format!(
            "Hi {},\n\nYour Boptone profile is live at {public_url}/@{}.\n\n\
             Next: connect payouts so fans can tip you and buy from your shop — {welcome_url}\n\n— Boptone\n",
            completed.stage_name, completed.handle
        );
        queue_mail(tx, &completed.email, "Welcome to Boptone — your profile is live", &body)?;
        Ok(())
    });
    registry.on(BopPublished::TYPE, "notify.followers_new_bop", |tx, event| {
        let published: BopPublished = serde_json::from_value(event.payload.clone())?;
        if published.visibility == "private" {
            return Ok(());
        }
        let name: String = tx.query_row(
            "SELECT COALESCE(stage_name, 'An artist you follow') FROM artist_profiles WHERE id = ?1",
            [published.artist_id],
            |r| r.get(0),
        )?;
        let title = format!("New Bop from {name}");
        let mut followers =
            tx.prepare("SELECT fan_user_id FROM fan_relationships WHERE artist_id = ?1 AND following = 1")?;
        let fans: Vec<i64> =
            followers.query_map([published.artist_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        let now = crate::db::now_ms();
        for fan in fans {
            let new = repo::NewNotification {
                user_id: fan,
                kind: "new_bop",
                title: &title,
                body: "Watch it in the app.",
                link: Some("/app"),
            };
            repo::insert_notification(tx, &new, now)?;
        }
        Ok(())
    });
    registry.on(BopTipReceived::TYPE, "notify.tip_notification", |tx, event| {
        let tip: BopTipReceived = serde_json::from_value(event.payload.clone())?;
        let title = format!("You got a {} tip", format_money(tip.amount_minor, &tip.currency));
        let new = repo::NewNotification {
            user_id: tip.artist_user_id,
            kind: "tip",
            title: &title,
            body: "A fan tipped one of your Bops.",
            link: Some("/studio/bops"),
        };
        repo::insert_notification(tx, &new, crate::db::now_ms())?;
        Ok(())
    });
    registry.on(ArtistProfileCompleted::TYPE, "notify.welcome_notification", |tx, event| {
        let completed: ArtistProfileCompleted = serde_json::from_value(event.payload.clone())?;
        repo::insert_notification(
            tx,
            &repo::NewNotification {
                user_id: completed.user_id,
                kind: "welcome",
                title: "Your profile is live",
                body: "Connect payouts next, so you can receive tips and sell merch.",
                link: Some("/artist/payout"),
            },
            crate::db::now_ms(),
        )?;
        Ok(())
    });
}
