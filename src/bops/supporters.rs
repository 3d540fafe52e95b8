//! Tips, Ko-fi style: the fan's message with a tip, a receipt (by email
//! once paid, and in the app), the fan's tip history, and the artist's
//! supporters — every message in the studio, and a public wall at
//! `/@handle/supporters` the artist switches on, showing the tips whose
//! fans agreed to be named (names and messages, never amounts).

use crate::db::CachedSql;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::tips::BopTipReceived;
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::core::ids::{ArtistId, UserId};
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::events::{PlatformEvent, Registry};
use crate::identity::session::ArtistScope;
use crate::web::money::format_money;
use crate::web::page::Page;
use crate::web::text::{Lines, clean_text};

/// The longest tip message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 280;
/// Rows per page of a history or wall.
const PAGE: usize = 30;

/// A tip's message as typed, checked: one line, no control characters, at
/// most [`MAX_MESSAGE_CHARS`]; empty is fine.
pub fn parse_message(raw: &str) -> AppResult<String> {
    let text = clean_text(raw, Lines::Single).map_err(|e| AppError::invalid("message", e))?;
    let n = text.chars().count();
    if n > MAX_MESSAGE_CHARS {
        return Err(AppError::invalid(
            "message",
            format!("Keep the message to {MAX_MESSAGE_CHARS} characters (this one has {n})."),
        ));
    }
    Ok(text)
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/tips", get(list_my_tips)).route("/tips/{id}", get(show_receipt))
}

pub fn web_router() -> Router<AppState> {
    Router::new()
        .route("/@{handle}/supporters", get(show_wall))
        .route("/studio/supporters", get(show_studio_supporters).post(set_wall))
}

pub fn register(registry: &mut Registry) {
    registry.on(BopTipReceived::TYPE, "bops.tip_receipt", |tx, event| {
        let tip: BopTipReceived = serde_json::from_value(event.payload.clone())?;
        email_receipt(tx, &tip)?;
        Ok(())
    });
}

/// A tip as its fan sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub id: String,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub amount: String,
    pub message: String,
    pub show_on_wall: bool,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub bop: ReceiptBop,
    pub artist: ReceiptArtist,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceiptBop {
    pub id: String,
    pub caption: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceiptArtist {
    pub name: String,
    pub handle: String,
}

const RECEIPT: &str = "SELECT t.id, t.uid, t.status, t.amount_minor, t.currency, t.message, t.on_wall, t.created_at,
        t.succeeded_at, b.uid, b.caption, coalesce(a.stage_name, ''), coalesce(a.handle, '')
    FROM bops_tips t JOIN bops_videos b ON b.id = t.bop_id JOIN artist_profiles a ON a.id = t.artist_id";

fn receipt_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Receipt)> {
    let (amount_minor, currency): (i64, String) = (r.get(3)?, r.get(4)?);
    Ok((
        r.get(0)?,
        Receipt {
            id: r.get(1)?,
            status: r.get(2)?,
            amount: format_money(amount_minor, &currency),
            amount_minor,
            currency,
            message: r.get(5)?,
            show_on_wall: r.get(6)?,
            created_at: r.get(7)?,
            paid_at: r.get(8)?,
            bop: ReceiptBop { id: r.get(9)?, caption: r.get(10)? },
            artist: ReceiptArtist { name: r.get(11)?, handle: r.get(12)? },
        },
    ))
}

/// One of the fan's own tips (anyone else's: None).
pub fn find_receipt(conn: &Connection, fan: UserId, uid: &str) -> rusqlite::Result<Option<Receipt>> {
    conn.prepare_cached(&format!("{RECEIPT} WHERE t.uid = ?1 AND t.fan_user_id = ?2"))?
        .query_row(params![uid, fan], receipt_row)
        .optional()
        .map(|found| found.map(|(_, r)| r))
}

