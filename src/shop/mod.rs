//! BopShop: products with variants, inventory that never oversells,
//! checkout and settlement, orders and refunds, digital downloads,
//! print-on-demand, Shopify import.

mod album_zip;
mod api;
pub mod checkout;
pub mod commands;
pub mod config;
pub mod demo;
pub mod domain;
pub mod downloads;
pub mod events;
pub mod import;
pub mod moderation;
pub mod orders;
pub mod photos;
pub mod pod;
pub mod products;
pub mod public;
pub mod repo;
pub mod settle;
pub mod shipping;
pub mod shopify;
mod storefront;
mod studio;
mod studio_files;
mod studio_import;
mod studio_orders;
mod studio_shipping;
pub mod views;

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

pub use config::ShopConfig;
use domain::ProductStatus;

/// The shop's share of the application state.
pub struct ShopState {
    pub config: ShopConfig,
    pub order_limits: checkout::OrderLimits,
    /// Refunds run one at a time (see [`orders::refund_order`]).
    pub refunds: tokio::sync::Mutex<()>,
    pub pod: pod::Provider,
}

pub fn state(state: &AppState) -> &ShopState {
    state.substate::<ShopState>()
}

pub struct ShopPillar;

pub static PILLAR: ShopPillar = ShopPillar;

impl Pillar for ShopPillar {
    fn name(&self) -> &'static str {
        "shop"
    }

    fn config_defaults(&self) -> &'static str {
        config::DEFAULTS
    }

    fn check_config(&self, config: &Config) -> Result<(), ConfigError> {
        ShopConfig::from_config(config).map(|_| ())
    }

    fn install(&self, install: &mut Install<'_>) -> anyhow::Result<()> {
        let config = ShopConfig::from_config(install.config)?;
        install.settlers.on_payment(checkout::ORDER, settle::settle_order);
        install.substates.insert(ShopState {
            order_limits: checkout::OrderLimits::new(config.orders_per_fan_per_hour),
            refunds: tokio::sync::Mutex::new(()),
            pod: pod::Provider::from_config(&config.pod)?,
            config,
        });
        Ok(())
    }

    fn events(&self, registry: &mut Registry, config: &Config) {
        let shop = ShopConfig::from_config(config).expect("checked at startup");
        events::register(registry, if shop.pod.provider == "printful" { "printful" } else { "sandbox" });
    }

    fn web(&self) -> Router<AppState> {
        studio::router()
            .merge(studio_orders::router())
            .merge(studio_shipping::router())
            .merge(studio_import::router())
            .merge(downloads::router())
            .merge(storefront::router())
    }

    fn api(&self) -> Router<AppState> {
        api::router()
    }

    fn webhooks(&self) -> Router<AppState> {
        pod::router()
    }

    /// Photos are public while their product is active and its artist
    /// visible; product files only through signed links (the server's own:
    /// print files for the print-on-demand provider) or a buyer's download
    /// link (`/downloads/…`).
    fn media_prefixes(&self) -> &'static [&'static str] {
        &["shop/"]
    }

    fn media_grant<'a>(&'a self, state: &'a AppState, key: &'a MediaKey) -> BoxFuture<'a, AppResult<Option<Grant>>> {
        Box::pin(async move {
            let lookup = key.as_str().to_owned();
            let found = state
                .db
                .read_now(move |c| {
                    let Some((status, artist)) = repo::find_photo_owner(c, &lookup)? else {
                        let file = repo::is_product_file(c, &lookup)?;
                        return Ok(file.then_some((false, "application/octet-stream")));
                    };
                    let visible = crate::identity::service::artist_is_visible(c, artist)?;
                    Ok(Some((status == ProductStatus::Active && visible, "image/jpeg")))
                })
                .await?;
            Ok(found.map(|(public, content_type)| Grant {
                audience: if public { Audience::Public } else { Audience::Signed },
                content_type: content_type.into(),
            }))
        })
    }

    fn last_activity(&self, conn: &rusqlite::Connection, artist: ArtistId) -> rusqlite::Result<Option<i64>> {
        repo::last_created_at(conn, artist)
    }

    fn reportable_kinds(&self) -> &'static [&'static str] {
        &["product"]
    }

    fn profile_tab(&self) -> Option<ProfileTab> {
        Some(ProfileTab { key: "shop", label: "Shop", order: 2 })
    }

    /// The artist's products on sale, newest first, each to its own page.
    fn render_profile_tab<'a>(
        &'a self,
        state: &'a AppState,
        request: &'a ProfileTabRequest,
    ) -> BoxFuture<'a, AppResult<String>> {
        Box::pin(public::profile_tab(state, request))
    }

    /// A product on sale by a visible artist.
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
        vec![settle::holds_job(state.clone()), pod::job(state.clone())]
    }
}
