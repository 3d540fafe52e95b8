//! Identity's use cases: each is one write transaction, with its events.

use std::collections::BTreeMap;

use rusqlite::ErrorCode;

use super::domain::{ArtistId, DisplayName, Email, Password, ProfileDraft, Role, SubscriptionStatus, TierId, UserId};
use super::events::{
    ArtistPayoutsUpdated, ArtistProfileCompleted, ArtistProfileUpdated, ArtistSubscriptionUpdated, FanFollowed,
    FanUnfollowed,
};
use super::gate::Step;
use super::repo::{self, AccountFlags, ArtistRow, NewSubscription, NewUser, UserRow};
use super::sign_ins::{self, SignInFrom, Surface};
use crate::app::AppState;
use crate::auth::repo as auth_repo;
use crate::auth::{TokenTable, hash_token};
use crate::db::{Tx, now_ms};
use crate::error::{AppError, AppResult};
use crate::events::emit;
use crate::notify::queue_mail;
use crate::payments::{
    AccountStatus, NewPayment, SubscriptionCheckout, cancel_payment, record_account, record_payment,
};
use crate::web::csrf::random_token;

pub struct SignupInput {
    pub email: String,
    pub password: String,
    /// An artist's plan (ignored for fans).
    pub tier: String,
    pub display_name: String,
    /// Artist (with a plan to pay) or fan.
    pub role: Role,
    /// The invite link's token, when the label invites artists.
    pub invite: Option<String>,
}

pub struct SignupResult {
    pub session_token: String,
    pub redirect_url: String,
}

/// How long the link that confirms a signup works.
const SIGNUP_LINK_HOURS: i64 = 24;

/// Step 1: the signup form. Nothing tells a new address from a taken one:
/// both are hashed, both get an email — a link to continue, or a note to
/// the owner that someone tried — and the answer is "check your email".
pub async fn request_signup(state: &AppState, input: SignupInput) -> AppResult<()> {
    let mut fields = BTreeMap::new();
    let email = Email::parse(&input.email).map_err(|e| fields.insert("email".into(), e.into())).ok();
    let password = Password::parse(&input.password).map_err(|e| fields.insert("password".into(), e.into())).ok();
    let display_name =
        DisplayName::parse_or_generate(&input.display_name).map_err(|e| fields.insert("display_name".into(), e.into()));
    let tier = match input.role {
        Role::Artist => TierId::parse(&input.tier).map(Some),
        _ => Some(None),
    };
    if tier.is_none() {
        fields.insert("tier".into(), "Choose a plan.".into());
    }
    let (Some(email), Some(password), Ok(display_name), Some(tier)) = (email, password, display_name, tier) else {
        return Err(AppError::Invalid { message: "Please fix the highlighted fields.".into(), fields });
    };
    let fan = input.role == Role::Fan;
    let invite_hash = super::joining::admit(state, input.role, email.as_str(), input.invite.as_deref()).await?;
    if let Err(retry_after_secs) = super::state(state).account_limits.check_address(email.as_str()) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let hash = super::state(state).hashing.hash(password).await?;
    let token = random_token();
    let request = repo::NewSignupRequest {
        token_hash: hash_token(&token),
        email: email.as_str().to_owned(),
        password_hash: hash,
        display_name: display_name.as_str().to_owned(),
        role: if fan { Role::Fan } else { Role::Artist },
        tier: tier.map(TierId::as_str),
        invite_hash,
    };
    let base = &state.views.globals().public_url;
    let label = state.views.brand().name.clone();
    let taken_mail = format!(
        "Someone (maybe you) tried to create a {label} account with this address, which already has one.\n\n\
         Sign in: {base}/login\nForgot your password? {base}/forgot-password\n\n\
         If it was not you, ignore this email: nothing was changed.\n"
    );
    let confirm_mail = if fan {
        format!(
            "Welcome to {label}! Confirm this address to finish your account \
             (the link works once, for {SIGNUP_LINK_HOURS} hours):\n{base}/signup/confirm/{token}\n\n\
             If it was not you, ignore this email: no account is created.\n"
        )
    } else {
        format!(
            "Welcome! Confirm this address to continue to your plan's payment \
             (the link works once, for {SIGNUP_LINK_HOURS} hours):\n{base}/artist/signup/confirm/{token}\n\n\
             If it was not you, ignore this email: no account is created.\n"
        )
    };
    let confirm_subject = format!("Confirm your email to start on {label}");
    // Either way one email is queued in the same transaction, so the answer
    // (and its timing) is the same for new and existing addresses.
    state
        .db
        .write(move |tx| {
            if repo::email_taken(tx, &request.email)? {
                queue_mail(tx, &request.email, "Someone tried to sign up with your email", &taken_mail)?;
                return Ok(());
            }
            let now = now_ms();
            repo::delete_expired_signup_requests(tx, now)?;
            repo::insert_signup_request(tx, &request, now, now + SIGNUP_LINK_HOURS * 3_600_000)?;
            queue_mail(tx, &request.email, &confirm_subject, &confirm_mail)?;
            Ok(())
        })
        .await
}