/// The fan's tips, newest first, before the tip `before` (its uid).
fn list_receipts(
    conn: &Connection,
    fan: UserId,
    before: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<(i64, Receipt)>> {
    let before_id: i64 = match before {
        Some(uid) => conn
            .prepare_cached("SELECT id FROM bops_tips WHERE uid = ?1 AND fan_user_id = ?2")?
            .query_row(params![uid, fan], |r| r.get(0))
            .optional()?
            .unwrap_or(0),
        None => i64::MAX,
    };
    conn.prepare_cached(&format!("{RECEIPT} WHERE t.fan_user_id = ?1 AND t.id < ?2 ORDER BY t.id DESC LIMIT ?3"))?
        .query_map(params![fan, before_id, limit as i64], receipt_row)?
        .collect()
}

#[derive(Deserialize)]
struct PageQuery {
    before: Option<String>,
}

#[derive(Serialize)]
struct ReceiptsPage {
    items: Vec<Receipt>,
    next_cursor: Option<String>,
}

/// `GET /api/v1/tips`: the fan's tips, newest first, `PAGE` at a time.
async fn list_my_tips(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<PageQuery>,
) -> AppResult<Json<ReceiptsPage>> {
    let fan = user.id;
    let mut rows = state.db.read(move |c| list_receipts(c, fan, query.before.as_deref(), PAGE + 1)).await?;
    let more = rows.len() > PAGE;
    rows.truncate(PAGE);
    let next_cursor = more.then(|| rows.last().map(|(_, r)| r.id.clone())).flatten();
    Ok(Json(ReceiptsPage { items: rows.into_iter().map(|(_, r)| r).collect(), next_cursor }))
}

/// `GET /api/v1/tips/{id}`: a receipt of one of the fan's own tips.
async fn show_receipt(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Receipt>> {
    let fan = user.id;
    let found = state.db.read(move |c| find_receipt(c, fan, &id)).await?;
    Ok(Json(found.ok_or(AppError::NotFound)?))
}

/// The fan's receipt by email, once the tip is paid.
fn email_receipt(tx: &Tx, tip: &BopTipReceived) -> rusqlite::Result<()> {
    let fan = UserId(tip.fan_user_id);
    let Some(receipt) = find_receipt(tx, fan, &tip.tip_uid)? else { return Ok(()) };
    let Some((email, _)) = crate::identity::service::user_contact(tx, fan)? else { return Ok(()) };
    let when = chrono::DateTime::from_timestamp_millis(receipt.paid_at.unwrap_or(receipt.created_at))
        .map(|t| t.format("%d %B %Y, %H:%M UTC").to_string())
        .unwrap_or_default();
    let message =
        if receipt.message.is_empty() { String::new() } else { format!("Your message: {}\n", receipt.message) };
    let body = format!(
        "Thank you for supporting {}!\n\nTip: {}\nOn: {}\nPaid: {when}\n{message}Receipt number: {}\n\n\
         The artist receives the tip less the platform's fee. Your tips are listed in the app under \"My tips\".\n",
        receipt.artist.name, receipt.amount, receipt.bop.caption, receipt.id
    );
    crate::notify::queue_mail(tx, &email, &format!("Your tip to {}: {}", receipt.artist.name, receipt.amount), &body)
}

/// A supporter as the wall and the studio show them.
#[derive(Debug, Clone, Serialize)]
pub struct Supporter {
    pub name: String,
    pub message: String,
    pub at: i64,
    /// The studio only: the amount and whether the fan is on the wall.
    pub amount: Option<String>,
    pub on_wall: bool,
}

fn wall_enabled(conn: &Connection, artist: ArtistId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM bops_supporter_walls WHERE artist_id = ?1")?.exists([artist])
}

/// The artist's paid tips, newest first; `wall`: only those whose fans
/// agreed to be shown, without amounts.
fn list_supporters(conn: &Connection, artist: ArtistId, wall: bool, limit: usize) -> rusqlite::Result<Vec<Supporter>> {
    let only = if wall { "AND t.on_wall = 1" } else { "" };
    conn.prepare_cached(&format!(
        "SELECT coalesce(nullif(u.display_name, ''), 'A fan'), t.message, t.succeeded_at, t.amount_minor, t.currency, t.on_wall
         FROM bops_tips t JOIN users u ON u.id = t.fan_user_id
         WHERE t.artist_id = ?1 AND t.status = 'succeeded' {only} AND u.deleted_at IS NULL
         ORDER BY t.succeeded_at DESC, t.id DESC LIMIT ?2"
    ))?
    .query_map(params![artist, limit as i64], |r| {
        let (minor, currency): (i64, String) = (r.get(3)?, r.get(4)?);
        Ok(Supporter {
            name: r.get(0)?,
            message: r.get(1)?,
            at: r.get(2)?,
            amount: (!wall).then(|| format_money(minor, &currency)),
            on_wall: r.get(5)?,
        })
    })?
    .collect()
}

#[derive(Serialize)]
struct WallView {
    title: String,
    name: String,
    handle: String,
    enabled: bool,
    supporters: Vec<Supporter>,
}

/// `GET /@{handle}/supporters`: the public wall, when the artist has it on.
async fn show_wall(State(state): State<AppState>, page: Page, Path(handle): Path<String>) -> AppResult<Response> {
    let handle = handle.trim_start_matches('@').to_owned();
    let (artist, enabled, supporters) = state
        .db
        .read(move |c| {
            let Some(artist) = crate::identity::service::public_artist_by_handle(c, &handle)? else {
                return Ok::<_, rusqlite::Error>(None);
            };
            let enabled = wall_enabled(c, artist.id)?;
            let supporters = if enabled { list_supporters(c, artist.id, true, PAGE)? } else { Vec::new() };
            Ok(Some((artist, enabled, supporters)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let name = artist.stage_name.clone().unwrap_or_default();
    let view = WallView {
        title: format!("{name}'s supporters"),
        handle: artist.handle.clone().unwrap_or_default(),
        name,
        enabled,
        supporters,
    };
    Ok(page.render(&state, "bops/supporters.html", view)?.into_response())
}

#[derive(Serialize)]
struct StudioSupportersView {
    title: &'static str,
    handle: String,
    enabled: bool,
    supporters: Vec<Supporter>,
}

/// `GET /studio/supporters`: every paid tip with its message, and the
/// wall's switch.
async fn show_studio_supporters(State(state): State<AppState>, page: Page, scope: ArtistScope) -> AppResult<Response> {
    let artist = scope.artist.id;
    let (enabled, supporters) = state
        .db
        .read(move |c| Ok::<_, rusqlite::Error>((wall_enabled(c, artist)?, list_supporters(c, artist, false, 100)?)))
        .await?;
    let view = StudioSupportersView {
        title: "Supporters",
        handle: scope.artist.handle.clone().unwrap_or_default(),
        enabled,
        supporters,
    };
    Ok(page.render(&state, "bops/studio_supporters.html", view)?.into_response())
}

#[derive(Deserialize)]
struct WallForm {
    #[serde(default)]
    wall: String,
}

/// `POST /studio/supporters` (`wall` = `on` | `off`): switches the wall.
async fn set_wall(
    State(state): State<AppState>,
    scope: ArtistScope,
    Form(form): Form<WallForm>,
) -> AppResult<Response> {
    let on = match form.wall.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AppError::invalid("wall", "Choose on or off.")),
    };
    let artist = scope.artist.id;
    let now = state.clock.now_ms();
    state
        .db
        .write(move |tx| {
            if on {
                tx.execute_cached(
                    "INSERT INTO bops_supporter_walls (artist_id, enabled_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![artist, now],
                )?;
            } else {
                tx.execute_cached("DELETE FROM bops_supporter_walls WHERE artist_id = ?1", [artist])?;
            }
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(Redirect::to("/studio/supporters").into_response())
}
