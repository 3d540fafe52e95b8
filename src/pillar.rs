//! How a pillar plugs into the application (ARCHITECTURE §1): one value per
//! pillar that gives its configuration sections, its substate, its routers
//! for both surfaces, its event handlers, its payment settlers, the media it
//! owns and its timers. `startup`, `router` and `config` loop over
//! [`crate::pillars::ALL`]; adding a pillar is its folder plus one line there.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use futures::future::BoxFuture;
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::config::{Config, ConfigError};
use crate::core::ids::{ArtistId, UserId};
use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::events::Registry;
use crate::media::{Grant, MediaKey};
use crate::payments::Settlers;

pub trait Pillar: Sync {
    fn name(&self) -> &'static str;

    /// The pillar's sections of `boptone.toml`, commented: the defaults and
    /// the documentation of its keys.
    fn config_defaults(&self) -> &'static str {
        ""
    }

    /// Checks the pillar's sections of a loaded configuration, naming the
    /// key and value of anything wrong.
    fn check_config(&self, _config: &Config) -> Result<(), ConfigError> {
        Ok(())
    }

    /// Builds the pillar's substate and registers its settlers.
    fn install(&self, _install: &mut Install<'_>) -> anyhow::Result<()> {
        Ok(())
    }

    /// The pillar's event handlers (tests may run the app with others).
    fn events(&self, _registry: &mut Registry, _config: &Config) {}

    /// Routes of the web surface: session cookies, CSRF, HTML.
    fn web(&self) -> Router<AppState> {
        Router::new()
    }

    /// Routes of the app surface, relative to `/api/v1`: bearer tokens, JSON.
    fn api(&self) -> Router<AppState> {
        Router::new()
    }

    /// Providers' webhooks: neither surface (no session, no CSRF, no
    /// bearer token); each route checks the provider's own credential.
    fn webhooks(&self) -> Router<AppState> {
        Router::new()
    }

    /// The key prefixes of the media this pillar stores; the media route
    /// asks only the pillar whose prefix a key has (one lookup per request,
    /// not one per pillar). Empty: it stores none.
    fn media_prefixes(&self) -> &'static [&'static str] {
        &[]
    }

    /// How the media under `key` may be served, when this pillar owns it.
    fn media_grant<'a>(&'a self, _state: &'a AppState, _key: &'a MediaKey) -> BoxFuture<'a, AppResult<Option<Grant>>> {
        Box::pin(async { Ok(None) })
    }

    /// The kinds of content of this pillar a fan may report ("bop",
    /// "comment", "track", "product", "profile"); moderation asks only the
    /// pillar that names a kind.
    fn reportable_kinds(&self) -> &'static [&'static str] {
        &[]
    }

    /// A reported piece of content as `viewer` may see it now, with the
    /// context the label's queue shows; `None` when it is gone or hidden
    /// from them (a report of what one cannot see is refused as unknown).
    fn report_target<'a>(
        &'a self,
        _state: &'a AppState,
        _viewer: UserId,
        _kind: &'a str,
        _uid: &'a str,
    ) -> BoxFuture<'a, AppResult<Option<ReportTarget>>> {
        Box::pin(async { Ok(None) })
    }

    /// Hides a piece of this pillar's content by the label's decision, or
    /// shows it again (`request.hidden` false), inside moderation's write
    /// transaction so the change, its events (search drops what is hidden)
    /// and the audit row commit together. Hidden content is gone wherever
    /// the pillar shows it, its media included, and its artist cannot undo
    /// it. `Ok(false)`: not this pillar's kind, or nothing by that id.
    fn moderate(&self, _tx: &Tx, _request: &Moderate<'_>) -> AppResult<bool> {
        Ok(false)
    }

    /// This pillar's tab on the artist's public page (`/@handle?tab=key`),
    /// when it has one: the page is the hub where every pillar shows.
    fn profile_tab(&self) -> Option<ProfileTab> {
        None
    }

    /// The tab's content, as HTML the pillar renders from its own partial.
    fn render_profile_tab<'a>(
        &'a self,
        _state: &'a AppState,
        _request: &'a ProfileTabRequest,
    ) -> BoxFuture<'a, AppResult<String>> {
        Box::pin(async { Ok(String::new()) })
    }

    /// The public page paths this pillar answers oEmbed for (`"/bops/"`).
    fn oembed_paths(&self) -> &'static [&'static str] {
        &[]
    }

    /// The oEmbed fields of the public page at `path` (`title`, `type`,
    /// `author_name`, thumbnails …; the server adds the rest), or `None`
    /// when it is not a public page fans may share.
    fn oembed<'a>(
        &'a self,
        _state: &'a AppState,
        _path: &'a str,
        _maxwidth: Option<u32>,
    ) -> BoxFuture<'a, AppResult<Option<serde_json::Value>>> {
        Box::pin(async { Ok(None) })
    }

    /// When the artist last made something here (a Bop, a release, a
    /// product), for the label's roster: one indexed lookup, run on a read
    /// connection for each artist of a roster page.
    fn last_activity(&self, _conn: &rusqlite::Connection, _artist: ArtistId) -> rusqlite::Result<Option<i64>> {
        Ok(None)
    }

    /// Timers that run beside the server; aborted at shutdown.
    fn jobs(&self, _state: &AppState) -> Vec<JoinHandle<()>> {
        Vec::new()
    }
}