/// Whom a signup link is for while it is valid (`None` once used or expired).
pub async fn signup_link_role(state: &AppState, token: &str) -> AppResult<Option<Role>> {
    let hash = hash_token(token);
    Ok(state.db.read(move |c| repo::find_signup_request_role(c, &hash, now_ms())).await?)
}

/// Step 1b: the emailed link was followed, and the password chosen at
/// signup typed again: account, artist profile and session, then the tier's
/// checkout. Asking for the password means a signup someone else started
/// for this address cannot become an account that they can open.
pub async fn confirm_signup(
    state: &AppState,
    token: &str,
    password: String,
    from: &SignInFrom,
) -> AppResult<SignupResult> {
    let token_hash = hash_token(token);
    let lookup = token_hash.clone();
    let stored = state.db.read(move |c| repo::find_signup_request_hash(c, &lookup, now_ms())).await?;
    let stored = stored.ok_or_else(signup_link_gone)?;
    if !super::state(state).hashing.verify(password, Some(stored)).await? {
        return Err(AppError::invalid(
            "password",
            "That is not the password chosen at signup. If you did not sign up, ignore this page.",
        ));
    }
    let session = random_token();
    let (session_hash, days) = (hash_token(&session), super::state(state).config.accounts.session_days);
    let joining = super::joining::mode(state);
    let from = from.clone();
    let made = state
        .db
        .write(move |tx| {
            let now = now_ms();
            let request = repo::consume_signup_request(tx, &token_hash, now)?.ok_or_else(signup_link_gone)?;
            // Only whoever reads this inbox gets here, so saying so reveals nothing.
            if repo::email_taken(tx, &request.email)? {
                return Err(email_in_use());
            }
            let new = NewUser {
                email: &request.email,
                password_hash: &request.password_hash,
                role: request.role,
                display_name: &request.display_name,
            };
            let user = repo::insert_user(tx, &new, now).map_err(unique_email)?;
            // The emailed link was followed: the address is confirmed.
            repo::set_email_verified(tx, user, now)?;
            auth_repo::insert_token(tx, TokenTable::Sessions, &session_hash, user, now, now + days_ms(days))?;
            sign_ins::record(tx, user, &from, Surface::Web, true, now)?;
            if request.role == Role::Fan {
                return Ok(None);
            }
            let artist = repo::insert_artist_profile(tx, user, now)?;
            let waits =
                super::joining::on_artist_created(tx, joining, user, artist, request.invite_hash.as_deref(), now)?;
            let uid = repo::find_artist_uid(tx, artist)?;
            Ok(Some((uid, request.email, request.tier.unwrap_or_default(), waits)))
        })
        .await?;
    // A fan is done: straight into the fan app.
    let Some((artist_uid, email, tier, waits)) = made else {
        return Ok(SignupResult { session_token: session, redirect_url: "/app".into() });
    };
    if waits {
        return Ok(SignupResult { session_token: session, redirect_url: super::gate::Step::Approval.url().into() });
    }
    let tier = TierId::parse(&tier).ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored tier {tier}")))?;
    let redirect_url = start_checkout(state, &artist_uid, &email, tier).await?;
    Ok(SignupResult { session_token: session, redirect_url })
}

fn signup_link_gone() -> AppError {
    AppError::BadRequest("This link has expired or was already used. Sign up again.".into())
}

fn email_in_use() -> AppError {
    AppError::invalid("email", "An account with this email already exists. Sign in instead, or reset your password.")
}

fn unique_email(err: rusqlite::Error) -> AppError {
    match err.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => email_in_use(),
        _ => err.into(),
    }
}

pub fn days_ms(days: u64) -> i64 {
    i64::try_from(days).unwrap_or(30) * 86_400_000
}

