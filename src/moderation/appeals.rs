//! The author's side of a decision: they read what was done and why, and
//! may appeal a hide or a suspension once, in their words. Only the author
//! sees it: signed in as themselves, or holding the key their email
//! carried (a disabled account cannot sign in, and may still appeal).

use serde::Serialize;

use super::queue::{DecisionView, decision_view, what};
use super::repo::decisions::{self, DecisionRow};
use super::repo::items;
use crate::app::AppState;
use crate::auth::hash_token;
use crate::core::ids::UserId;
use crate::error::{AppError, AppResult};

/// How the viewer shows they are the author.
#[derive(Debug, Clone, Default)]
pub struct Proof {
    pub user: Option<UserId>,
    pub key: Option<String>,
}

impl Proof {
    fn opens(&self, decision: &DecisionRow) -> bool {
        self.user == Some(decision.author)
            || self.key.as_deref().is_some_and(|key| !key.is_empty() && hash_token(key) == decision.key_hash)
    }
}

#[derive(Debug, Serialize)]
pub struct AuthorView {
    pub what: String,
    pub excerpt: String,
    pub link: String,
    pub hidden: bool,
    pub decision: DecisionView,
}

/// The decision `uid` as its author reads it; anyone else gets 404.
pub async fn show(state: &AppState, uid: String, proof: Proof) -> AppResult<AuthorView> {
    state
        .db
        .read(move |c| {
            let Some(decision) = decisions::find_decision(c, &uid)?.filter(|d| proof.opens(d)) else {
                return Ok(None);
            };
            let Some(item) = items::find_item_by_id(c, decision.item_id)? else { return Ok(None) };
            Ok::<_, rusqlite::Error>(Some(AuthorView {
                what: what(&item.kind).to_lowercase(),
                excerpt: item.excerpt,
                link: item.link,
                hidden: item.hidden,
                decision: decision_view(c, decision)?,
            }))
        })
        .await?
        .ok_or(AppError::NotFound)
}

/// The author's one appeal; a second is refused and changes nothing.
pub async fn appeal(state: &AppState, uid: String, proof: Proof, text: String) -> AppResult<()> {
    let now = state.clock.now_ms();
    state
        .db
        .write(move |tx| {
            let decision = decisions::find_decision(tx, &uid)?.filter(|d| proof.opens(d)).ok_or(AppError::NotFound)?;
            if !super::queue::appealable(&decision.action) {
                return Err(AppError::invalid("appeal", "Only hiding your content or suspending you can be appealed."));
            }
            if !decisions::insert_appeal(tx, decision.id, &text, now)? {
                return Err(AppError::invalid(
                    "appeal",
                    "You have appealed this decision already; each decision can be appealed once.",
                ));
            }
            items::set_appeal_pending(tx, decision.item_id, true, now)?;
            Ok(())
        })
        .await
}
