//! Shopify product CSV import, for the studio page and the admin's
//! `boptone shop import-shopify`: one importer, one report. Rows with the
//! same Handle are one product; re-importing a file updates the products it
//! made (matched on Handle, variants on SKU or, without one, on their
//! option values) and never duplicates them. Images are fetched after the
//! products are written; one that cannot be fetched is listed, not fatal.

use crate::db::CachedSql;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::config::ShopConfig;
use super::domain::{ProductDraft, ProductKind, ProductStatus, VariantDraft};
use super::repo::{self, ProductRow, VariantRow};
use super::shopify::{self, ImportedProduct, ImportedStatus, ImportedVariant};
use crate::app::AppState;
use crate::core::ids::ProductId;
use crate::db::{Db, Tx, now_ms};
use crate::error::{AppError, AppResult};
use crate::identity::ArtistRow;
use crate::media::Media;

/// What an import did: the result page and `shopify_integration.report`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ImportReport {
    pub file_name: String,
    pub rows: usize,
    pub created: Vec<ImportedLine>,
    pub updated: Vec<ImportedLine>,
    /// "line 14: Variant Price "abc" is not a price".
    pub skipped: Vec<String>,
    pub warnings: Vec<String>,
    pub images_not_imported: Vec<String>,
    pub images_imported: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportedLine {
    pub id: String,
    pub handle: String,
    pub title: String,
    pub variants: usize,
}

/// How an import treats images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Images {
    Fetch,
    Skip,
}

/// What an import works with: the server's parts, or the admin command's.
#[derive(Clone, Copy)]
pub struct Parts<'a> {
    pub db: &'a Db,
    pub media: &'a Media,
    pub config: &'a ShopConfig,
}

impl<'a> Parts<'a> {
    pub fn of(state: &'a AppState) -> Parts<'a> {
        Parts { db: &state.db, media: &state.media, config: &super::state(state).config }
    }
}

/// Imports `bytes` (a Shopify product export) for `artist`.
pub async fn import_shopify(
    parts: Parts<'_>,
    artist: &ArtistRow,
    file_name: String,
    bytes: Vec<u8>,
    images: Images,
) -> AppResult<ImportReport> {
    if bytes.len() > shopify::MAX_FILE_BYTES {
        return Err(AppError::invalid("file", "The file is larger than 20 MB; export fewer products at a time."));
    }
    let exponent = parts.config.currency().exponent();
    let digest = hex::encode(Sha256::digest(&bytes));
    let rows = bytes.iter().filter(|b| **b == b'\n').count();
    let parsed = tokio::task::spawn_blocking(move || shopify::parse_shopify_csv(bytes.as_slice(), exponent))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::invalid("file", e.to_string()))?;
    let limit = parts.config.product_limit(artist.tier.as_deref());
    let currency = parts.config.currency.clone();
    let (artist_id, name) = (artist.id, file_name.clone());
    let mut report = ImportReport {
        file_name,
        rows,
        skipped: parsed.skipped.iter().map(ToString::to_string).collect(),
        warnings: parsed.warnings.iter().map(ToString::to_string).collect(),
        ..ImportReport::default()
    };
    let products = parsed.products;
    let (report, photos) = parts
        .db
        .write::<_, AppError, _>(move |tx| {
            let mut photos = Vec::new();
            let mut live = repo::count_live_products(tx, artist_id)?;
            for product in &products {
                let existing = repo::find_product_by_handle(tx, artist_id, &product.handle)?;
                let counts = status_of(product.status) != ProductStatus::Archived;
                let adds_live = counts && existing.as_ref().is_none_or(|p| p.status == ProductStatus::Archived);
                if adds_live && limit.is_some_and(|limit| live >= limit) {
                    let why = format!("your plan holds {} products", limit.unwrap_or_default());
                    report.skipped.push(format!("line {}: {} was not imported: {why}", product.line, product.handle));
                    continue;
                }
                let (id, line, created) = save_product(tx, artist_id, existing, product, &currency)?;
                live += u32::from(adds_live);
                photos.push((id, product.images.iter().map(|i| i.src.clone()).collect::<Vec<_>>()));
                if created { report.created.push(line) } else { report.updated.push(line) }
            }
            let json = serde_json::to_string(&report).expect("a report serialises");
            tx.execute_cached(
                "INSERT INTO shopify_integration (artist_id, file_name, file_sha256, rows, created, updated, skipped, report,
                                                  created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                rusqlite::params![
                    artist_id,
                    name,
                    digest,
                    report.rows as i64,
                    report.created.len() as i64,
                    report.updated.len() as i64,
                    report.skipped.len() as i64,
                    json,
                    now_ms()
                ],
            )?;
            Ok((report, photos))
        })
        .await?;
    let mut report = report;
    if images == Images::Fetch {
        fetch_images(parts, photos, &mut report).await?;
    }
    Ok(report)
}

fn status_of(status: ImportedStatus) -> ProductStatus {
    match status {
        ImportedStatus::Draft => ProductStatus::Draft,
        ImportedStatus::Active => ProductStatus::Active,
        ImportedStatus::Archived => ProductStatus::Archived,
    }
}

