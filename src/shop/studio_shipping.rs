//! Shipping zones in the studio: countries → a flat rate for the first
//! item, a rate per additional item, free above an amount.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use super::domain::{FieldErrors, is_country};
use super::repo::{self, ZoneRow};
use crate::app::AppState;
use crate::core::Currency;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::identity::RevenueReady;
use crate::web::money::format_money;
use crate::web::page::Page;
use crate::web::text::{Lines, clean_text};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/studio/shop/shipping", get(show_zones).post(add_zone))
        .route("/studio/shop/shipping/{id}/delete", post(delete_zone))
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ZoneInput {
    pub name: String,
    /// "US, CA", or "*" for everywhere else.
    pub countries: String,
    pub first_item: String,
    pub additional_item: String,
    pub free_above: String,
}

impl ZoneInput {
    pub fn parse(&self, currency: Currency) -> Result<ZoneRow, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = match clean_text(&self.name, Lines::Single) {
            Ok(name) if !name.is_empty() && name.chars().count() <= 60 => name,
            _ => {
                errors.insert("name".into(), "Name the zone (up to 60 characters), e.g. Domestic.".into());
                String::new()
            }
        };
        let mut countries: Vec<String> = Vec::new();
        for code in self.countries.split([',', ' ']).map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty()) {
            if code != "*" && !is_country(&code) {
                errors.insert(
                    "countries".into(),
                    format!("{code} is not a two-letter country code (or * for everywhere else)."),
                );
            } else if !countries.contains(&code) {
                countries.push(code);
            }
        }
        if countries.is_empty() {
            errors.insert("countries".into(), "List the countries, like US, CA — or * for everywhere else.".into());
        }
        let mut amount = |field: &str, raw: &str, required: bool| -> Option<i64> {
            if raw.trim().is_empty() && !required {
                return None;
            }
            currency.parse_amount(raw).map_err(|e| errors.insert(field.into(), e.to_string())).ok()
        };
        let first = amount("first_item", &self.first_item, true);
        let additional = amount(
            "additional_item",
            if self.additional_item.trim().is_empty() { "0" } else { &self.additional_item },
            true,
        );
        let free_above = amount("free_above", &self.free_above, false);
        match (first, additional, errors.is_empty()) {
            (Some(first), Some(additional), true) => Ok(ZoneRow {
                uid: crate::core::new_uid(),
                name,
                countries,
                currency: currency.code().to_owned(),
                first_item_minor: first,
                additional_item_minor: additional,
                free_above_minor: free_above,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Serialize)]
struct ZoneLine {
    id: String,
    name: String,
    countries: String,
    rate: String,
}

#[derive(Serialize)]
struct ZonesView {
    title: &'static str,
    zones: Vec<ZoneLine>,
    input: ZoneInput,
    errors: FieldErrors,
    currency: String,
}

fn line(zone: &ZoneRow) -> ZoneLine {
    let money = |minor| format_money(minor, &zone.currency);
    let mut rate =
        format!("{} first item, {} each additional", money(zone.first_item_minor), money(zone.additional_item_minor));
    if let Some(free) = zone.free_above_minor {
        rate.push_str(&format!(", free from {}", money(free)));
    }
    let countries = if zone.countries == ["*"] { "Everywhere else".to_owned() } else { zone.countries.join(", ") };
    ZoneLine { id: zone.uid.clone(), name: zone.name.clone(), countries, rate }
}

async fn render(
    state: &AppState,
    page: &Page,
    artist: crate::core::ids::ArtistId,
    input: ZoneInput,
    errors: FieldErrors,
) -> AppResult<Response> {
    let zones = state.db.read(move |c| repo::zones_of(c, artist)).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let view = ZonesView {
        title: "Shipping",
        zones: zones.iter().map(line).collect(),
        input,
        errors,
        currency: super::state(state).config.currency.clone(),
    };
    Ok((status, page.render(state, "shop/shipping.html", view)?).into_response())
}

async fn show_zones(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
) -> AppResult<Response> {
    render(
        &state,
        &page,
        scope.artist.id,
        ZoneInput { additional_item: "0".into(), ..ZoneInput::default() },
        FieldErrors::new(),
    )
    .await
}

async fn add_zone(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Form(input): Form<ZoneInput>,
) -> AppResult<Response> {
    let artist = scope.artist.id;
    let zone = match input.parse(super::state(&state).config.currency()) {
        Ok(zone) => zone,
        Err(errors) => return render(&state, &page, artist, input, errors).await,
    };
    let added = state
        .db
        .write::<_, AppError, _>(move |tx| {
            let zones = repo::zones_of(tx, artist)?;
            if zones.len() >= 50 {
                return Ok(Err(FieldErrors::from([("name".to_owned(), "A shop has at most 50 zones.".to_owned())])));
            }
            if let Some(code) = zone.countries.iter().find(|c| zones.iter().any(|z| z.countries.contains(c))) {
                let why = format!("{} is already in another zone.", if code == "*" { "Everywhere else" } else { code });
                return Ok(Err(FieldErrors::from([("countries".to_owned(), why)])));
            }
            repo::insert_zone(tx, artist, &zone, now_ms())?;
            Ok(Ok(()))
        })
        .await?;
    match added {
        Ok(()) => Ok(Redirect::to("/studio/shop/shipping").into_response()),
        Err(errors) => render(&state, &page, artist, input, errors).await,
    }
}

async fn delete_zone(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    let artist = scope.artist.id;
    let removed =
        state.db.write::<_, AppError, _>(move |tx| Ok(repo::delete_zone(tx, artist, &uid, now_ms())?)).await?;
    if !removed {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/studio/shop/shipping").into_response())
}