/// Starts (or restarts) the subscription checkout for `tier`; returns where to send the artist.
pub async fn start_checkout(state: &AppState, artist_uid: &str, email: &str, tier: TierId) -> AppResult<String> {
    let tier_config = super::state(state).config.tiers.get(tier.as_str()).expect("every TierId is configured");
    let base = state.views.globals().public_url.clone();
    let request = SubscriptionCheckout {
        artist_uid,
        email,
        stripe_price_id: &tier_config.stripe_price_id,
        success_url: format!("{base}/artist/subscription?checkout=done"),
        cancel_url: format!("{base}/artist/subscription?checkout=cancelled"),
    };
    let start = state.payments.start_subscription(&request).await?;
    expire_earlier_checkouts(state, artist_uid).await?;
    let (uid, provider) = (artist_uid.to_owned(), state.payments.provider_name());
    let (amount, currency) = (tier_config.price_minor, tier_config.currency.clone());
    let interval = if tier_config.interval == "year" { "yearly" } else { "monthly" };
    let description = format!("{} plan, billed {interval}", tier_config.name);
    let checkout_ref = start.checkout_ref.clone();
    state
        .db
        .write(move |tx| {
            let artist = repo::find_artist_by_uid(tx, &uid)?.ok_or(AppError::NotFound)?;
            let checkout = repo::NewCheckout {
                checkout_ref: &checkout_ref,
                artist: artist.id,
                tier: tier.as_str(),
                amount_minor: amount,
                currency: &currency,
            };
            match repo::find_subscription_by_artist(tx, artist.id)? {
                Some(existing) if existing.status.is_open() => {
                    return Err(AppError::Conflict("Your subscription is already active.".into()));
                }
                Some(_) => repo::restart_subscription_checkout(tx, artist.id, &checkout_ref, now_ms())?,
                None => {
                    let new = NewSubscription {
                        artist: artist.id,
                        tier: tier.as_str(),
                        provider,
                        checkout_ref: &checkout_ref,
                        amount_minor: amount,
                        currency: &currency,
                    };
                    repo::insert_subscription(tx, &new, now_ms())?;
                }
            }
            repo::insert_checkout(tx, &checkout, now_ms())?;
            let payment = NewPayment {
                provider,
                provider_ref: &checkout_ref,
                purpose: super::settle::SUBSCRIPTION,
                reference: &checkout_ref,
                owner: artist.user_id,
                amount_minor: amount,
                currency: &currency,
                description: &description,
                // The sandbox settles at once: the next step is the profile.
                return_url: Step::Profile.url(),
                cancel_url: "/artist/subscription?checkout=cancelled",
            };
            record_payment(tx, &payment, now_ms())?;
            for closed in repo::expire_checkouts(tx, artist.id, &checkout_ref, now_ms())? {
                cancel_payment(tx, &closed, now_ms())?;
            }
            Ok(())
        })
        .await?;
    Ok(start.redirect_url)
}

/// The plan chosen last is the plan charged: checkouts the artist opened
/// before can no longer be paid (one paid meanwhile still counts: its
/// webhook activates the plan it charged).
async fn expire_earlier_checkouts(state: &AppState, artist_uid: &str) -> AppResult<()> {
    let uid = artist_uid.to_owned();
    for checkout_ref in state.db.read(move |c| repo::list_open_checkouts(c, &uid)).await? {
        state.payments.expire_checkout(&checkout_ref).await;
    }
    Ok(())
}

/// What the provider says about a completed checkout.
pub struct CompletedCheckout<'a> {
    pub checkout_ref: &'a str,
    pub customer_ref: Option<&'a str>,
    pub subscription_ref: Option<&'a str>,
    /// Paid, or nothing to pay: only then does the subscription open.
    pub paid: bool,
    /// When it completed at the provider (unix ms).
    pub at: i64,
}

/// A completed checkout (sandbox confirm, or Stripe's webhook): once paid,
/// the subscription becomes active on the plan this checkout charged.
/// Returns whether the subscription opened.
pub fn apply_checkout_completed(tx: &Tx, done: &CompletedCheckout<'_>) -> AppResult<bool> {
    let Some(checkout) = repo::find_checkout(tx, done.checkout_ref)? else {
        tracing::warn!(checkout_ref = done.checkout_ref, "completed checkout for an unknown subscription");
        return Ok(false);
    };
    // One payment opens a subscription once: completing the same checkout
    // again (an old sandbox page) must not reopen a lapsed plan for free.
    if checkout.completed {
        tracing::info!(checkout_ref = done.checkout_ref, "checkout already completed; not applied again");
        return Ok(false);
    }
    let Some(current) = repo::find_subscription_by_artist(tx, checkout.artist)? else { return Ok(false) };
    let now = now_ms();
    if !done.paid {
        // A delayed payment method (a bank debit …): the subscription opens
        // when the provider says it is paid. Knowing its ids lets that
        // later status change find it; an open subscription keeps its own.
        if !current.status.is_open() {
            repo::update_subscription_refs(tx, checkout.artist, done.customer_ref, done.subscription_ref, now)?;
        }
        return Ok(false);
    }
    record_subscription_paid(tx, &checkout, done)?;
    if !current.status.superseded_by(current.status_at, SubscriptionStatus::Active, done.at) {
        tracing::info!(checkout_ref = done.checkout_ref, "stale checkout completion; not applied");
        return Ok(false);
    }
    repo::update_subscription_refs(tx, checkout.artist, done.customer_ref, done.subscription_ref, now)?;
    repo::update_subscription_plan(tx, checkout.artist, &checkout, now)?;
    repo::mark_checkout_completed(tx, done.checkout_ref, now)?;
    let change = repo::StatusChange { status: SubscriptionStatus::Active, status_at: done.at };
    set_subscription_status(tx, checkout.artist, &change)?;
    Ok(true)
}

/// What the artist paid for the plan is the platform's income: one ledger
/// row (nothing gross, the whole as the platform's fee, the artist's net
/// negative), recorded once per paid checkout whatever becomes of the
/// subscription's status — the money moved. Artists' earnings views leave
/// these rows out; the label's money page counts them.
fn record_subscription_paid(tx: &Tx, checkout: &repo::CheckoutRow, done: &CompletedCheckout<'_>) -> AppResult<()> {
    let paid = PlanPaid {
        artist: checkout.artist,
        reference: format!("subscription:{}", done.checkout_ref),
        description: format!("{} plan", checkout.tier),
        amount_minor: checkout.amount_minor,
        currency: &checkout.currency,
        at: done.at,
    };
    record_plan_paid(tx, &paid)
}

