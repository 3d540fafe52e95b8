//! Fans join on the web (`/signup`): email, password, display name, then
//! the emailed link (the same confirmation as artists', with no plan) and
//! straight into `/app`.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::auth::home_for;
use super::signup::{Asked, ask_to_sign_up};
use crate::app::AppState;
use crate::auth::{MaybeUser, Role};
use crate::error::AppResult;
use crate::identity::limits::ClientIp;
use crate::identity::service::SignupInput;
use crate::web::page::Page;

#[derive(Serialize, Default)]
struct FanSignupView {
    title: &'static str,
    email: String,
    display_name: String,
    sent: bool,
    errors: BTreeMap<String, String>,
}

/// The page's title; its heading names the label.
const TITLE: &str = "Join as a fan";

pub async fn show_fan_signup(
    State(state): State<AppState>,
    page: Page,
    MaybeUser(user): MaybeUser,
) -> AppResult<Response> {
    if let Some(user) = user {
        return Ok(Redirect::to(home_for(user.role)).into_response());
    }
    let view = FanSignupView { title: TITLE, ..Default::default() };
    Ok(page.render(&state, "identity/fan_signup.html", view)?.into_response())
}

#[derive(Deserialize)]
pub struct FanSignupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    display_name: String,
}

/// Answers "check your email" whether or not the address has an account.
pub async fn create_fan(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    page: Page,
    Form(form): Form<FanSignupForm>,
) -> AppResult<Response> {
    let input = SignupInput {
        email: form.email.clone(),
        password: form.password,
        tier: String::new(),
        display_name: form.display_name.clone(),
        role: Role::Fan,
        invite: None,
    };
    let view = match ask_to_sign_up(&state, ip, input).await? {
        Asked::Sent => FanSignupView { title: "Check your email", email: form.email, sent: true, ..Default::default() },
        Asked::Refused(errors) => {
            FanSignupView { title: TITLE, email: form.email, display_name: form.display_name, sent: false, errors }
        }
    };
    let status = if view.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, page.render(&state, "identity/fan_signup.html", view)?).into_response())
}
