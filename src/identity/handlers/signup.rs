//! Step 1: choose a tier, create the account, pay.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::domain::TierId;
use crate::identity::service::{self, SignupInput};
use crate::identity::session::{ArtistScope, MaybeUser, session_cookies};
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
    state
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

#[derive(Serialize)]
struct SignupView {
    title: &'static str,
    tiers: Vec<TierView>,
    email: String,
    tier: String,
    errors: BTreeMap<String, String>,
}

pub async fn show_signup(State(state): State<AppState>, page: Page, MaybeUser(user): MaybeUser) -> AppResult<Response> {
    if user.is_some() {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    let view = SignupView {
        title: "Start earning from your art",
        tiers: tier_views(&state),
        email: String::new(),
        tier: "pro".into(),
        errors: BTreeMap::new(),
    };
    Ok(page.render(&state, "identity/signup.html", view)?.into_response())
}

#[derive(Deserialize)]
pub struct SignupForm {
    email: String,
    password: String,
    #[serde(default)]
    tier: String,
}

pub async fn create_artist(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Form(form): Form<SignupForm>,
) -> AppResult<Response> {
    let input = SignupInput { email: form.email.clone(), password: form.password, tier: form.tier.clone() };
    match service::signup_artist(&state, input).await {
        Ok(result) => {
            let jar = session_cookies(&state, jar, result.session_token);
            Ok((jar, Redirect::to(&result.redirect_url)).into_response())
        }
        Err(AppError::Invalid { fields, .. }) => {
            let view = SignupView {
                title: "Start earning from your art",
                tiers: tier_views(&state),
                email: form.email,
                tier: form.tier,
                errors: fields,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(&state, "identity/signup.html", view)?).into_response())
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
    returned: Option<String>,
    sandbox: bool,
    errors: BTreeMap<String, String>,
}

fn subscription_view(state: &AppState, scope: &ArtistScope, returned: Option<String>) -> SubscriptionView {
    let status = scope.artist.subscription_status;
    SubscriptionView {
        title: "Your plan",
        tiers: tier_views(state),
        tier: scope.artist.tier.clone(),
        status: status.map(|s| s.as_str()),
        active: status.is_some_and(|s| s.is_open()),
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
    let Some(tier) = TierId::parse(&form.tier) else {
        let mut view = subscription_view(&state, &scope, None);
        view.errors.insert("tier".into(), "Choose one of the plans below.".into());
        let html = page.render(&state, "identity/subscription.html", view)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    };
    let url = service::start_checkout(&state, &scope.artist.uid, &scope.artist.email, tier).await?;
    Ok(Redirect::to(&url).into_response())
}