/// A renewal of an artist's plan was charged (Stripe's `invoice.paid` for a
/// new period): the platform's income, recorded once per invoice.
pub fn record_renewal_paid(tx: &Tx, renewal: &crate::payments::RenewalPaid) -> AppResult<()> {
    let Some(subscription) = repo::find_subscription_by_ref(tx, &renewal.subscription_ref)? else {
        tracing::warn!(subscription_ref = renewal.subscription_ref, "a renewal for an unknown subscription");
        return Ok(());
    };
    let paid = PlanPaid {
        artist: subscription.artist,
        reference: format!("subscription-renewal:{}", renewal.invoice_ref),
        description: format!("{} plan renewal", subscription.tier),
        amount_minor: renewal.amount_minor,
        currency: &renewal.currency,
        at: renewal.at,
    };
    record_plan_paid(tx, &paid)
}

struct PlanPaid<'a> {
    artist: ArtistId,
    reference: String,
    description: String,
    amount_minor: i64,
    currency: &'a str,
    at: i64,
}

fn record_plan_paid(tx: &Tx, paid: &PlanPaid<'_>) -> AppResult<()> {
    use crate::ledger::{Holder, Income, Micros};
    let currency = crate::core::Currency::parse(paid.currency).map_err(|e| AppError::Internal(e.into()))?;
    let micros = crate::core::Money::new(paid.amount_minor, currency).to_micros();
    let income = Income {
        artist: paid.artist,
        source: "subscription",
        reference: &paid.reference,
        description: &paid.description,
        track_id: None,
        gross: Micros::ZERO,
        currency: currency.code(),
        occurred_at: paid.at,
    };
    let owner = repo::find_artist_user_id(tx, paid.artist)?;
    let holder = Holder { key: "artist".into(), name: String::new(), email: String::new(), user_id: Some(owner) };
    crate::ledger::record_whole(tx, &income, Micros(micros), &holder)?;
    Ok(())
}

/// A subscription's status changed at the provider at `at` (unix ms).
/// Applied only if newer than the status stored (see
/// [`SubscriptionStatus::superseded_by`]); returns whether it was.
pub fn apply_subscription_status(
    tx: &Tx,
    subscription_ref: &str,
    status: SubscriptionStatus,
    at: i64,
) -> AppResult<bool> {
    let Some(subscription) = repo::find_subscription_by_ref(tx, subscription_ref)? else {
        return Ok(false);
    };
    // Stripe never reopens a canceled subscription (a new one is a new
    // checkout), so nothing said later about this one can revive it.
    let reopens_canceled = subscription.status == SubscriptionStatus::Canceled && status.is_open();
    if reopens_canceled || !subscription.status.superseded_by(subscription.status_at, status, at) {
        tracing::info!(subscription_ref, status = status.as_str(), "stale subscription status; not applied");
        return Ok(false);
    }
    set_subscription_status(tx, subscription.artist, &repo::StatusChange { status, status_at: at })?;
    Ok(true)
}

fn set_subscription_status(tx: &Tx, artist: ArtistId, change: &repo::StatusChange) -> AppResult<()> {
    repo::update_subscription_status(tx, artist, change, now_ms())?;
    let status = change.status;
    let artist_uid = repo::find_artist_uid(tx, artist)?;
    emit(tx, &ArtistSubscriptionUpdated { artist_uid, status: status.as_str().to_owned() })?;
    Ok(())
}

/// Step 2: saves the profile; with a photo in place, onboarding completes
/// and `artist.profile.completed` is emitted in the same transaction.
pub fn save_profile(tx: &Tx, artist: &ArtistRow, draft: &ProfileDraft, photo_key: Option<&str>) -> AppResult<bool> {
    if repo::handle_taken(tx, draft.handle.as_str(), artist.id)? {
        return Err(AppError::invalid("handle", "That handle is taken; try another."));
    }
    let now = now_ms();
    repo::update_profile(tx, artist.id, draft, now)?;
    if let Some(key) = photo_key {
        repo::update_profile_photo(tx, artist.id, key, now)?;
    }
    let has_photo = photo_key.is_some() || artist.photo_key.is_some();
    if !has_photo {
        return Err(AppError::invalid("photo", "Add a profile photo: fans see it on every Bop and release."));
    }
    let completed_now = repo::mark_onboarding_completed(tx, artist.id, now)?;
    emit(
        tx,
        &ArtistProfileUpdated {
            artist_id: artist.id.0,
            artist_uid: artist.uid.clone(),
            stage_name: draft.stage_name.clone(),
            handle: draft.handle.as_str().to_owned(),
            photo_key: photo_key.map(str::to_owned).or_else(|| artist.photo_key.clone()),
            completed: true,
        },
    )?;
    if completed_now {
        emit(
            tx,
            &ArtistProfileCompleted {
                artist_uid: artist.uid.clone(),
                user_id: artist.user_id.0,
                email: artist.email.clone(),
                stage_name: draft.stage_name.clone(),
                handle: draft.handle.as_str().to_owned(),
            },
        )?;
    }
    Ok(completed_now)
}

