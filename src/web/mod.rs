//! The browser side of the server: templates, embedded assets, error pages
//! and the response headers every page carries.

pub mod assets;
pub mod brand;
pub mod caption;
pub mod client_ip;
pub mod csrf;
pub mod deadline;
pub mod download;
pub mod errors;
pub mod headers;
pub mod money;
pub mod multipart;
pub mod openapi;
pub mod page;
mod pages;
pub mod qr;
mod rendered;
pub mod surface;
pub mod text;
pub mod views;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;

pub use views::Views;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/{*path}", get(assets::serve_asset))
        .route("/brand/theme.css", get(brand::serve_theme))
        .route("/app", get(pages::show_fan_app))
        // Deep links (`/app/bops/{id}`, `/app/@handle`, `/app/orders`) are the
        // same page; the app opens what the path names.
        .route("/app/", get(pages::show_fan_app))
        .route("/app/{*path}", get(pages::show_fan_app))
        .route("/app/manifest.webmanifest", get(pages::show_manifest))
}
