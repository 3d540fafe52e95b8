//! Who may join the label's instance (issue 15, item 2):
//! `label.artist_signup` is "open", "invite" (single-use links for one
//! address, from `boptone admin invite --email E`) or "approval" (the label
//! accepts or declines each new artist); `label.fan_signup` opens or closes
//! fan accounts. The checks run before any password is hashed.

use rusqlite::Connection;

use super::config::{ArtistSignup, FanSignup};
use super::domain::{Email, Role};
use super::repo;
use crate::app::AppState;
use crate::auth::hash_token;
use crate::core::ids::UserId;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::notify::queue_mail;
use crate::web::csrf::random_token;

pub const INVITE_ONLY: &str = "Joining as an artist here is by invitation: ask the label for an invite link.";
pub const FANS_CLOSED: &str = "This label is not taking new fan accounts.";

pub fn mode(state: &AppState) -> ArtistSignup {
    super::state(state).config.label.artist_signup
}

/// Whether a signup of `role` for `email` may go ahead; with an invite,
/// the hash to keep with the request until the account is made.
pub async fn admit(state: &AppState, role: Role, email: &str, invite: Option<&str>) -> AppResult<Option<String>> {
    if role == Role::Fan {
        return match super::state(state).config.label.fan_signup {
            FanSignup::Open => Ok(None),
            FanSignup::Closed => Err(AppError::Forbidden(FANS_CLOSED.into())),
        };
    }
    if mode(state) != ArtistSignup::Invite {
        return Ok(None);
    }
    let Some(token) = invite.filter(|t| !t.is_empty()) else { return Err(AppError::Forbidden(INVITE_ONLY.into())) };
    let hash = hash_token(token);
    let lookup = hash.clone();
    let invited = state.db.read_now(move |c| repo::find_open_invite(c, &lookup, now_ms())).await?;
    match invited {
        Some(address) if address.eq_ignore_ascii_case(email.trim()) => Ok(Some(hash)),
        Some(_) => Err(AppError::invalid("email", "This invite is for another address: sign up with the invited one.")),
        None => {
            Err(AppError::Forbidden("This invite has expired or was already used: ask the label for a new one.".into()))
        }
    }
}

/// The address an open invite is for (to fill in the signup form).
pub async fn invited_address(state: &AppState, token: &str) -> AppResult<Option<String>> {
    let hash = hash_token(token);
    Ok(state.db.read_now(move |c| repo::find_open_invite(c, &hash, now_ms())).await?)
}

/// When the account is made: the invite is used up (a second account from
/// the same link fails with the whole signup), or the artist waits for the
/// label. Returns whether the artist must wait.
pub fn on_artist_created(
    conn: &Connection,
    mode: ArtistSignup,
    user: UserId,
    artist: crate::core::ids::ArtistId,
    invite_hash: Option<&str>,
    now: i64,
) -> AppResult<bool> {
    match mode {
        ArtistSignup::Open => Ok(false),
        ArtistSignup::Invite => match invite_hash {
            Some(hash) if repo::use_invite(conn, hash, user, now)? => Ok(false),
            _ => Err(AppError::Forbidden(
                "This invite has expired or was already used: ask the label for a new one.".into(),
            )),
        },
        ArtistSignup::Approval => {
            repo::set_application_pending(conn, artist)?;
            Ok(true)
        }
    }
}

/// Makes an invite for `email` and returns its link (the CLI prints it; the
/// address gets it by email too).
pub fn create_invite(db: &crate::db::Db, config: &crate::config::Config, email: &str) -> anyhow::Result<String> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let label = super::config::IdentityConfig::from_config(config)?.label;
    let token = random_token();
    let now = now_ms();
    let expires = now + i64::try_from(label.invite_days).unwrap_or(14) * 86_400_000;
    let link = format!("{}/artist/signup?invite={token}", config.server.public_url.as_str().trim_end_matches('/'));
    let body = format!(
        "You are invited to join as an artist. Sign up with this address ({}) through this link, \
         which works once, for {} days:\n{link}\n",
        email.as_str(),
        label.invite_days
    );
    db.write_blocking::<_, anyhow::Error, _>(crate::db::Durability::Normal, |tx| {
        repo::insert_invite(tx, &hash_token(&token), email.as_str(), now, expires)?;
        queue_mail(tx, email.as_str(), "You are invited to join as an artist", &body)?;
        Ok(())
    })?;
    Ok(link)
}

/// The label's answer to an application; the artist is told by email.
pub fn decide(db: &crate::db::Db, email: &str, accepted: bool, message: &str) -> anyhow::Result<()> {
    let message = message.trim().to_owned();
    anyhow::ensure!(accepted || !message.is_empty(), "--message: say why, the artist reads it");
    let email = email.trim().to_lowercase();
    db.write_blocking::<_, anyhow::Error, _>(crate::db::Durability::Normal, |tx| {
        let artist = super::service::artist_by_email(tx, &email)?
            .ok_or_else(|| anyhow::anyhow!("no artist with the email {email}"))?;
        let now = now_ms();
        anyhow::ensure!(
            repo::decide_application(tx, artist.id, accepted, &message, now)?,
            "{email} has no pending application (it is {})",
            artist.application
        );
        let (subject, body) = if accepted {
            (
                "Your application is accepted",
                format!("Welcome aboard! Sign in to choose your plan and set up your page.\n\n{message}\n"),
            )
        } else {
            ("About your application", format!("The label has declined your application.\n\n{message}\n"))
        };
        queue_mail(tx, &email, subject, &body)?;
        Ok(())
    })
}
