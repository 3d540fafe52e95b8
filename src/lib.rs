//! Boptone: one binary that gives an independent artist or small label its
//! own creator platform. See ARCHITECTURE.md for the design.

pub mod analytics;
pub mod app;
pub mod auth;
pub mod backup;
pub mod bops;
pub mod cli;
pub mod config;
pub mod console;
pub mod core;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod http_server;
pub mod identity;
pub mod janitor;
pub mod ledger;
pub mod media;
pub mod moderation;
pub mod music;
pub mod notify;
pub mod ops;
pub mod payments;
pub mod pillar;
pub mod pillars;
pub mod router;
pub mod search;
pub mod shop;
pub mod startup;
pub mod telemetry;
pub mod toney;
pub mod web;
