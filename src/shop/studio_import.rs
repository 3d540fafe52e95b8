//! The Shopify import in the studio: upload a product CSV export, see what
//! was created and updated, every skipped row with its line and reason,
//! and the images that could not be imported.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::import::{self, Images, ImportReport, Parts};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::RevenueReady;
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/studio/shop/import",
        get(show_import).post(run_import).layer(DefaultBodyLimit::max(super::shopify::MAX_FILE_BYTES + 64 * 1024)),
    )
}

#[derive(Serialize)]
struct ImportView {
    title: &'static str,
    report: Option<ImportReport>,
    error: Option<String>,
    history: Vec<(String, String)>,
}

async fn history(state: &AppState, artist: crate::core::ids::ArtistId) -> AppResult<Vec<(String, String)>> {
    let rows: Vec<(String, i64, i64, i64, i64)> = state
        .db
        .read(move |c| {
            c.prepare_cached(
                "SELECT file_name, created, updated, skipped, created_at FROM shopify_integration WHERE artist_id = ?1
                 ORDER BY id DESC LIMIT 10",
            )?
            .query_map([artist], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
            .collect()
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(name, created, updated, skipped, at)| {
            let when = chrono::DateTime::from_timestamp_millis(at)
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default();
            (name, format!("{when}: {created} created, {updated} updated, {skipped} rows skipped"))
        })
        .collect())
}

async fn show_import(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
) -> AppResult<Response> {
    let view = ImportView {
        title: "Import from Shopify",
        report: None,
        error: None,
        history: history(&state, scope.artist.id).await?,
    };
    Ok(page.render(&state, "shop/import.html", view)?.into_response())
}

async fn run_import(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let mut file = None;
    let mut images = Images::Skip;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("file") => {
                let name = super::studio_files::clean_file_name(field.file_name().unwrap_or("products.csv"));
                let bytes =
                    field.bytes().await.map_err(|_| AppError::invalid("file", "The upload was cut off; try again."))?;
                file = Some((name, bytes.to_vec()));
            }
            Some("images") => images = Images::Fetch,
            _ => {}
        }
    }
    let result = match file {
        Some((name, bytes)) if !bytes.is_empty() => {
            import::import_shopify(Parts::of(&state), &scope.artist, name, bytes, images).await
        }
        _ => Err(AppError::invalid("file", "Choose the CSV file Shopify exported (Products → Export).")),
    };
    let artist = scope.artist.id;
    let (status, report, error) = match result {
        Ok(report) => (StatusCode::OK, Some(report), None),
        Err(AppError::Invalid { message, .. }) => (StatusCode::UNPROCESSABLE_ENTITY, None, Some(message)),
        Err(err) => return Err(err),
    };
    let view = ImportView { title: "Import from Shopify", report, error, history: history(&state, artist).await? };
    Ok((status, page.render(&state, "shop/import.html", view)?).into_response())
}