/// Step 3: the URL where the artist sets up payouts (creating their
/// connected account on first use).
pub async fn start_payouts(state: &AppState, artist: &ArtistRow) -> AppResult<String> {
    let account_ref = match &artist.connect_account {
        Some(account) => account.clone(),
        None => {
            // Two of these at once (a double-click) may both get here: Stripe
            // answers both with one account (idempotency key), and whichever
            // insert comes second keeps the account stored first.
            let account = state.payments.create_payout_account(&artist.uid, &artist.email).await?;
            let (artist_id, owner, provider) = (artist.id, artist.user_id, state.payments.provider_name());
            state
                .db
                .write::<_, AppError, _>(move |tx| {
                    let stored = repo::insert_connect_account(tx, artist_id, &account, provider, now_ms())?;
                    record_account(tx, &stored, owner, now_ms())?;
                    Ok(stored)
                })
                .await?
        }
    };
    let base = &state.views.globals().public_url;
    let return_url = format!("{base}/artist/payout/return");
    let refresh_url = format!("{base}/artist/payout/refresh");
    state.payments.payout_onboarding_url(&account_ref, &return_url, &refresh_url).await
}

/// The provider's view of a connected account at `at` (unix ms): the
/// sandbox form, Stripe's `account.updated`, or a fresh read on return from
/// onboarding. Applied only if newer than the view stored; at the same
/// instant only if it enables nothing more (a tie never opens payouts).
pub fn apply_account_status(tx: &Tx, account_ref: &str, status: AccountStatus, at: i64) -> AppResult<bool> {
    let flags = AccountFlags {
        charges_enabled: status.charges_enabled,
        payouts_enabled: status.payouts_enabled,
        details_submitted: status.details_submitted,
    };
    let Some(stored) = repo::find_connect_account(tx, account_ref)? else {
        tracing::warn!(account_ref, "update for an unknown connected account");
        return Ok(false);
    };
    let newer = match stored.status_at {
        None => true,
        Some(since) if since != at => at > since,
        Some(_) => !flags.opens_more_than(stored.flags),
    };
    if !newer {
        tracing::info!(account_ref, "stale connected account status; not applied");
        return Ok(false);
    }
    repo::update_connect_flags(tx, account_ref, flags, at, now_ms())?;
    let artist_uid = repo::find_artist_uid(tx, stored.artist)?;
    emit(
        tx,
        &ArtistPayoutsUpdated {
            artist_uid,
            charges_enabled: flags.charges_enabled,
            payouts_enabled: flags.payouts_enabled,
        },
    )?;
    Ok(true)
}

/// The account these credentials open; rate limits are the caller's.
async fn verify_credentials(state: &AppState, email: &str, password: String) -> AppResult<UserRow> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
    let lookup = email.as_str().to_owned();
    let user = state.db.read(move |c| repo::find_user_by_email(c, &lookup)).await?;
    let ok = super::state(state).hashing.verify(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    match (ok, user) {
        (true, Some(user)) => {
            let id = user.id;
            match state.db.read(move |c| super::suspension::sign_in_refusal(c, id)).await? {
                None => Ok(user),
                Some(reason) => Err(AppError::invalid(
                    "password",
                    format!("This account is disabled by the label. Their reason: {reason}"),
                )),
            }
        }
        _ => Err(AppError::invalid("password", "That email and password do not match an account.")),
    }
}

/// [`verify_credentials`], keeping a failed try on an existing account in
/// its sign-in history.
async fn verify_and_log(
    state: &AppState,
    email: &str,
    password: String,
    from: &SignInFrom,
    surface: Surface,
) -> AppResult<UserRow> {
    match verify_credentials(state, email, password).await {
        Ok(user) => Ok(user),
        Err(err) => {
            if let Ok(address) = Email::parse(email) {
                let (address, from) = (address.as_str().to_owned(), from.clone());
                state
                    .db
                    .write::<_, AppError, _>(move |tx| {
                        if let Some(user) = repo::find_user_by_email(tx, &address)? {
                            sign_ins::record(tx, user.id, &from, surface, false, now_ms())?;
                        }
                        Ok(())
                    })
                    .await?;
            }
            Err(err)
        }
    }
}

