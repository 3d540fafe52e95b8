//! Moderation: fans report what they see (issue 14 item 4, issue 15 item
//! 4); the pillar that owns the content vouches for it through
//! [`crate::pillar::Pillar::report_target`]. The label works through the
//! reports in its console's queue (`queue`, `actions`, `console`): it
//! dismisses them, hides the content (the owning pillar does, through
//! [`crate::pillar::Pillar::moderate`]) or suspends the author; the author
//! is told and may appeal once (`appeals`, `decisions_web`).

pub mod actions;
pub mod api;
pub mod appeals;
mod console;
mod decisions_web;
pub mod domain;
pub mod queue;
pub mod repo;
pub mod service;
mod web;

use axum::Router;

use crate::app::AppState;
use crate::pillar::Pillar;

pub struct ModerationPillar;

pub static PILLAR: ModerationPillar = ModerationPillar;

impl Pillar for ModerationPillar {
    fn name(&self) -> &'static str {
        "moderation"
    }

    fn web(&self) -> Router<AppState> {
        web::router().merge(console::router()).merge(decisions_web::router())
    }

    fn api(&self) -> Router<AppState> {
        api::router()
    }
}
