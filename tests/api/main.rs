//! The integration test binary: the real application on port 0 over a
//! temporary data directory, real SQLite files, the real object stores (local
//! directory, and an S3 server started by `scripts/test`).
//!
//! Two tiers. `cargo test` runs the fast tier, which needs nothing but this
//! machine. The end-to-end tier — a real S3 server and headless Chromium —
//! is compiled in with `--features e2e`, which `scripts/test` passes after
//! starting those peers; there its tests fail rather than skip when a peer is
//! missing.

#[cfg(feature = "e2e")]
mod accessibility;
mod accounts;
mod analytics;
mod api_shapes;
mod architecture;
mod artist_hub;
mod bops;
mod branding;
mod browser;
mod captions;
#[cfg(feature = "e2e")]
mod chromium;
mod cli;
mod comments;
mod console;
mod console_audit;
mod console_helpers;
mod console_moderation;
mod console_moderation_content;
mod console_money;
mod console_people;
mod console_roster;
mod events;
mod fan_accounts;
mod fan_app;
#[cfg(feature = "e2e")]
mod fan_walk;
mod feed;
mod helpers;
mod identity;
mod joining;
mod label_walk;
mod media;
mod media_access;
mod money_state;
mod music;
mod music_ddex;
#[cfg(feature = "e2e")]
mod music_delivery_peers;
mod music_money;
mod music_playlists;
mod music_tracks;
mod my_account;
mod notifications;
mod openapi;
mod printful;
mod probe;
mod push;
#[cfg(feature = "e2e")]
mod renditions;
mod retention;
#[cfg(feature = "e2e")]
mod s3;
mod scale;
mod search;
mod server;
mod settlement;
mod sharing;
mod shop;
mod shop_downloads;
mod shop_import;
mod shop_pod;
mod shop_ui;
mod sign_in_cache;
mod smtp_sink;
mod stripe;
mod supporters;
mod surfaces;
mod toney;
mod toney_reports;
mod uploads;
mod ux;
mod visibility;
mod web;
#[cfg(feature = "e2e")]
mod webdriver;