/// Signs in to the web studio: a new server-side session.
pub async fn login(state: &AppState, email: &str, password: String, from: &SignInFrom) -> AppResult<(UserRow, String)> {
    let user = verify_and_log(state, email, password, from, Surface::Web).await?;
    let token = random_token();
    let accounts = &super::state(state).config.accounts;
    let lifetime_ms = match user.role {
        Role::Admin => i64::try_from(accounts.admin_session_hours).unwrap_or(i64::MAX / 4) * 3_600_000,
        _ => days_ms(accounts.session_days),
    };
    let (token_hash, user_id) = (hash_token(&token), user.id);
    let from = from.clone();
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let now = now_ms();
            sign_ins::record(tx, user_id, &from, Surface::Web, true, now)?;
            Ok(auth_repo::insert_token(tx, TokenTable::Sessions, &token_hash, user_id, now, now + lifetime_ms)?)
        })
        .await?;
    Ok((user, token))
}

pub async fn logout(state: &AppState, token: &str) -> AppResult<()> {
    let hash = hash_token(token);
    state.db.write(move |tx| Ok(auth_repo::delete_token(tx, TokenTable::Sessions, &hash)?)).await
}

/// Sends a single-use reset link when the account exists; says nothing either way.
pub async fn request_password_reset(state: &AppState, email: &str) -> AppResult<()> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
    // Budgeted per typed address, existing or not, so a 429 reveals nothing.
    if let Err(retry_after_secs) = super::state(state).account_limits.check_address(email.as_str()) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let lookup = email.as_str().to_owned();
    let Some(user) = state.db.read(move |c| repo::find_user_by_email(c, &lookup)).await? else { return Ok(()) };
    let token = random_token();
    let (hash, user_id, minutes) =
        (hash_token(&token), user.id, super::state(state).config.accounts.reset_link_minutes);
    let link = format!("{}/reset-password/{token}", state.views.globals().public_url);
    let label = state.views.brand().name.clone();
    let subject = format!("Reset your {label} password");
    let body = format!(
        "Someone asked to reset the password of your {label} account.\n\n\
         Choose a new password here (the link works once, for {minutes} minutes):\n{link}\n\n\
         If it was not you, ignore this email: your password stays as it is.\n"
    );
    state
        .db
        .write(move |tx| {
            let now = now_ms();
            let expires = now + i64::try_from(minutes).unwrap_or(60) * 60_000;
            auth_repo::insert_token(tx, TokenTable::PasswordResets, &hash, user_id, now, expires)?;
            queue_mail(tx, &user.email, &subject, &body)?;
            Ok(())
        })
        .await
}

pub async fn reset_link_is_valid(state: &AppState, token: &str) -> AppResult<bool> {
    let hash = hash_token(token);
    Ok(state.db.read(move |c| repo::password_reset_is_valid(c, &hash, now_ms())).await?)
}

/// Uses a reset link: new password; every session, API token and other
/// reset link of the account is revoked. The link is checked before the
/// (costly) hash, so bogus links cost nothing.
pub async fn reset_password(state: &AppState, token: &str, password: &str) -> AppResult<()> {
    let password = Password::parse(password).map_err(|e| AppError::invalid("password", e))?;
    let token_hash = hash_token(token);
    let lookup = token_hash.clone();
    let user = state.db.read(move |c| repo::find_password_reset_user(c, &lookup, now_ms())).await?;
    let user = user.ok_or_else(reset_link_gone)?;
    if let Err(retry_after_secs) = super::state(state).account_limits.check_address(&user.email) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let hash = super::state(state).hashing.hash(password).await?;
    state
        .db
        .write(move |tx| {
            let now = now_ms();
            // Consumed here, atomically: of two racing uses only one wins.
            let user: UserId = repo::consume_password_reset(tx, &token_hash, now)?.ok_or_else(reset_link_gone)?;
            repo::update_password_hash(tx, user, &hash)?;
            auth_repo::delete_tokens_for_user(tx, TokenTable::Sessions, user)?;
            auth_repo::delete_tokens_for_user(tx, TokenTable::ApiTokens, user)?;
            repo::revoke_password_resets_for_user(tx, user, now)?;
            Ok(())
        })
        .await
}

fn reset_link_gone() -> AppError {
    AppError::BadRequest("This reset link has expired or was already used.".into())
}

/// Creates an account with a generated display name.
pub fn create_user_blocking(db: &crate::db::Db, email: &str, password: &str, role: Role) -> anyhow::Result<()> {
    create_named_user_blocking(db, email, password, role, None)
}

/// Creates an account from the command line (`boptone admin create-user`).
pub fn create_named_user_blocking(
    db: &crate::db::Db,
    email: &str,
    password: &str,
    role: Role,
    display_name: Option<&str>,
) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let password = Password::parse(password).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let display_name = DisplayName::parse_or_generate(display_name.unwrap_or(""))
        .map_err(|e| anyhow::anyhow!("--display-name: {e}"))?;
    let hash = super::password::hash_blocking(password.expose())?;
    db.write_blocking(crate::db::Durability::Normal, |tx| {
        anyhow::ensure!(!repo::email_taken(tx, email.as_str())?, "an account with {email} already exists");
        let new = NewUser { email: email.as_str(), password_hash: &hash, role, display_name: display_name.as_str() };
        let user = repo::insert_user(tx, &new, now_ms())?;
        if role == Role::Artist {
            repo::insert_artist_profile(tx, user, now_ms())?;
        }
        Ok(())
    })
}