/// A tab of the artist's public page: `key` in the query, `label` shown,
/// `order` among the tabs (the lowest is the one a plain visit opens).
#[derive(Debug, Clone, Copy)]
pub struct ProfileTab {
    pub key: &'static str,
    pub label: &'static str,
    pub order: u8,
}

/// Whose page, who is looking, and which page of the tab.
#[derive(Debug, Clone)]
pub struct ProfileTabRequest {
    pub artist: ArtistId,
    pub artist_uid: String,
    pub handle: String,
    pub viewer: Option<UserId>,
    pub cursor: Option<String>,
}

/// What a report points at, as its owning pillar describes it.
#[derive(Debug, Clone)]
pub struct ReportTarget {
    /// The account that made the content (told of the outcome, may appeal).
    pub author: UserId,
    /// A short excerpt: a caption, a comment's text, a title, a name.
    pub excerpt: String,
    /// Where the content is seen, a path on this site.
    pub link: String,
}

impl ReportTarget {
    /// Excerpts are kept short: the queue shows them, the link shows all.
    pub fn new(author: UserId, excerpt: &str, link: String) -> ReportTarget {
        let mut chars = excerpt.chars();
        let mut short: String = chars.by_ref().take(280).collect();
        if chars.next().is_some() {
            short.push('…');
        }
        ReportTarget { author, excerpt: short, link }
    }
}

/// The label's decision on one reported thing, as the owning pillar
/// applies it ([`Pillar::moderate`]).
#[derive(Debug, Clone, Copy)]
pub struct Moderate<'a> {
    /// "bop", "comment", "track", "product" or "profile".
    pub kind: &'a str,
    pub uid: &'a str,
    /// Hide (true) or show again (false).
    pub hidden: bool,
    /// Why, in the label's words (a suspension shows it to the artist).
    pub reason: &'a str,
    pub now: i64,
}

/// A pillar's timer: `run` every `period` (the first at once), on the
/// application's clock; a failure is logged as `what` failed and the next
/// tick tries again.
pub fn every<F, Fut>(state: AppState, period: std::time::Duration, what: &'static str, run: F) -> JoinHandle<()>
where
    F: Fn(AppState, i64) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = AppResult<usize>> + Send,
{
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        loop {
            ticks.tick().await;
            let now = state.clock.now_ms();
            if let Err(err) = run(state.clone(), now).await {
                tracing::warn!(error = %err, retry_in_secs = period.as_secs(), "{what} failed; trying again at the next tick");
            }
        }
    })
}

/// What a pillar receives to install itself.
pub struct Install<'a> {
    pub config: &'a Config,
    pub db: &'a Db,
    pub media: &'a crate::media::Media,
    /// The label's branding that pages and emails show.
    pub brand: &'a Arc<crate::web::brand::BrandCell>,
    pub settlers: &'a mut Settlers,
    pub substates: &'a mut Substates,
}

/// The pillars' own parts of the application state, one value per type.
/// A pillar reads its part with [`AppState::substate`] (or `FromRef`).
#[derive(Default)]
pub struct Substates(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl Substates {
    pub fn insert<T: Any + Send + Sync>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Arc::new(value));
    }

    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.0.get(&TypeId::of::<T>()).and_then(|value| value.downcast_ref::<T>())
    }
}

impl AppState {
    /// A pillar's substate. Installed at startup, so a missing one is a
    /// wiring mistake that no request could cause.
    pub fn substate<T: Any + Send + Sync>(&self) -> &T {
        self.substates.get::<T>().unwrap_or_else(|| panic!("substate {} is not installed", std::any::type_name::<T>()))
    }
}
