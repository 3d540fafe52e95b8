//! The app surface for Bops: `/api/v1/…`, JSON, bearer tokens.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use super::comments;
use super::service::{self, PublishInput};
use super::uploading;
use super::uploads::UploadStatus;
use super::views::BopView;
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::error::{AppError, AppResult};
use crate::identity::RevenueReady;
use crate::web::deadline::Deadline;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/uploads", post(create_upload))
        .route("/uploads/{id}", get(show_upload).put(append_upload).delete(cancel_upload))
        .route("/uploads/{id}/complete", post(complete_upload))
        .route("/bops", post(create_bop))
        .route("/feed", get(show_feed))
        .route("/bops/{id}", get(show_bop))
        .route("/bops/{id}/like", post(like_bop).delete(unlike_bop))
        .route("/bops/{id}/comments", get(list_comments).post(create_comment))
        .route("/bops/{id}/comments/{comment}", axum::routing::patch(edit_comment).delete(delete_comment))
        .route("/bops/{id}/comments/{comment}/like", post(like_comment).delete(unlike_comment))
        .route("/bops/{id}/comments/{comment}/pin", post(pin_comment).delete(unpin_comment))
        .route("/bops/{id}/views", post(report_view))
        .route("/bops/{id}/tips", post(create_tip))
        .route("/tips/{id}/confirm", post(confirm_tip))
        .route("/tips/options", get(show_tip_options))
}

#[derive(Deserialize)]
pub struct NewUpload {
    pub size: u64,
    /// Ask to send parts straight to storage (granted on S3 with keys).
    #[serde(default)]
    pub direct: bool,
}

async fn create_upload(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Json(body): Json<NewUpload>,
) -> AppResult<(StatusCode, Json<UploadStatus>)> {
    let status = uploading::start(&state, &scope.artist, body.size, body.direct).await?;
    Ok((StatusCode::CREATED, Json(status)))
}

async fn show_upload(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(id): Path<String>,
) -> AppResult<Json<UploadStatus>> {
    Ok(Json(uploading::progress(&state, &scope.artist, &id).await?))
}

#[derive(Deserialize)]
pub struct Offset {
    pub offset: u64,
}

async fn append_upload(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(id): Path<String>,
    Query(at): Query<Offset>,
    deadline: Deadline,
    body: Body,
) -> AppResult<Json<UploadStatus>> {
    Ok(Json(uploading::append(&state, &scope.artist, &id, at.offset, body, &deadline).await?))
}

#[derive(Deserialize)]
pub struct DirectParts {
    pub etags: Vec<String>,
}

async fn complete_upload(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(id): Path<String>,
    Json(body): Json<DirectParts>,
) -> AppResult<Json<UploadStatus>> {
    Ok(Json(uploading::complete(&state, &scope.artist, &id, body.etags).await?))
}

async fn cancel_upload(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    uploading::cancel(&state, &scope.artist, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct NewBop {
    upload_id: String,
    #[serde(default)]
    caption: String,
    #[serde(default)]
    visibility: String,
    /// A JPEG/PNG/WebP poster frame, base64-encoded.
    poster_base64: Option<String>,
    /// One of the artist's published tracks to tag.
    #[serde(default)]
    track: String,
}

async fn create_bop(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Json(body): Json<NewBop>,
) -> AppResult<(StatusCode, Json<BopView>)> {
    let poster = match body.poster_base64 {
        Some(encoded) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|_| AppError::invalid("poster_base64", "The poster is not valid base64."))?
                .into(),
        ),
        None => None,
    };
    let input = PublishInput {
        upload_id: body.upload_id,
        caption: body.caption,
        visibility: body.visibility,
        poster,
        track: body.track,
    };
    let uid = service::publish(&state, &scope.artist, input).await?;
    Ok((StatusCode::CREATED, Json(service::show_bop(&state, &uid, Some(scope.user.id)).await?)))
}