/// Suspends or reinstates an artist by their public id, through the one
/// suspension mechanism (`suspension`), with the reason `reason`.
pub async fn set_suspended(state: &AppState, artist_uid: String, suspended: bool) -> AppResult<()> {
    const REASON: &str = "Suspended by the label.";
    state
        .db
        .write(move |tx| {
            let artist = repo::find_artist_by_uid(tx, &artist_uid)?.ok_or(AppError::NotFound)?;
            let now = now_ms();
            match suspended {
                true => super::suspension::suspend(tx, artist.user_id, REASON, now),
                false => super::suspension::reinstate(tx, artist.user_id, now).map(|_| ()),
            }
        })
        .await
}

/// Issues an app-surface bearer token for valid credentials.
pub async fn issue_api_token(state: &AppState, email: &str, password: String, from: &SignInFrom) -> AppResult<String> {
    let user = match verify_and_log(state, email, password, from, Surface::Api).await {
        Ok(user) => user,
        Err(AppError::Invalid { .. }) => return Err(AppError::Unauthorized),
        Err(other) => return Err(other),
    };
    let token = random_token();
    let (hash, user_id, from) = (hash_token(&token), user.id, from.clone());
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let now = now_ms();
            sign_ins::record(tx, user_id, &from, Surface::Api, true, now)?;
            auth_repo::insert_token(tx, TokenTable::ApiTokens, &hash, user_id, now, now + days_ms(API_TOKEN_DAYS))?;
            Ok(())
        })
        .await?;
    Ok(token)
}

/// A bearer token for an account already signed in on the web (the fan
/// web app takes over the browser's session without asking again).
pub async fn token_for(state: &AppState, user_id: UserId) -> AppResult<String> {
    let token = random_token();
    let hash = hash_token(&token);
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let now = now_ms();
            auth_repo::insert_token(tx, TokenTable::ApiTokens, &hash, user_id, now, now + days_ms(API_TOKEN_DAYS))?;
            Ok(())
        })
        .await?;
    Ok(token)
}

/// Ends one bearer token (signing out of the app on this device).
pub async fn revoke_api_token(state: &AppState, token: &str) -> AppResult<()> {
    let hash = hash_token(token);
    state.db.write::<_, AppError, _>(move |tx| Ok(auth_repo::delete_token(tx, TokenTable::ApiTokens, &hash)?)).await
}

pub const API_TOKEN_DAYS: u64 = 90;

/// An artist by public id, for other pillars (they reach identity's rows
/// through here, never through its repo).
pub fn artist_by_uid(conn: &rusqlite::Connection, uid: &str) -> rusqlite::Result<Option<ArtistRow>> {
    repo::find_artist_by_uid(conn, uid)
}

/// An artist by row id (what other pillars' rows refer to them by).
pub fn artist_by_id(conn: &rusqlite::Connection, id: ArtistId) -> rusqlite::Result<Option<ArtistRow>> {
    repo::find_artist_by_id(conn, id)
}

/// An artist whose public page is up (onboarded, not suspended), by their
/// `@handle` in any case, for other pillars' public pages.
pub fn public_artist_by_handle(conn: &rusqlite::Connection, handle: &str) -> rusqlite::Result<Option<ArtistRow>> {
    let found = repo::find_artist_by_handle(conn, &handle.to_lowercase())?;
    Ok(found.filter(|a| a.onboarding_completed && !a.suspended))
}

/// The account of an artist whose public page is up, for other pillars'
/// report targets (the content's author); `None` when suspended.
pub fn visible_artist_user(conn: &rusqlite::Connection, artist: ArtistId) -> rusqlite::Result<Option<UserId>> {
    if !repo::artist_is_visible(conn, artist)? {
        return Ok(None);
    }
    repo::find_artist_user_id(conn, artist).map(Some)
}

/// The account of an artist, for other pillars (notices to the artist).
pub fn artist_user_id(conn: &rusqlite::Connection, artist: ArtistId) -> rusqlite::Result<UserId> {
    repo::find_artist_user_id(conn, artist)
}

/// The artist's genres, lowercase (for other pillars' rankings).
pub fn artist_genres(conn: &rusqlite::Connection, artist: ArtistId) -> rusqlite::Result<Vec<String>> {
    use rusqlite::OptionalExtension;
    let json: Option<String> = conn
        .prepare_cached("SELECT genres FROM artist_profiles WHERE id = ?1")?
        .query_row([artist], |r| r.get(0))
        .optional()?;
    let genres: Vec<String> = json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default();
    Ok(genres.into_iter().map(|g| g.trim().to_lowercase()).filter(|g| !g.is_empty()).collect())
}

/// A user's email and display name, unless the account is deleted: for
/// other pillars' receipts and notices.
pub fn user_contact(conn: &rusqlite::Connection, user: UserId) -> rusqlite::Result<Option<(String, String)>> {
    Ok(repo::find_user_by_id(conn, user)?.map(|u| (u.email, u.display_name)))
}

