//! What the shop's pages and JSON show.

use serde::Serialize;

use super::domain::options_label;
use super::products::FullProduct;
use super::repo::{GrantRow, ItemRow, OrderRow, PhotoRow, ProductRow, VariantRow};
use crate::media::{Audience, Media, MediaKey};
use crate::web::money::format_money;

fn photo_url(media: &Media, key: &str) -> Option<String> {
    MediaKey::parse(key).map(|key| media.link(&key, Audience::Public))
}

/// A product in a list.
#[derive(Debug, Clone, Serialize)]
pub struct ProductSummary {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub status: &'static str,
    /// The cheapest variant's price, if it has any.
    pub price_minor: Option<i64>,
    pub currency: Option<String>,
    pub price: String,
    /// Whether variants differ in price (the price is then "from").
    pub price_varies: bool,
    pub cover_url: Option<String>,
    pub url: String,
}

impl ProductSummary {
    pub fn new(
        product: &ProductRow,
        variants: &[VariantRow],
        cover: Option<&PhotoRow>,
        media: &Media,
    ) -> ProductSummary {
        let cheapest = variants.iter().min_by_key(|v| v.price_minor);
        ProductSummary {
            id: product.uid.clone(),
            title: product.title.clone(),
            kind: product.kind.as_str(),
            status: product.status.as_str(),
            price_minor: cheapest.map(|v| v.price_minor),
            currency: cheapest.map(|v| v.currency.clone()),
            price: cheapest.map(|v| format_money(v.price_minor, &v.currency)).unwrap_or_default(),
            price_varies: variants.iter().any(|v| Some(v.price_minor) != cheapest.map(|c| c.price_minor)),
            cover_url: cover.and_then(|c| photo_url(media, &c.thumb_key)),
            url: format!("/shop/products/{}", product.uid),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VariantView {
    pub id: String,
    pub options: Vec<String>,
    pub label: String,
    pub sku: String,
    pub price_minor: i64,
    pub currency: String,
    pub price: String,
    pub compare_at_minor: Option<i64>,
    pub compare_at: Option<String>,
    /// Units that can be bought now; null when not tracked.
    pub inventory: Option<i64>,
    pub sold_out: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhotoView {
    pub url: Option<String>,
    pub thumb_url: Option<String>,
}

/// A product's page and `GET /api/v1/products/{id}`.
#[derive(Debug, Clone, Serialize)]
pub struct ProductView {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub description_html: String,
    pub tags: Vec<String>,
    /// The option names, e.g. ["Color", "Size"].
    pub options: Vec<String>,
    pub variants: Vec<VariantView>,
    pub photos: Vec<PhotoView>,
    pub artist_id: String,
    pub artist_name: String,
    pub ships: bool,
    pub files: Vec<String>,
}

impl ProductView {
    pub fn new(full: &FullProduct, artist_uid: String, artist_name: String, media: &Media) -> ProductView {
        let product = &full.product;
        ProductView {
            id: product.uid.clone(),
            title: product.title.clone(),
            kind: product.kind.as_str(),
            description_html: product.description_html.clone(),
            tags: product.tags.clone(),
            options: product.option_names.clone(),
            variants: full.variants.iter().map(variant_view).collect(),
            photos: full
                .photos
                .iter()
                .map(|p| PhotoView { url: photo_url(media, &p.media_key), thumb_url: photo_url(media, &p.thumb_key) })
                .collect(),
            artist_id: artist_uid,
            artist_name,
            ships: product.kind.ships(),
            files: full.files.iter().map(|f| f.name.clone()).collect(),
        }
    }
}

pub fn variant_view(v: &VariantRow) -> VariantView {
    VariantView {
        id: v.uid.clone(),
        options: v.options.clone(),
        label: options_label(&v.options),
        sku: v.sku.clone(),
        price_minor: v.price_minor,
        currency: v.currency.clone(),
        price: format_money(v.price_minor, &v.currency),
        compare_at_minor: v.compare_at_minor,
        compare_at: v.compare_at_minor.map(|c| format_money(c, &v.currency)),
        inventory: v.inventory,
        sold_out: v.inventory == Some(0),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub id: i64,
    pub title: String,
    pub options: String,
    pub sku: String,
    pub kind: &'static str,
    pub quantity: i64,
    pub refunded_quantity: i64,
    pub unit_price_minor: i64,
    pub unit_price: String,
    pub line_total: String,
}

pub fn item_view(item: &ItemRow, currency: &str) -> ItemView {
    ItemView {
        id: item.id,
        title: item.title.clone(),
        options: item.options_label.clone(),
        sku: item.sku.clone(),
        kind: item.kind.as_str(),
        quantity: item.quantity,
        refunded_quantity: item.refunded_quantity,
        unit_price_minor: item.unit_price_minor,
        unit_price: format_money(item.unit_price_minor, currency),
        line_total: format_money(item.unit_price_minor * item.quantity, currency),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DownloadView {
    pub item: String,
    pub name: String,
    pub url: Option<String>,
    pub downloads_left: i64,
    pub expires_at: i64,
    pub bytes: i64,
}

fn download_view(grant: &GrantRow, now: i64) -> DownloadView {
    let usable = !grant.revoked && grant.expires_at > now && grant.downloads < grant.max_downloads;
    DownloadView {
        item: grant.item_title.clone(),
        name: grant.file_name.clone(),
        url: usable.then(|| format!("/downloads/{}", grant.token)),
        downloads_left: if grant.revoked { 0 } else { grant.max_downloads - grant.downloads },
        expires_at: grant.expires_at,
        bytes: grant.bytes,
    }
}

/// A fan's order and receipt.
#[derive(Debug, Clone, Serialize)]
pub struct FanOrderView {
    pub id: String,
    /// Whom the order is from.
    pub artist_id: String,
    pub artist_name: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub currency: String,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub refunded_minor: i64,
    pub total: String,
    pub items: Vec<ItemView>,
    pub carrier: String,
    pub tracking_number: String,
    pub downloads: Vec<DownloadView>,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    /// While unpaid: until when the units are held (unix ms).
    pub reserved_until: Option<i64>,
}

/// Whom an order is from: the artist's id and name.
pub struct OrderArtist {
    pub id: String,
    pub name: String,
}

impl FanOrderView {
    pub fn new(
        order: &OrderRow,
        artist: OrderArtist,
        items: &[ItemRow],
        grants: &[GrantRow],
        now: i64,
    ) -> FanOrderView {
        FanOrderView {
            id: order.uid.clone(),
            artist_id: artist.id,
            artist_name: artist.name,
            status: order.status.as_str(),
            status_label: order.status.label(),
            currency: order.currency.clone(),
            subtotal_minor: order.subtotal_minor,
            shipping_minor: order.shipping_minor,
            total_minor: order.total_minor,
            refunded_minor: order.refunded_minor,
            total: format_money(order.total_minor, &order.currency),
            items: items.iter().map(|i| item_view(i, &order.currency)).collect(),
            carrier: order.carrier.clone(),
            tracking_number: order.tracking_number.clone(),
            downloads: grants.iter().map(|g| download_view(g, now)).collect(),
            created_at: order.created_at,
            paid_at: order.paid_at,
            reserved_until: (order.status == super::domain::OrderStatus::Pending).then_some(order.reserved_until),
        }
    }
}
