//! Music: releases, tracks, ISRC/UPC, DDEX ERN 4.3 delivery, streaming,
//! royalties and splits, playlists.

mod admin;
mod api;
pub mod artwork;
pub mod audio;
pub mod codes;
pub mod commands;
pub mod config;
pub mod ddex;
pub mod demo;
pub mod distribution;
pub mod domain;
pub mod downloads;
pub mod events;
pub mod masters;
pub mod moderation;
pub mod playlists;
mod public;
pub mod repo;
pub mod royalties;
pub mod service;
pub mod streams;
mod studio;
mod studio_tracks;
pub mod tagging;
pub mod track;
pub mod tracks;
pub mod views;

use std::time::Duration;

use axum::Router;
use futures::future::BoxFuture;
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::config::{Config, ConfigError};
use crate::core::ids::{ArtistId, UserId};
use crate::error::AppResult;
use crate::events::Registry;
use crate::media::{Audience, Grant, MediaKey};
use crate::pillar::{Install, Moderate, Pillar, ProfileTab, ProfileTabRequest, ReportTarget};

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

    fn events(&self, registry: &mut Registry, config: &Config) {
        let music = MusicConfig::from_config(config).expect("checked at startup");
        events::register(registry, music);
    }

    fn web(&self) -> Router<AppState> {
        studio::router().merge(studio_tracks::router()).merge(admin::router()).merge(public::router())
    }

    fn api(&self) -> Router<AppState> {
        api::router().merge(playlists::router())
    }

    /// Artwork and streams are public once their release is; before, only
    /// through the signed links the artist's studio carries. Masters only
    /// ever through those links.
    fn media_prefixes(&self) -> &'static [&'static str] {
        &["music/"]
    }

    fn media_grant<'a>(&'a self, state: &'a AppState, key: &'a MediaKey) -> BoxFuture<'a, AppResult<Option<Grant>>> {
        Box::pin(async move {
            let lookup = key.as_str().to_owned();
            let found = state
                .db
                .read_now(move |c| {
                    // Streams are asked for most: their lookup goes first.
                    let owner = match repo::find_track_media(c, &lookup)? {
                        Some(found) => Some(found),
                        None => repo::find_artwork_release(c, &lookup)?.map(|(status, artist)| (status, artist, true)),
                    };
                    let Some((status, artist, shareable)) = owner else { return Ok(None) };
                    let visible = crate::identity::service::artist_is_visible(c, artist)?;
                    Ok(Some((status == ReleaseStatus::Published && visible && shareable, visible)))
                })
                .await?;
            Ok(found.map(|(public, _)| Grant {
                audience: if public { Audience::Public } else { Audience::Signed },
                content_type: content_type_of(key.as_str()).into(),
            }))
        })
    }

    fn last_activity(&self, conn: &rusqlite::Connection, artist: ArtistId) -> rusqlite::Result<Option<i64>> {
        repo::last_created_at(conn, artist)
    }

    fn reportable_kinds(&self) -> &'static [&'static str] {
        &["track"]
    }

    fn profile_tab(&self) -> Option<ProfileTab> {
        Some(ProfileTab { key: "music", label: "Music", order: 1 })
    }

    fn oembed_paths(&self) -> &'static [&'static str] {
        &["/releases/", "/tracks/"]
    }

    fn oembed<'a>(
        &'a self,
        state: &'a AppState,
        path: &'a str,
        maxwidth: Option<u32>,
    ) -> BoxFuture<'a, AppResult<Option<serde_json::Value>>> {
        Box::pin(public::oembed(state, path, maxwidth))
    }

    /// The artist's published releases, newest first, each to its own page.
    fn render_profile_tab<'a>(
        &'a self,
        state: &'a AppState,
        request: &'a ProfileTabRequest,
    ) -> BoxFuture<'a, AppResult<String>> {
        Box::pin(public::profile_tab(state, request))
    }

    /// A track of a published release of a visible artist.
    fn moderate(&self, tx: &crate::db::Tx, request: &Moderate<'_>) -> AppResult<bool> {
        moderation::moderate(tx, request)
    }

    fn report_target<'a>(
        &'a self,
        state: &'a AppState,
        _viewer: UserId,
        _kind: &'a str,
        uid: &'a str,
    ) -> BoxFuture<'a, AppResult<Option<ReportTarget>>> {
        Box::pin(public::report_target(state, uid))
    }

    fn jobs(&self, state: &AppState) -> Vec<JoinHandle<()>> {
        vec![publish_timer(state.clone()), delivery_job(state.clone())]
    }
}

/// Sends DDEX deliveries after commit: at start those a stopped process
/// left half-done, then whatever is due, every few seconds.
fn delivery_job(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        if state.db.read(repo::any_delivering).await.unwrap_or(true)
            && let Err(err) = state.db.write::<_, crate::db::DbError, _>(|tx| Ok(repo::requeue_interrupted(tx)?)).await
        {
            tracing::warn!(error = %err, "cannot requeue interrupted DDEX deliveries");
        }
        let mut ticks = tokio::time::interval(Duration::from_secs(5));
        loop {
            ticks.tick().await;
            let clock = state.clock.clone();
            distribution::deliver_due(&state.db, &state.media, &self::state(&state).config, || clock.now_ms()).await;
        }
    })
}

/// Scheduled releases publish themselves when their date comes.
fn publish_timer(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
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
    })
}

fn content_type_of(key: &str) -> &'static str {
    match key.rsplit('.').next() {
        Some("png") => "image/png",
        Some("flac") => "audio/flac",
        Some("wav") => "audio/wav",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "application/octet-stream",
    }
}