/// The artist's sign-in email, unless the account is deleted: for other
/// pillars' mail to the artist.
pub fn artist_email(conn: &rusqlite::Connection, artist: ArtistId) -> rusqlite::Result<Option<String>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(
        "SELECT u.email FROM artist_profiles p JOIN users u ON u.id = p.user_id WHERE p.id = ?1 AND u.deleted_at IS NULL",
    )?
    .query_row([artist], |r| r.get(0))
    .optional()
}

/// Follows or unfollows an artist; idempotent. A change emits
/// `fan.followed` / `fan.unfollowed` in the same transaction, which other
/// pillars handle (Bops' timeline, later loyalty and ranking).
pub async fn set_following(state: &AppState, fan: UserId, artist_uid: String, following: bool) -> AppResult<()> {
    state
        .db
        .write(move |tx| {
            let artist = repo::find_artist_by_uid(tx, &artist_uid)?.ok_or(AppError::NotFound)?;
            if artist.user_id == fan {
                return Err(AppError::invalid("artist", "You cannot follow yourself."));
            }
            let since = repo::followed_since(tx, fan, artist.id)?;
            if since.is_some() == following {
                return Ok(());
            }
            let now = now_ms();
            repo::set_following(tx, fan, artist.id, following, now)?;
            let followed_at = since.unwrap_or(now);
            let event = FanFollowed { fan_user_id: fan.0, artist_id: artist.id.0, artist_uid, followed_at };
            if following {
                emit(tx, &event)?
            } else {
                emit(tx, &FanUnfollowed(event))?
            };
            Ok(())
        })
        .await
}

/// Is the fan following the artist now? (For other pillars' handlers.)
pub fn is_following(conn: &rusqlite::Connection, fan: UserId, artist: ArtistId) -> rusqlite::Result<bool> {
    repo::is_following(conn, fan, artist)
}

/// Since when the fan has followed the artist, if they do now: each follow
/// has its own (for other pillars' handlers).
pub fn followed_since(conn: &rusqlite::Connection, fan: UserId, artist: ArtistId) -> rusqlite::Result<Option<i64>> {
    repo::followed_since(conn, fan, artist)
}

pub use repo::ArtistFace;

/// How other pillars show an artist (uid, name, handle, visible), in one lookup.
pub fn artist_face(conn: &rusqlite::Connection, artist: ArtistId) -> rusqlite::Result<Option<ArtistFace>> {
    repo::find_artist_face(conn, artist)
}

/// May fans see this artist's work now (not suspended)? For other pillars.
pub fn artist_is_visible(conn: &rusqlite::Connection, artist: ArtistId) -> rusqlite::Result<bool> {
    repo::artist_is_visible(conn, artist)
}

/// The artist whose account uses this email (for admin commands of other pillars).
pub fn artist_by_email(conn: &rusqlite::Connection, email: &str) -> rusqlite::Result<Option<ArtistRow>> {
    match repo::find_user_by_email(conn, &email.trim().to_lowercase())? {
        Some(user) => repo::find_artist_by_user(conn, user.id),
        None => Ok(None),
    }
}

/// The account that uses this email, if any (for other pillars: a track's
/// collaborator may already be here).
pub fn user_id_by_email(
    conn: &rusqlite::Connection,
    email: &str,
) -> rusqlite::Result<Option<crate::core::ids::UserId>> {
    Ok(repo::find_user_by_email(conn, email)?.map(|user| user.id))
}

/// A page of an artist's followers, for other pillars' notices.
pub fn list_followers(
    conn: &rusqlite::Connection,
    artist: ArtistId,
    after: UserId,
    limit: usize,
) -> rusqlite::Result<Vec<UserId>> {
    repo::list_followers(conn, artist, after, limit)
}

/// An artist's public id, for other pillars' views.
pub fn artist_uid(conn: &rusqlite::Connection, artist: ArtistId) -> rusqlite::Result<String> {
    repo::find_artist_uid(conn, artist)
}

/// An artist's stage name (empty when not set yet), for other pillars' messages.
pub fn artist_stage_name(conn: &rusqlite::Connection, artist: ArtistId) -> rusqlite::Result<String> {
    repo::find_artist_stage_name(conn, artist)
}

/// The artist of an account, for other pillars (payouts by connected account).
pub fn artist_of_user(conn: &rusqlite::Connection, user: UserId) -> rusqlite::Result<Option<ArtistRow>> {
    repo::find_artist_by_user(conn, user)
}

/// Artists whose payouts are enabled and who are not suspended: (artist,
/// account user, email). For the sandbox's payout schedule and the
/// monthly statements.
pub fn payout_ready_artists(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<(ArtistId, UserId, String)>> {
    conn.prepare_cached(
        "SELECT p.id, p.user_id, u.email FROM artist_profiles p JOIN users u ON u.id = p.user_id
             JOIN stripe_connect_accounts c ON c.artist_id = p.id
         WHERE c.payouts_enabled = 1 AND p.suspended_at IS NULL AND u.deleted_at IS NULL ORDER BY p.id",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect()
}
