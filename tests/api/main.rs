//! The integration test binary: the real application on port 0 over a
//! temporary data directory, real SQLite files, the real object stores (local
//! directory, and an S3 server started by `scripts/test`).

mod bops;
mod browser;
mod chromium;
mod cli;
mod events;
mod helpers;
mod identity;
mod media;
mod probe;
mod s3;
mod scale;
mod stripe;
mod web;
mod webdriver;
