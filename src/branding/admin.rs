//! `/admin/label`: the console's branding form. A save changes what every
//! page, email and the manifest show at once, and leaves an audit row
//! `label.update` naming the fields that changed.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::domain::LabelInput;
use super::images;
use super::service::{self, LabelChange};
use crate::app::AppState;
use crate::console::Admin;
use crate::console::audit::{self, Entry};
use crate::error::{AppError, AppResult};
use crate::web::brand::{MAX_HOME_TEXT_CHARS, MAX_NAME_CHARS, MAX_PAGE_TEXT_CHARS, MIN_CONTRAST};
use crate::web::multipart::{bad_form, read_capped, read_text};
use crate::web::page::Page;

/// The whole form may be this large: an over-size image is drained, not
/// kept, so the fields after it still arrive and the form comes back with
/// a field error instead of a bare 413.
const MAX_FORM_BYTES: usize = 32 * 1024 * 1024;
/// All text fields together (four long texts of up to 50,000 characters).
const MAX_TEXT_BYTES: usize = 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/label", get(show_label).post(save_label).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)))
}

#[derive(Deserialize)]
pub struct ShowQuery {
    /// After a save: the fields that changed, comma-separated ("" = none).
    saved: Option<String>,
}

#[derive(Serialize)]
struct LabelView {
    title: &'static str,
    input: LabelInput,
    errors: BTreeMap<String, String>,
    /// What the notice says after a save.
    saved: Option<Vec<String>>,
    image_max_bytes: usize,
    max_name: usize,
    max_home_text: usize,
    max_page_text: usize,
    min_contrast: f64,
}

fn view(input: LabelInput, errors: BTreeMap<String, String>, saved: Option<Vec<String>>) -> LabelView {
    LabelView {
        title: "Branding",
        input,
        errors,
        saved,
        image_max_bytes: images::MAX_BYTES,
        max_name: MAX_NAME_CHARS,
        max_home_text: MAX_HOME_TEXT_CHARS,
        max_page_text: MAX_PAGE_TEXT_CHARS,
        min_contrast: MIN_CONTRAST,
    }
}

async fn show_label(
    State(state): State<AppState>,
    page: Page,
    _admin: Admin,
    Query(query): Query<ShowQuery>,
) -> AppResult<Response> {
    let values = service::current_values(&state).await?;
    let saved = query.saved.map(|keys| keys.split(',').filter(|k| !k.is_empty()).map(field_name).collect());
    Ok(page
        .render(&state, "branding/admin.html", view(LabelInput::of(&values), BTreeMap::new(), saved))?
        .into_response())
}

async fn save_label(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    multipart: Multipart,
) -> AppResult<Response> {
    let (change, too_large) = read_form(multipart).await?;
    let input = change.input.clone();
    let mut errors = BTreeMap::new();
    for key in too_large {
        errors.insert(key.to_owned(), images::too_large());
    }
    let outcome = if errors.is_empty() {
        let actor = admin.actor();
        let record = move |tx: &crate::db::Tx, keys: &[&'static str], now: i64| {
            let detail = serde_json::json!({ "changed": keys });
            let entry =
                Entry { action: "label.update", target_kind: "label", target_uid: "label", reason: None, detail };
            audit::record(tx, &actor, entry, now)
        };
        service::save(&state, admin.user.id, change, record).await
    } else {
        // An over-size image is refused unread; the text is still checked,
        // so every problem shows at once.
        Err(AppError::Invalid { message: String::new(), fields: input.parse().err().unwrap_or_default() })
    };
    match outcome {
        Ok(keys) => Ok(Redirect::to(&format!("/admin/label?saved={}", keys.join(","))).into_response()),
        Err(AppError::Invalid { fields, .. }) => {
            errors.extend(fields);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            Ok((status, page.render(&state, "branding/admin.html", view(input, errors, None))?).into_response())
        }
        Err(other) => Err(other),
    }
}

/// How the notice names a changed field.
fn field_name(key: &str) -> String {
    match key {
        "name" => "name",
        "accent" => "accent colour",
        "logo" => "logo",
        "favicon" => "favicon",
        "home_text" => "home page text",
        "about" => "about page",
        "terms" => "terms",
        "privacy" => "privacy notice",
        _ => "settings",
    }
    .to_owned()
}

/// Reads the multipart form: text fields into the input, the images as
/// bytes (each at most `images::MAX_BYTES`; a larger one is named in the
/// second value and not kept).
async fn read_form(mut multipart: Multipart) -> AppResult<(LabelChange, Vec<&'static str>)> {
    let mut change = LabelChange { input: LabelInput::default(), logo: None, favicon: None };
    let mut too_large = Vec::new();
    let mut text_budget = MAX_TEXT_BYTES;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // The body outgrew even the form limit behind an over-size image.
            Err(_) if !too_large.is_empty() => break,
            Err(err) => return Err(bad_form(err)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let key: &'static str = match name.as_str() {
            "logo" => "logo",
            "favicon" => "favicon",
            _ => {
                let value = read_text(field, &mut text_budget).await?;
                change.input.set(&name, value);
                continue;
            }
        };
        match read_capped(field, images::MAX_BYTES).await? {
            Some(bytes) if key == "logo" => change.logo = Some(bytes),
            Some(bytes) => change.favicon = Some(bytes),
            None => too_large.push(key),
        }
    }
    Ok((change, too_large))
}
