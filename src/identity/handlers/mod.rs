//! Identity's web handlers: thin — extract, call the service, render or redirect.

mod account;
mod auth;
mod dashboard;
mod fan_signup;
mod payout;
mod profile;
mod setup;
mod signup;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::identity::domain::NextPath;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(auth::show_login).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/account/app-token", post(auth::issue_app_token))
        .route("/account", get(account::show_account))
        .route("/account/name", post(account::rename))
        .route("/account/password", post(account::change_password))
        .route("/account/export", get(account::export))
        .route(
            "/account/avatar",
            post(account::set_avatar).layer(DefaultBodyLimit::max(crate::identity::avatar::MAX_BYTES + 64 * 1024)),
        )
        .route("/account/avatar/delete", post(account::remove_avatar))
        .route("/account/delete", post(account::delete))
        .route("/verify-email/{token}", get(account::verify_email))
        .route("/forgot-password", get(auth::show_forgot_password).post(auth::request_reset))
        .route("/reset-password/{token}", get(auth::show_reset_password).post(auth::reset_password))
        .route("/artist/signup", get(signup::show_signup).post(signup::create_artist))
        .route("/signup", get(fan_signup::show_fan_signup).post(fan_signup::create_fan))
        .route("/signup/confirm/{token}", get(signup::show_confirm_signup).post(signup::confirm_signup))
        .route("/artist/signup/confirm/{token}", get(signup::show_confirm_signup).post(signup::confirm_signup))
        .route("/artist/subscription", get(signup::show_subscription))
        .route("/artist/application", get(signup::show_application))
        .route("/artist/subscription/checkout", post(signup::restart_checkout))
        .route(
            "/artist/setup",
            get(setup::show_setup).post(setup::save_setup).layer(DefaultBodyLimit::max(setup::MAX_FORM_BYTES)),
        )
        .route("/artist/payout", get(payout::show_payout))
        .route("/artist/payout/start", post(payout::start_payout))
        .route("/artist/payout/return", get(payout::return_from_payout))
        .route("/artist/payout/refresh", get(payout::refresh_payout))
        .route("/dashboard", get(dashboard::show_dashboard))
        .route("/dashboard/insight", get(dashboard::show_insight_card))
        .route("/@{handle}", get(profile::show_profile))
        .route("/@{handle}/follow", post(profile::follow_artist))
}

/// Keeps a `next` target on this site (see [`NextPath`]).
fn safe_next(next: Option<&str>) -> Option<NextPath> {
    next.and_then(NextPath::parse)
}
