//! The label admin's music pages: royalty statements in (upload, the
//! imports so far, the rows that matched no track) and the column mappings
//! for statements other than DistroKid's; the delivery log of every release.

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use super::repo::{self, ImportRow, UnmatchedRow};
use super::royalties::reader::ColumnMapping;
use super::royalties::{self, ImportError};
use crate::app::AppState;
use crate::auth::AdminUser;
use crate::error::{AppError, AppResult};
use crate::ledger::Micros;
use crate::web::page::Page;

/// The largest statement accepted through the browser (about 900,000 rows of DistroKid's).
const MAX_STATEMENT_BYTES: usize = 100 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/royalties",
            get(show_imports).post(import_statement).layer(DefaultBodyLimit::max(MAX_STATEMENT_BYTES + 64 * 1024)),
        )
        .route("/admin/royalties/mappings", post(save_mapping))
        .route("/admin/royalties/{id}", get(show_import))
}

#[derive(Serialize)]
struct ImportsView {
    title: &'static str,
    imports: Vec<ImportItem>,
    formats: Vec<String>,
    errors: crate::music::domain::FieldErrors,
    message: Option<String>,
    mapping: MappingForm,
    deliveries: Vec<DeliveryLine>,
}

#[derive(Serialize)]
struct ImportItem {
    id: String,
    file_name: String,
    format: String,
    rows: i64,
    matched: i64,
    unmatched: i64,
    at: String,
}

#[derive(Serialize)]
struct DeliveryLine {
    release: String,
    target: String,
    kind: String,
    status: String,
    attempts: i64,
    error: String,
}

fn item(row: &ImportRow) -> ImportItem {
    ImportItem {
        id: row.uid.clone(),
        file_name: row.file_name.clone(),
        format: row.format.clone(),
        rows: row.rows,
        matched: row.matched,
        unmatched: row.unmatched,
        at: chrono::DateTime::from_timestamp_millis(row.created_at)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default(),
    }
}

async fn imports_view(state: &AppState) -> AppResult<ImportsView> {
    let (imports, mut formats, deliveries) = state
        .db
        .read(|c| Ok((repo::list_imports(c, 50)?, repo::list_mapping_names(c)?, repo::list_recent_deliveries(c, 50)?)))
        .await?;
    formats.insert(0, "distrokid".into());
    Ok(ImportsView {
        title: "Royalties",
        imports: imports.iter().map(item).collect(),
        formats,
        errors: Default::default(),
        message: None,
        mapping: MappingForm { delimiter: ",".into(), fixed_currency: "USD".into(), ..MappingForm::default() },
        deliveries: deliveries
            .into_iter()
            .map(|d| DeliveryLine {
                release: d.release_id.to_string(),
                target: d.target,
                kind: d.kind,
                status: d.status,
                attempts: d.attempts,
                error: d.last_error.unwrap_or_default(),
            })
            .collect(),
    })
}

async fn show_imports(State(state): State<AppState>, page: Page, AdminUser(_admin): AdminUser) -> AppResult<Response> {
    Ok(page.render(&state, "music/royalties.html", imports_view(&state).await?)?.into_response())
}

fn failed(err: ImportError) -> AppError {
    match err {
        ImportError::Db(err) => err.into(),
        other => AppError::invalid("statement", format!("Nothing was imported: {other}")),
    }
}

async fn import_statement(
    State(state): State<AppState>,
    page: Page,
    AdminUser(admin): AdminUser,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let (mut file, mut format) = (None, String::from("distrokid"));
    while let Some(field) = multipart.next_field().await.map_err(|e| AppError::BadRequest(e.body_text()))? {
        match field.name() {
            Some("statement") => {
                let name = field.file_name().unwrap_or("statement").to_owned();
                let bytes = field.bytes().await.map_err(|e| AppError::BadRequest(e.body_text()))?;
                file = Some((name, bytes));
            }
            Some("format") => format = field.text().await.map_err(|e| AppError::BadRequest(e.body_text()))?,
            _ => {}
        }
    }
    let result = match file.filter(|(_, bytes)| !bytes.is_empty()) {
        None => Err(AppError::invalid("statement", "Choose the statement file.")),
        Some((name, bytes)) => match royalties::mapping_named(&state.db, &format) {
            Err(err) => Err(failed(err)),
            Ok(mapping) => royalties::import(&state.db, bytes, name, mapping, Some(admin.id)).await.map_err(failed),
        },
    };
    match result {
        Ok(report) if report.already_imported => {
            Ok(Redirect::to(&format!("/admin/royalties/{}", report.import_uid)).into_response())
        }
        Ok(report) => {
            // The import keeps who made it; the audit log says so beside every other admin action.
            let actor = crate::console::audit::Actor { user_id: Some(admin.id), name: admin.email.clone() };
            let (uid, detail) =
                (report.import_uid.clone(), serde_json::json!({ "format": format, "rows": report.rows }));
            let at = state.clock.now_ms();
            state
                .db
                .write::<_, AppError, _>(move |tx| {
                    let entry = crate::console::audit::Entry {
                        action: "royalties.import",
                        target_kind: "royalty_import",
                        target_uid: &uid,
                        reason: None,
                        detail,
                    };
                    Ok(crate::console::audit::record(tx, &actor, entry, at)?)
                })
                .await?;
            Ok(Redirect::to(&format!("/admin/royalties/{}", report.import_uid)).into_response())
        }
        Err(AppError::Invalid { fields, .. }) => {
            let view = ImportsView { errors: fields, ..imports_view(&state).await? };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(&state, "music/royalties.html", view)?).into_response())
        }
        Err(other) => Err(other),
    }
}

