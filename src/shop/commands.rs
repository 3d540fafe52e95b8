//! The shop's admin commands (`boptone shop …`): they open the data
//! directory themselves, beside a running server or not.

use std::fmt::Write;
use std::path::Path;

use anyhow::Context;

use super::ShopConfig;
use super::import::{self, Images, ImportReport, Parts};
use crate::config::Config;
use crate::db::Db;
use crate::media::Media;

/// `boptone shop import-shopify FILE --artist EMAIL [--skip-images]`.
pub fn import_shopify(config: &Config, file: &Path, artist: &str, skip_images: bool) -> anyhow::Result<ImportReport> {
    let shop = ShopConfig::from_config(config)?;
    let db = Db::open_migrated(&config.database_path())?;
    let media = Media::from_config(config)?;
    let email = artist.to_owned();
    let row = db
        .read_blocking(move |c| crate::identity::service::artist_by_email(c, &email))?
        .with_context(|| format!("no artist account uses {artist}"))?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map_or_else(|| "products.csv".to_owned(), |n| n.to_string_lossy().into_owned());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let images = if skip_images { Images::Skip } else { Images::Fetch };
    let parts = Parts { db: &db, media: &media, config: &shop };
    runtime
        .block_on(import::import_shopify(parts, &row, name, bytes, images))
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("{} was not imported (nothing changed)", file.display()))
}

/// The report as the command prints it: the same lists as the studio's page.
pub fn describe(report: &ImportReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} created, {} updated, {} rows skipped, {} images imported",
        report.file_name,
        report.created.len(),
        report.updated.len(),
        report.skipped.len(),
        report.images_imported
    );
    for line in &report.created {
        let _ = writeln!(out, "created {} ({}, {} variants) {}", line.handle, line.title, line.variants, line.id);
    }
    for line in &report.updated {
        let _ = writeln!(out, "updated {} ({}) {}", line.handle, line.title, line.id);
    }
    for skipped in &report.skipped {
        let _ = writeln!(out, "skipped {skipped}");
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "changed {warning}");
    }
    for image in &report.images_not_imported {
        let _ = writeln!(out, "image not imported: {image}");
    }
    out
}
