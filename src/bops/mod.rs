//! Bops: short vertical videos — posting, playback, likes, comments, views.

pub mod access;
pub mod api;
pub mod domain;
pub mod events;
pub mod fanout;
pub mod jobs;
mod poster;
pub mod probe;
pub mod repo;
pub mod service;
mod studio;
pub mod tips;
pub mod uploads;
pub mod views;

use axum::Router;

use crate::app::AppState;

pub use fanout::register;

pub fn router() -> Router<AppState> {
    Router::new().merge(api::router()).merge(studio::router())
}
