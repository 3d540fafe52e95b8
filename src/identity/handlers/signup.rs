//! Step 1: choose a tier, create the account, pay.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::{MaybeUser, Role, session_cookies};
use crate::error::{AppError, AppResult};
use crate::identity::ArtistScope;
use crate::identity::config::ArtistSignup;
use crate::identity::domain::TierId;
use crate::identity::gate::{Step, first_incomplete_step};
use crate::identity::limits::ClientIp;
use crate::identity::service::{self, SignupInput};
use crate::web::money::format_money;
use crate::web::page::Page;

#[derive(Serialize)]
pub struct TierView {
    id: &'static str,
    name: String,
    price: String,
    interval: String,
    features: Vec<String>,
}

pub fn tier_views(state: &AppState) -> Vec<TierView> {
    crate::identity::state(state)
        .config
        .tiers
        .all()
        .into_iter()
        .map(|(id, tier)| TierView {
            id,
            name: tier.name.clone(),
            price: format_money(tier.price_minor, &tier.currency),
            interval: tier.interval.clone(),
            features: tier.features.clone(),
        })
        .collect()
}

#[derive(Serialize, Default)]
struct SignupView {
    title: &'static str,
    tiers: Vec<TierView>,
    email: String,
    display_name: String,
    tier: String,
    /// The form went through: "check your email".
    sent: bool,
    errors: BTreeMap<String, String>,
    /// The invite link's token, carried through the form.
    invite: String,
    /// Why this visitor cannot sign up as an artist (invite-only, an
    /// invite that is used up); the form is not shown.
    closed: Option<String>,
    /// The label reviews new artists (label.artist_signup = "approval").
    approval: bool,
}

const SIGNUP_TITLE: &str = "Start earning from your art";

#[derive(Deserialize)]
pub struct InviteQuery {
    invite: Option<String>,
}

pub async fn show_signup(
    State(state): State<AppState>,
    page: Page,
    MaybeUser(user): MaybeUser,
    Query(query): Query<InviteQuery>,
) -> AppResult<Response> {
    if user.is_some() {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    let mode = crate::identity::joining::mode(&state);
    let mut view = SignupView {
        title: SIGNUP_TITLE,
        tiers: tier_views(&state),
        tier: "pro".into(),
        approval: mode == ArtistSignup::Approval,
        ..Default::default()
    };
    if mode == ArtistSignup::Invite {
        let invite = query.invite.unwrap_or_default();
        match crate::identity::joining::invited_address(&state, &invite).await? {
            Some(email) if !invite.is_empty() => {
                view.email = email;
                view.invite = invite;
            }
            _ => view.closed = Some(closed_message(&invite)),
        }
    }
    let status = if view.closed.is_some() { StatusCode::FORBIDDEN } else { StatusCode::OK };
    Ok((status, page.render(&state, "identity/signup.html", view)?).into_response())
}

fn closed_message(invite: &str) -> String {
    if invite.is_empty() {
        crate::identity::joining::INVITE_ONLY.to_owned()
    } else {
        "This invite has expired or was already used: ask the label for a new one.".to_owned()
    }
}

#[derive(Deserialize)]
pub struct SignupForm {
    email: String,
    password: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    invite: String,
}

/// Answers "check your email" whether or not the address has an account.
pub async fn create_artist(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    page: Page,
    Form(form): Form<SignupForm>,
) -> AppResult<Response> {
    let input = SignupInput {
        email: form.email.clone(),
        password: form.password,
        tier: form.tier.clone(),
        display_name: form.display_name.clone(),
        role: crate::auth::Role::Artist,
        invite: Some(form.invite.clone()),
    };
    let asked = match ask_to_sign_up(&state, ip, input).await {
        Err(AppError::Forbidden(message)) => {
            let view = SignupView { title: SIGNUP_TITLE, closed: Some(message), ..Default::default() };
            return Ok((StatusCode::FORBIDDEN, page.render(&state, "identity/signup.html", view)?).into_response());
        }
        other => other?,
    };
    let approval = crate::identity::joining::mode(&state) == ArtistSignup::Approval;
    let view = match asked {
        Asked::Sent => SignupView { title: "Check your email", email: form.email, sent: true, ..Default::default() },
        Asked::Refused(errors) => SignupView {
            title: SIGNUP_TITLE,
            tiers: tier_views(&state),
            email: form.email,
            display_name: form.display_name,
            tier: form.tier,
            sent: false,
            errors,
            invite: form.invite,
            closed: None,
            approval,
        },
    };
    let status = if view.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, page.render(&state, "identity/signup.html", view)?).into_response())
}

/// What a signup form (artist or fan) comes to.
pub enum Asked {
    /// The confirmation email is on its way (or the address has an
    /// account: the answer is the same).
    Sent,
    /// The fields to fix; nothing was stored.
    Refused(BTreeMap<String, String>),
}