/// Writes one imported product and its variants; returns its id, its line
/// of the report and whether it is new.
fn save_product(
    tx: &Tx,
    artist: crate::core::ids::ArtistId,
    existing: Option<ProductRow>,
    imported: &ImportedProduct,
    currency: &str,
) -> AppResult<(ProductId, ImportedLine, bool)> {
    let now = now_ms();
    let draft = ProductDraft {
        kind: existing.as_ref().map_or(ProductKind::Physical, |p| p.kind),
        title: imported.title.clone(),
        description_html: imported.description_html.clone(),
        status: status_of(imported.status),
        tags: imported.tags.clone(),
        option_names: imported.option_names.clone(),
    };
    let (id, uid, created) = match &existing {
        Some(product) => {
            repo::update_product(tx, product.id, &draft, now)?;
            (product.id, product.uid.clone(), false)
        }
        None => {
            let uid = crate::core::new_uid();
            let id = repo::insert_product(tx, artist, &uid, &draft, Some(&imported.handle), now)?;
            (id, uid, true)
        }
    };
    let mut variants = repo::variants_of(tx, id)?;
    for variant in &imported.variants {
        let draft = variant_draft(variant);
        match matching(&variants, variant) {
            Some(found) => repo::update_variant(tx, found, &draft, now)?,
            None => {
                repo::insert_variant(tx, id, &crate::core::new_uid(), &draft, currency, now)?;
                variants = repo::variants_of(tx, id)?;
            }
        }
    }
    super::events::announce_product(tx, id)?;
    let line = ImportedLine {
        id: uid,
        handle: imported.handle.clone(),
        title: imported.title.clone(),
        variants: imported.variants.len(),
    };
    Ok((id, line, created))
}

/// The variant an imported row updates: same SKU, or without SKUs the same
/// option values.
fn matching(variants: &[VariantRow], imported: &ImportedVariant) -> Option<crate::core::ids::VariantId> {
    let same_options = |v: &&VariantRow| {
        v.options.iter().map(|o| o.to_lowercase()).eq(imported.options.iter().map(|o| o.to_lowercase()))
    };
    if imported.sku.is_empty() {
        variants.iter().find(|v| v.sku.is_empty() && same_options(v)).map(|v| v.id)
    } else {
        variants.iter().find(|v| v.sku == imported.sku).map(|v| v.id)
    }
}

fn variant_draft(variant: &ImportedVariant) -> VariantDraft {
    VariantDraft {
        options: variant.options.clone(),
        sku: variant.sku.clone(),
        price_minor: variant.price_minor,
        compare_at_minor: variant.compare_at_minor.filter(|c| *c > variant.price_minor),
        weight_grams: variant.grams,
        inventory: variant.inventory,
        barcode: variant.barcode.clone(),
        pod_variant_id: None,
    }
}

/// Most bytes fetched for one image, and the time one fetch may take.
const MAX_IMAGE_BYTES: usize = crate::identity::photo::MAX_BYTES;
const IMAGE_TIMEOUT: Duration = Duration::from_secs(15);

/// Fetches each product's images not imported before; a failure is listed.
async fn fetch_images(
    parts: Parts<'_>,
    photos: Vec<(ProductId, Vec<String>)>,
    report: &mut ImportReport,
) -> AppResult<()> {
    let allow_local = parts.config.import_local_images;
    let max = parts.config.max_photos as usize;
    for (product, urls) in photos {
        let known = parts
            .db
            .read(move |c| {
                Ok::<_, rusqlite::Error>((repo::photo_sources(c, product)?, repo::photos_of(c, product)?.len()))
            })
            .await?;
        let (sources, mut count) = known;
        for url in urls.into_iter().filter(|u| !sources.contains(u)) {
            if count >= max {
                report.images_not_imported.push(format!("{url}: a product has at most {max} photos"));
                continue;
            }
            let result = match fetch_image(&url, allow_local).await {
                Ok(bytes) => super::products::store_photo(parts.db, parts.media, max, product, bytes, url.clone())
                    .await
                    .map_err(|e| e.to_string()),
                Err(why) => Err(why),
            };
            match result {
                Ok(()) => {
                    report.images_imported += 1;
                    count += 1;
                }
                Err(why) => report.images_not_imported.push(format!("{url}: {why}")),
            }
        }
    }
    Ok(())
}

/// One image, from a public http(s) address (never this machine or a
/// private network, unless `shop.import_local_images` allows it), at most
/// [`MAX_IMAGE_BYTES`]. The connection goes to the address that was
/// checked (a second lookup could answer differently), and redirects are
/// not followed (they could lead anywhere).
async fn fetch_image(raw: &str, allow_local: bool) -> Result<bytes::Bytes, String> {
    let url = url::Url::parse(raw).map_err(|_| "not a web address".to_owned())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("not a web address".into());
    }
    let host = url.host_str().ok_or("not a web address")?.to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let lookup = tokio::time::timeout(Duration::from_secs(5), tokio::net::lookup_host((host.as_str(), port)));
    let address = lookup
        .await
        .ok()
        .and_then(Result::ok)
        .and_then(|mut addresses| addresses.next())
        .ok_or_else(|| "the host could not be found".to_owned())?;
    if !allow_local && is_private(address.ip()) {
        return Err("the address is not on the public internet".into());
    }
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(IMAGE_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, address)
        .build()
        .map_err(|_| "it could not be fetched".to_owned())?;
    let mut response = client.get(url).send().await.map_err(|e| {
        if e.is_timeout() { "it took too long".to_owned() } else { "it could not be fetched".to_owned() }
    })?;
    if !response.status().is_success() {
        return Err(format!("the server answered {}", response.status().as_u16()));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| "the download was cut off".to_owned())? {
        if bytes.len() + chunk.len() > MAX_IMAGE_BYTES {
            return Err("the image is larger than 10 MB".into());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes.into())
}

fn is_private(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64
        }
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(v4.into()))
        }
    }
}
