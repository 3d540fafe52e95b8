//! `Page`: what every rendered page needs from the request — the CSRF token
//! for its forms and the signed-in user (with their unread notices) for the
//! header.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;
use serde::Serialize;

use crate::app::AppState;
use crate::auth::MaybeUser;
use crate::error::{AppError, AppResult};
use crate::web::csrf::CsrfToken;

pub struct Page {
    pub csrf_token: String,
    pub user: Option<PageUser>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageUser {
    pub email: String,
    pub role: &'static str,
    /// Unread notices, for the header's "Notifications" link: one
    /// primary-key lookup of the counter notify keeps.
    pub unread_notifications: i64,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let csrf_token = parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        let user = match user {
            Some(u) => {
                let id = u.id.0;
                let unread_notifications =
                    state.db.read_now(move |c| crate::notify::repo::feed::unread_count(c, id)).await?;
                Some(PageUser { email: u.email, role: u.role.as_str(), unread_notifications })
            }
            None => None,
        };
        Ok(Page { csrf_token, user })
    }
}

impl Page {
    /// The page for a signed-out visitor of a page without forms: no CSRF
    /// token in it, so every such visitor gets the same page, which is then
    /// rendered once while its content stays the same (`web::rendered`) —
    /// each new visitor carries a new token, and with it the whole page
    /// would be rendered for each. A form added to such a page would be
    /// refused (no token), so a test catches the mistake at once.
    pub fn without_forms(self) -> Page {
        Page { csrf_token: String::new(), ..self }
    }

    /// Renders `template` with `data` plus `csrf_token` and `current_user`.
    pub fn render(&self, state: &AppState, template: &str, data: impl Serialize) -> AppResult<Html<String>> {
        let context = minijinja::context! {
            csrf_token => &self.csrf_token,
            current_user => &self.user,
            ..minijinja::Value::from_serialize(&data)
        };
        state.views.render(template, context)
    }
}