/// The signup flow both forms share: the per-address-of-origin limit, then
/// the request (checked, hashed under the shared bound, emailed).
pub async fn ask_to_sign_up(state: &AppState, ip: std::net::IpAddr, input: SignupInput) -> AppResult<Asked> {
    if let Err(retry_after_secs) = crate::identity::state(state).account_limits.check_ip(ip) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    match service::request_signup(state, input).await {
        Ok(()) => Ok(Asked::Sent),
        Err(AppError::Invalid { fields, .. }) => Ok(Asked::Refused(fields)),
        Err(other) => Err(other),
    }
}

#[derive(Serialize, Default)]
struct ConfirmView {
    title: &'static str,
    valid: bool,
    /// A fan's link: no plan to pay for next.
    fan: bool,
    errors: BTreeMap<String, String>,
}

/// The emailed link shows a form rather than acting on GET: mail scanners
/// open links, and must not start an account.
pub async fn show_confirm_signup(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let role = service::signup_link_role(&state, &token).await?;
    let status = if role.is_some() { StatusCode::OK } else { StatusCode::GONE };
    let fan = role == Some(Role::Fan);
    let view = ConfirmView { title: "Confirm your email", valid: role.is_some(), fan, ..Default::default() };
    Ok((status, page.render(&state, "identity/signup_confirm.html", view)?).into_response())
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    password: String,
}

pub async fn confirm_signup(
    State(state): State<AppState>,
    from: crate::identity::sign_ins::SignInFrom,
    page: Page,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    match service::confirm_signup(&state, &token, form.password, &from).await {
        Ok(result) => {
            let jar = session_cookies(
                &state,
                jar,
                result.session_token,
                crate::identity::state(&state).config.accounts.session_days,
            );
            Ok((jar, Redirect::to(&result.redirect_url)).into_response())
        }
        Err(AppError::Invalid { fields, .. }) => {
            let fan = service::signup_link_role(&state, &token).await? == Some(Role::Fan);
            let view = ConfirmView { title: "Confirm your email", valid: true, fan, errors: fields };
            let html = page.render(&state, "identity/signup_confirm.html", view)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct SubscriptionQuery {
    checkout: Option<String>,
}

#[derive(Serialize)]
struct SubscriptionView {
    title: &'static str,
    tiers: Vec<TierView>,
    tier: Option<String>,
    status: Option<&'static str>,
    active: bool,
    /// Where an artist with an open plan goes on: the next unfinished step,
    /// or the dashboard once every step is done.
    continue_url: &'static str,
    continue_label: String,
    returned: Option<String>,
    sandbox: bool,
    errors: BTreeMap<String, String>,
}

fn subscription_view(state: &AppState, scope: &ArtistScope, returned: Option<String>) -> SubscriptionView {
    let status = scope.artist.subscription_status;
    let (continue_url, continue_label) = match first_incomplete_step(&scope.artist) {
        Some(step) => (step.url(), format!("Continue: {}", step.action().to_lowercase())),
        None => ("/dashboard", "Go to your dashboard".to_owned()),
    };
    SubscriptionView {
        title: "Your plan",
        tiers: tier_views(state),
        tier: scope.artist.tier.clone(),
        status: status.map(|s| s.as_str()),
        active: status.is_some_and(|s| s.is_open()),
        continue_url,
        continue_label,
        returned,
        sandbox: state.payments.is_sandbox(),
        errors: BTreeMap::new(),
    }
}

pub async fn show_subscription(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    Query(query): Query<SubscriptionQuery>,
) -> AppResult<Response> {
    if let Some(wait) = awaiting_label(&scope) {
        return Ok(wait);
    }
    let view = subscription_view(&state, &scope, query.checkout);
    Ok(page.render(&state, "identity/subscription.html", view)?.into_response())
}

#[derive(Deserialize)]
pub struct CheckoutForm {
    tier: String,
}

pub async fn restart_checkout(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    Form(form): Form<CheckoutForm>,
) -> AppResult<Response> {
    if let Some(wait) = awaiting_label(&scope) {
        return Ok(wait);
    }
    let Some(tier) = TierId::parse(&form.tier) else {
        let mut view = subscription_view(&state, &scope, None);
        view.errors.insert("tier".into(), "Choose one of the plans below.".into());
        let html = page.render(&state, "identity/subscription.html", view)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    };
    let url = service::start_checkout(&state, &scope.artist.uid, &scope.artist.email, tier).await?;
    Ok(Redirect::to(&url).into_response())
}

#[derive(Serialize)]
struct ApplicationView {
    title: &'static str,
    status: String,
    message: String,
}

/// Where an artist waits in "approval" mode, and reads the label's answer.
pub async fn show_application(State(state): State<AppState>, page: Page, scope: ArtistScope) -> AppResult<Response> {
    if scope.artist.application == "accepted" {
        return Ok(Redirect::to(first_incomplete_step(&scope.artist).map_or("/dashboard", |s| s.url())).into_response());
    }
    let view = ApplicationView {
        title: "Your application",
        status: scope.artist.application.clone(),
        message: scope.artist.application_message.clone(),
    };
    Ok(page.render(&state, "identity/application.html", view)?.into_response())
}

/// The plan and its checkout wait for the label's yes.
fn awaiting_label(scope: &ArtistScope) -> Option<Response> {
    (scope.artist.application != "accepted").then(|| Redirect::to(Step::Approval.url()).into_response())
}
