//! Branding (issue 15 item 1): the label makes the instance its own — its
//! name, logo, accent, favicon, home text and about/terms/privacy pages,
//! from `[label]` in boptone.toml and the console's `/admin/label`. The
//! brand itself lives in the shared `web::brand` cell that every page,
//! email and the manifest read; this pillar composes it, keeps it current
//! and serves the label's public pages and images.

mod admin;
pub mod domain;
pub mod images;
mod pages;
pub mod repo;
pub mod service;

use axum::Router;
use futures::future::BoxFuture;

use crate::app::AppState;
use crate::error::AppResult;
use crate::identity::config::LabelConfig;
use crate::media::{Audience, Grant, MediaKey};
use crate::pillar::{Install, Pillar};

pub struct BrandingPillar;

pub static PILLAR: BrandingPillar = BrandingPillar;

impl Pillar for BrandingPillar {
    fn name(&self) -> &'static str {
        "branding"
    }

    /// The keys are identity's `[label]` section (checked there); this
    /// pillar reads them, with the saved values over them.
    fn install(&self, install: &mut Install<'_>) -> anyhow::Result<()> {
        let label: LabelConfig = install.config.section("label")?;
        let branding = service::BrandingState::from_config(&label)?;
        let saved = service::saved_blocking(install.db)?;
        install.brand.set(branding.compose(&saved));
        install.substates.insert(branding);
        Ok(())
    }

    fn web(&self) -> Router<AppState> {
        pages::router().merge(admin::router())
    }

    fn media_prefixes(&self) -> &'static [&'static str] {
        &[service::MEDIA_PREFIX]
    }

    /// The brand's current images are public; replaced ones are gone.
    fn media_grant<'a>(&'a self, state: &'a AppState, key: &'a MediaKey) -> BoxFuture<'a, AppResult<Option<Grant>>> {
        Box::pin(async move {
            let current = service::is_current_image(state, key);
            Ok(current.then(|| Grant { audience: Audience::Public, content_type: "image/png".into() }))
        })
    }
}