#[derive(Serialize)]
struct ImportView {
    title: String,
    import: ImportItem,
    unmatched: Vec<UnmatchedLine>,
}

#[derive(Serialize)]
struct UnmatchedLine {
    line: i64,
    isrc: String,
    upc: String,
    title: String,
    store: String,
    period: String,
    amount: String,
}

fn unmatched_line(row: UnmatchedRow) -> UnmatchedLine {
    UnmatchedLine {
        line: row.line,
        isrc: row.isrc.unwrap_or_default(),
        upc: row.upc.unwrap_or_default(),
        title: row.title,
        store: row.store,
        period: row.period,
        amount: format!("{} {}", Micros(row.amount_micros), row.currency),
    }
}

async fn show_import(
    State(state): State<AppState>,
    page: Page,
    AdminUser(_admin): AdminUser,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    let (import, unmatched) =
        state.db.read(move |c| Ok((repo::find_import(c, &uid)?, repo::list_unmatched(c, &uid, 1000)?))).await?;
    let import = import.ok_or(AppError::NotFound)?;
    let view = ImportView {
        title: format!("Import of {}", import.file_name),
        import: item(&import),
        unmatched: unmatched.into_iter().map(unmatched_line).collect(),
    };
    Ok(page.render(&state, "music/royalty_import.html", view)?.into_response())
}

/// A column mapping as the form sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
struct MappingForm {
    name: String,
    delimiter: String,
    isrc: String,
    upc: String,
    title: String,
    store: String,
    period: String,
    quantity: String,
    amount: String,
    currency: String,
    fixed_currency: String,
}

impl MappingForm {
    fn parse(&self) -> Result<(String, ColumnMapping), crate::music::domain::FieldErrors> {
        let mut errors = crate::music::domain::FieldErrors::new();
        let name = self.name.trim().to_lowercase();
        if name.is_empty()
            || name == "distrokid"
            || name.len() > 40
            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            errors.insert("name".into(), "A name of letters, digits, - and _ (not \"distrokid\").".into());
        }
        let delimiter = match self.delimiter.as_str() {
            "," => b',',
            ";" => b';',
            "tab" | "\t" => b'\t',
            _ => {
                errors.insert("delimiter".into(), "Choose comma, semicolon or tab.".into());
                b','
            }
        };
        for (field, value) in [("period", &self.period), ("amount", &self.amount)] {
            if value.trim().is_empty() {
                errors.insert(field.into(), "Name the column that holds this.".into());
            }
        }
        if self.isrc.trim().is_empty() && self.upc.trim().is_empty() {
            errors.insert("isrc".into(), "Name the ISRC column, the UPC column, or both.".into());
        }
        let currency = self.fixed_currency.trim().to_uppercase();
        if self.currency.trim().is_empty() && iso_currency::Currency::from_code(&currency).is_none() {
            errors.insert(
                "fixed_currency".into(),
                "Name a currency column, or the statement's currency (e.g. EUR).".into(),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let column = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        Ok((
            name,
            ColumnMapping {
                delimiter,
                isrc: column(&self.isrc),
                upc: column(&self.upc),
                title: column(&self.title),
                store: column(&self.store),
                period: self.period.trim().to_owned(),
                quantity: column(&self.quantity),
                amount: self.amount.trim().to_owned(),
                currency: column(&self.currency),
                fixed_currency: currency,
            },
        ))
    }
}

async fn save_mapping(
    State(state): State<AppState>,
    page: Page,
    AdminUser(admin): AdminUser,
    Form(form): Form<MappingForm>,
) -> AppResult<Response> {
    match form.parse() {
        Ok((name, mapping)) => {
            let json = serde_json::to_string(&mapping).map_err(|e| AppError::Internal(e.into()))?;
            let now = crate::db::now_ms();
            let actor = crate::console::audit::Actor { user_id: Some(admin.id), name: admin.email.clone() };
            state
                .db
                .write::<_, AppError, _>(move |tx| {
                    repo::save_mapping(tx, &name, &json, now)?;
                    let entry = crate::console::audit::Entry {
                        action: "royalties.mapping",
                        target_kind: "royalty_mapping",
                        target_uid: &name,
                        reason: None,
                        detail: serde_json::json!({}),
                    };
                    Ok(crate::console::audit::record(tx, &actor, entry, now)?)
                })
                .await?;
            Ok(Redirect::to("/admin/royalties").into_response())
        }
        Err(errors) => {
            let view = ImportsView { errors, mapping: form, ..imports_view(&state).await? };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(&state, "music/royalties.html", view)?).into_response())
        }
    }
}
