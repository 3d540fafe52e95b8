//! Who may join the label's instance (issue 15, item 2):
//! `label.artist_signup` is "open", "invite" (single-use links for one
//! address, from `boptone admin invite --email E`) or "approval" (the label
//! accepts or declines each new artist); `label.fan_signup` opens or closes
//! fan accounts. The checks run before any password is hashed.

use rusqlite::Connection;

use super::config::{ArtistSignup, FanSignup, LabelConfig};
use super::domain::{Email, Role};
use super::repo;
use crate::app::AppState;
use crate::auth::hash_token;
use crate::console::audit;
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

/// Makes an invite for `email` inside `tx`: stored as the hash of its
/// token, emailed to the address; returns the link. The console and the CLI
/// both come here (and each records its audit row in the same `tx`).
pub fn invite_in(
    tx: &crate::db::Tx,
    label: &LabelConfig,
    public_url: &str,
    email: &Email,
    now: i64,
) -> rusqlite::Result<Invitation> {
    let token = random_token();
    let expires = now + i64::try_from(label.invite_days).unwrap_or(14) * 86_400_000;
    let link = format!("{}/artist/signup?invite={token}", public_url.trim_end_matches('/'));
    let body = format!(
        "You are invited to join as an artist. Sign up with this address ({}) through this link, \
         which works once, for {} days:\n{link}\n",
        email.as_str(),
        label.invite_days
    );
    let uid = repo::insert_invite(tx, &hash_token(&token), email.as_str(), now, expires)?;
    queue_mail(tx, email.as_str(), "You are invited to join as an artist", &body)?;
    Ok(Invitation { uid, link })
}

/// A new invite: its public id and the link it works through.
pub struct Invitation {
    pub uid: String,
    pub link: String,
}

/// The audit entry of a new invite.
pub fn invite_entry<'a>(invite: &'a Invitation, email: &Email) -> audit::Entry<'a> {
    audit::Entry {
        action: "invite.send",
        target_kind: "invite",
        target_uid: &invite.uid,
        reason: None,
        detail: serde_json::json!({ "email": email.as_str() }),
    }
}

/// Makes an invite for `email` and returns its link (`boptone admin
/// invite`: the CLI prints it; the address gets it by email too).
pub fn create_invite(db: &crate::db::Db, config: &crate::config::Config, email: &str) -> anyhow::Result<String> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let label = super::config::IdentityConfig::from_config(config)?.label;
    let public_url = config.server.public_url.as_str().to_owned();
    db.write_blocking::<_, anyhow::Error, _>(crate::db::Durability::Normal, |tx| {
        let now = now_ms();
        let invite = invite_in(tx, &label, &public_url, &email, now)?;
        audit::record(tx, &audit::cli_actor(), invite_entry(&invite, &email), now)?;
        Ok(invite.link)
    })
}

/// Why a decision could not be taken.
#[derive(Debug)]
pub enum Undecided {
    /// Declining says why: the artist reads it.
    NoReason,
    /// The artist has no application waiting (it is `0`).
    NotPending(String),
}

impl std::fmt::Display for Undecided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Undecided::NoReason => f.write_str("Say why: the artist reads it."),
            Undecided::NotPending(state) => write!(f, "This artist has no application waiting (it is {state})."),
        }
    }
}

/// The label's answer to `artist`'s application, inside `tx`; the artist
/// is told by email. `Ok(Err(_))` when there is nothing to decide.
pub fn decide_in(
    tx: &crate::db::Tx,
    artist: &super::repo::ArtistRow,
    accepted: bool,
    message: &str,
    now: i64,
) -> rusqlite::Result<Result<(), Undecided>> {
    let message = message.trim();
    if !accepted && message.is_empty() {
        return Ok(Err(Undecided::NoReason));
    }
    if !repo::decide_application(tx, artist.id, accepted, message, now)? {
        return Ok(Err(Undecided::NotPending(artist.application.clone())));
    }
    let (subject, body) = if accepted {
        (
            "Your application is accepted",
            format!("Welcome aboard! Sign in to choose your plan and set up your page.\n\n{message}\n"),
        )
    } else {
        ("About your application", format!("The label has declined your application.\n\n{message}\n"))
    };
    queue_mail(tx, &artist.email, subject, &body)?;
    Ok(Ok(()))
}

/// The audit entry of a decision.
pub fn decision_entry<'a>(artist: &'a super::repo::ArtistRow, accepted: bool, message: &'a str) -> audit::Entry<'a> {
    audit::Entry {
        action: if accepted { "application.approve" } else { "application.decline" },
        target_kind: "artist",
        target_uid: &artist.uid,
        reason: (!accepted).then_some(message.trim()),
        detail: serde_json::json!({ "email": artist.email, "message": message.trim() }),
    }
}

/// The label's answer from the command line (`boptone admin approve` /
/// `decline`), recorded in the audit log as the CLI's.
pub fn decide(db: &crate::db::Db, email: &str, accepted: bool, message: &str) -> anyhow::Result<()> {
    anyhow::ensure!(accepted || !message.trim().is_empty(), "--message: say why, the artist reads it");
    let email = email.trim().to_lowercase();
    db.write_blocking::<_, anyhow::Error, _>(crate::db::Durability::Normal, |tx| {
        let artist = super::service::artist_by_email(tx, &email)?
            .ok_or_else(|| anyhow::anyhow!("no artist with the email {email}"))?;
        let now = now_ms();
        if let Err(why) = decide_in(tx, &artist, accepted, message, now)? {
            anyhow::bail!("{email}: {why}");
        }
        audit::record(tx, &audit::cli_actor(), decision_entry(&artist, accepted, message), now)?;
        Ok(())
    })
}
