//! Step 3: payouts through a connected account.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use crate::app::AppState;
use crate::db::Durability;
use crate::error::AppResult;
use crate::identity::ArtistScope;
use crate::identity::gate::{Step, first_incomplete_step};
use crate::identity::service;
use crate::web::page::Page;

#[derive(Serialize)]
struct PayoutView {
    title: &'static str,
    started: bool,
    payouts_enabled: bool,
    charges_enabled: bool,
    sandbox: bool,
}

fn earlier_step(scope: &ArtistScope) -> Option<Response> {
    match first_incomplete_step(&scope.artist) {
        Some(step @ (Step::Approval | Step::Subscription | Step::Profile)) => {
            Some(Redirect::to(step.url()).into_response())
        }
        _ => None,
    }
}

pub async fn show_payout(State(state): State<AppState>, page: Page, scope: ArtistScope) -> AppResult<Response> {
    if let Some(redirect) = earlier_step(&scope) {
        return Ok(redirect);
    }
    let view = PayoutView {
        title: "Get paid",
        started: scope.artist.connect_account.is_some(),
        payouts_enabled: scope.artist.payouts_enabled,
        charges_enabled: scope.artist.charges_enabled,
        sandbox: state.payments.is_sandbox(),
    };
    Ok(page.render(&state, "identity/payout.html", view)?.into_response())
}

pub async fn start_payout(State(state): State<AppState>, scope: ArtistScope) -> AppResult<Response> {
    if let Some(redirect) = earlier_step(&scope) {
        return Ok(redirect);
    }
    let url = service::start_payouts(&state, &scope.artist).await?;
    Ok(Redirect::to(&url).into_response())
}

/// Back from onboarding: ask the provider how the account stands now, so
/// the artist does not wait for a webhook to see the result.
pub async fn return_from_payout(State(state): State<AppState>, scope: ArtistScope) -> AppResult<Response> {
    if let Some(account) = scope.artist.connect_account.clone()
        && let Some(status) = state.payments.account_status(&account).await?
    {
        let db = state.db.clone();
        // Stripe stamps its events to the second: the read counts as of the
        // second it was made, so an event from that same second is a tie.
        let read_at = crate::db::now_ms() / 1000 * 1000;
        tokio::task::spawn_blocking(move || {
            db.write_blocking(Durability::Full, |tx| service::apply_account_status(tx, &account, status, read_at))
        })
        .await
        .map_err(|e| crate::error::AppError::Internal(e.into()))??;
    }
    Ok(Redirect::to("/dashboard").into_response())
}

/// The onboarding link expired: make a fresh one.
pub async fn refresh_payout(state: State<AppState>, scope: ArtistScope) -> AppResult<Response> {
    start_payout(state, scope).await
}
