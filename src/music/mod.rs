//! Music: releases, tracks, ISRC/UPC, DDEX ERN 4.3 delivery, streaming,
//! royalties and splits, playlists.

mod api;
pub mod artwork;
pub mod codes;
pub mod config;
pub mod domain;
pub mod repo;
pub mod service;
mod studio;
pub mod views;

use std::time::Duration;

use axum::Router;
use futures::future::BoxFuture;
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::config::{Config, ConfigError};
use crate::error::AppResult;
use crate::media::{Audience, Grant, MediaKey};
use crate::pillar::{Install, Pillar};

pub use config::MusicConfig;
use domain::ReleaseStatus;

/// Music's share of the application state.
pub struct MusicState {
    pub config: MusicConfig,
}

pub fn state(state: &AppState) -> &MusicState {
    state.substate::<MusicState>()
}

pub struct MusicPillar;

pub static PILLAR: MusicPillar = MusicPillar;

impl Pillar for MusicPillar {
    fn name(&self) -> &'static str {
        "music"
    }

    fn config_defaults(&self) -> &'static str {
        config::DEFAULTS
    }

    fn check_config(&self, config: &Config) -> Result<(), ConfigError> {
        MusicConfig::from_config(config).map(|_| ())
    }

    fn install(&self, install: &mut Install<'_>) -> anyhow::Result<()> {
        install.substates.insert(MusicState { config: MusicConfig::from_config(install.config)? });
        Ok(())
    }

    fn web(&self) -> Router<AppState> {
        studio::router()
    }

    fn api(&self) -> Router<AppState> {
        api::router()
    }

    /// Artwork is public once its release is; before, only through the
    /// signed links the artist's studio carries.
    fn media_grant<'a>(&'a self, state: &'a AppState, key: &'a MediaKey) -> BoxFuture<'a, AppResult<Option<Grant>>> {
        Box::pin(async move {
            let lookup = key.as_str().to_owned();
            let found = state
                .db
                .read(move |c| {
                    let Some((status, artist)) = repo::find_artwork_release(c, &lookup)? else { return Ok(None) };
                    let visible = crate::identity::service::artist_is_visible(c, artist)?;
                    Ok(Some((status, visible)))
                })
                .await?;
            let content_type = if key.as_str().ends_with(".png") { "image/png" } else { "image/jpeg" };
            Ok(found.map(|(status, visible)| Grant {
                audience: if status == ReleaseStatus::Published && visible {
                    Audience::Public
                } else {
                    Audience::Signed
                },
                content_type: content_type.into(),
            }))
        })
    }

    /// Scheduled releases publish themselves when their date comes.
    fn jobs(&self, state: &AppState) -> Vec<JoinHandle<()>> {
        let state = state.clone();
        vec![tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs(60));
            loop {
                ticks.tick().await;
                match service::publish_due_releases(&state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(published = n, "scheduled releases published"),
                    Err(err) => {
                        tracing::warn!(error = %err, "publishing scheduled releases failed; retrying next minute")
                    }
                }
            }
        })]
    }
}