#[derive(Deserialize)]
struct FeedQuery {
    kind: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

async fn show_feed(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<FeedQuery>,
) -> AppResult<Json<super::feed::FeedPage>> {
    let kind = super::feed::FeedKind::parse(query.kind.as_deref())?;
    let limit = query.limit.unwrap_or(20);
    Ok(Json(super::feed::feed(&state, user.id, kind, query.cursor.as_deref(), limit).await?))
}

async fn show_bop(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<BopView>> {
    Ok(Json(service::show_bop(&state, &id, Some(user.id)).await?))
}

async fn like_bop(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let count = service::set_like(&state, user.id, &id, true).await?;
    Ok(Json(json!({ "liked": true, "like_count": count })))
}

async fn unlike_bop(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let count = service::set_like(&state, user.id, &id, false).await?;
    Ok(Json(json!({ "liked": false, "like_count": count })))
}

#[derive(Deserialize)]
struct CommentsQuery {
    after: Option<i64>,
    limit: Option<usize>,
}

async fn list_comments(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Query(query): Query<CommentsQuery>,
) -> AppResult<Json<Value>> {
    let limit = query.limit.unwrap_or(50);
    let comments = comments::list_comments(&state, user.id, &id, query.after.unwrap_or(0), limit).await?;
    // The cursor follows the id-ordered rows; a pinned one leads page one.
    let ordered: Vec<_> = comments.iter().filter(|c| !c.pinned).collect();
    let next = (ordered.len() == limit.clamp(1, 100)).then(|| ordered.last().map(|c| c.id)).flatten();
    Ok(Json(json!({ "items": comments, "next_after": next })))
}

#[derive(Deserialize)]
struct NewComment {
    body: String,
    parent_id: Option<String>,
}

async fn create_comment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(body): Json<NewComment>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let comment = comments::add_comment(&state, user.id, &id, body.parent_id, &body.body).await?;
    Ok((StatusCode::CREATED, Json(json!(comment))))
}

#[derive(Deserialize)]
struct CommentEdit {
    body: String,
}

async fn edit_comment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, comment)): Path<(String, String)>,
    Json(body): Json<CommentEdit>,
) -> AppResult<Json<Value>> {
    Ok(Json(json!(comments::edit_comment(&state, user.id, &id, comment, &body.body).await?)))
}

async fn delete_comment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, comment)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    comments::remove_comment(&state, user.id, &id, comment).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn like_comment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, comment)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    comments::set_comment_like(&state, user.id, &id, comment, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn unlike_comment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, comment)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    comments::set_comment_like(&state, user.id, &id, comment, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn pin_comment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, comment)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    Ok(Json(json!(comments::set_comment_pin(&state, user.id, &id, comment, true).await?)))
}

async fn unpin_comment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, comment)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    Ok(Json(json!(comments::set_comment_pin(&state, user.id, &id, comment, false).await?)))
}

#[derive(Deserialize)]
pub struct ViewReport {
    pub watched_ms: i64,
}

async fn report_view(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(body): Json<ViewReport>,
) -> AppResult<Json<Value>> {
    let counted = service::record_view(&state, format!("u:{}", user.id.0), Some(user.id), &id, body.watched_ms).await?;
    Ok(Json(json!({ "counted": counted })))
}

#[derive(Deserialize)]
struct NewTip {
    amount_minor: i64,
    #[serde(default)]
    message: String,
    #[serde(default = "shown_on_wall")]
    show_on_wall: bool,
}

fn shown_on_wall() -> bool {
    true
}

async fn create_tip(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    crate::web::client_ip::ClientIp(client): crate::web::client_ip::ClientIp,
    Path(id): Path<String>,
    Json(body): Json<NewTip>,
) -> AppResult<(StatusCode, Json<super::tips::TipStarted>)> {
    let request = super::tips::TipRequest {
        amount_minor: body.amount_minor,
        message: body.message,
        show_on_wall: body.show_on_wall,
    };
    let started = super::tips::start_tip(&state, &user, &id, request, client).await?;
    Ok((StatusCode::CREATED, Json(started)))
}

async fn confirm_tip(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    super::tips::confirm_sandbox_tip(&state, &user, id).await?;
    Ok(Json(json!({ "status": "succeeded" })))
}

async fn show_tip_options(State(state): State<AppState>, ApiUser(_user): ApiUser) -> Json<Value> {
    let tips = &super::state(&state).config.tips;
    Json(json!({
        "presets_minor": tips.presets_minor,
        "min_minor": tips.min_minor,
        "max_minor": tips.max_minor,
        "currency": tips.currency,
        "sandbox": state.payments.is_sandbox(),
    }))
}
