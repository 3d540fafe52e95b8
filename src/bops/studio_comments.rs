//! `/studio/bops/{id}/comments`: the artist moderates a Bop's thread —
//! pins one comment on top, hides what should not be there, and shows a
//! hidden one again.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use super::comments;
use super::repo::CommentRow;
use crate::app::AppState;
use crate::error::AppResult;
use crate::identity::ArtistScope;
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/studio/bops/{id}/comments", get(show_comments))
        .route("/studio/bops/{id}/comments/{comment}", post(moderate_comment))
}

#[derive(Serialize)]
struct ThreadView {
    title: &'static str,
    bop_id: String,
    caption: String,
    shown: Vec<CommentRow>,
    hidden: Vec<CommentRow>,
}

async fn show_comments(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (bop, shown, hidden) = comments::thread_for_artist(&state, scope.artist.user_id, &id).await?;
    let view = ThreadView { title: "Comments", bop_id: bop.uid, caption: bop.caption, shown, hidden };
    Ok(page.render(&state, "bops/studio_comments.html", view)?.into_response())
}

#[derive(Deserialize)]
struct ModerationForm {
    action: String,
}

async fn moderate_comment(
    State(state): State<AppState>,
    scope: ArtistScope,
    Path((id, comment)): Path<(String, String)>,
    Form(form): Form<ModerationForm>,
) -> AppResult<Response> {
    let user = scope.artist.user_id;
    match form.action.as_str() {
        "pin" => drop(comments::set_comment_pin(&state, user, &id, comment, true).await?),
        "unpin" => drop(comments::set_comment_pin(&state, user, &id, comment, false).await?),
        "hide" => comments::remove_comment(&state, user, &id, comment).await?,
        "show" => comments::unhide_comment(&state, user, &id, comment).await?,
        _ => return Err(crate::error::AppError::invalid("action", "Choose pin, unpin, hide or show.")),
    }
    Ok(Redirect::to(&format!("/studio/bops/{id}/comments")).into_response())
}
