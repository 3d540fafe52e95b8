//! Moderation: fans report what they see (issue 14 item 4, issue 15 item
//! 4); the pillar that owns the content vouches for it through
//! [`crate::pillar::Pillar::report_target`]. The label's queue and its
//! actions build on the reports kept here.

pub mod api;
pub mod domain;
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
        web::router()
    }

    fn api(&self) -> Router<AppState> {
        api::router()
    }
}
