//! Demo shops for `boptone demo`: each artist sells a tee with colours and
//! sizes, a download of their EP (where they have one), and a
//! print-on-demand poster, ships with two zones, and has a history of
//! orders — paid, shipped, one refunded — in the ledger like real ones.

use crate::db::CachedSql;
use rusqlite::Connection;

use super::domain::{OrderStatus, ProductDraft, ProductKind, ProductStatus, ShippingAddress, VariantDraft};
use super::repo::{self, NewItem, NewOrder, ZoneRow};
use crate::core::ids::{ArtistId, OrderId, UserId};
use crate::core::{Currency, Money};
use crate::db::now_ms;
use crate::ledger::{Holder, Income, Micros};
use crate::media::{Media, MediaKey};

const COLOURS: [[u8; 3]; 3] = [[30, 30, 36], [236, 236, 230], [200, 60, 80]];

/// Products, zones and orders for every artist; returns how many orders.
pub fn seed(
    conn: &Connection,
    media: &Media,
    runtime: &tokio::runtime::Runtime,
    artists: &[(i64, i64)],
    fans: &[i64],
) -> anyhow::Result<usize> {
    let photos = runtime.block_on(store_photos(media))?;
    let mut orders = 0;
    for (n, &(artist, user)) in artists.iter().enumerate() {
        let artist = ArtistId(artist);
        zones(conn, artist)?;
        let tee =
            product(conn, artist, ProductKind::Physical, "Tour tee", &["Color", "Size"], &photos[n % photos.len()])?;
        for (colour, size) in [("Black", "S"), ("Black", "M"), ("Black", "L"), ("White", "M")] {
            variant(conn, tee, &[colour, size], 2500, Some(20), None)?;
        }
        let poster =
            product(conn, artist, ProductKind::Pod, "Tour poster", &["Size"], &photos[(n + 1) % photos.len()])?;
        variant(conn, poster, &["18x24"], 3000, None, Some(4012))?;
        let download = download(conn, artist, &photos[(n + 2) % photos.len()])?;
        let buyers: Vec<UserId> = fans.iter().skip(n * 3).take(4).map(|f| UserId(*f)).collect();
        for (i, buyer) in buyers.iter().enumerate() {
            let tee_variant = repo::variants_of(conn, tee)?[i % 3].clone();
            let mut lines = vec![(tee_variant, 1 + (i as i64 % 2))];
            if let Some(download) = download {
                lines.push((repo::variants_of(conn, download)?[0].clone(), 1));
            }
            let order = order(conn, artist, UserId(user), *buyer, &lines, i)?;
            match i {
                0 => {
                    repo::move_order(conn, order, OrderStatus::Paid, OrderStatus::Shipped, now_ms())?;
                    repo::set_tracking(conn, order, "USPS", "9400100000000000000001")?;
                }
                3 => refund(conn, order, UserId(user))?,
                _ => {}
            }
            orders += 1;
        }
    }
    Ok(orders)
}

async fn store_photos(media: &Media) -> anyhow::Result<Vec<(String, String)>> {
    let mut keys = Vec::new();
    for (i, colour) in COLOURS.iter().enumerate() {
        let image = image::RgbImage::from_fn(600, 600, |x, y| {
            let shade = |c: u8| (u32::from(c) * (600 - y / 3) / 600 + x / 20).min(255) as u8;
            image::Rgb([shade(colour[0]), shade(colour[1]), shade(colour[2])])
        });
        let jpeg = crate::identity::photo::encode_jpeg(&image).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (web, thumb) = (format!("shop/photos/demo-{i}.jpg"), format!("shop/photos/demo-{i}-t.jpg"));
        for key in [&web, &thumb] {
            media.put_bytes_as(&MediaKey::parse(key).expect("a valid key"), jpeg.clone().into(), "image/jpeg").await?;
        }
        keys.push((web, thumb));
    }
    Ok(keys)
}

fn zones(conn: &Connection, artist: ArtistId) -> rusqlite::Result<()> {
    let zone = |name: &str, countries: &[&str], first, additional, free| ZoneRow {
        uid: crate::core::new_uid(),
        name: name.to_owned(),
        countries: countries.iter().map(|c| c.to_string()).collect(),
        currency: "USD".to_owned(),
        first_item_minor: first,
        additional_item_minor: additional,
        free_above_minor: free,
    };
    repo::insert_zone(conn, artist, &zone("Domestic", &["US"], 500, 200, Some(10_000)), now_ms())?;
    repo::insert_zone(conn, artist, &zone("Everywhere else", &["*"], 1500, 500, None), now_ms())
}

fn product(
    conn: &Connection,
    artist: ArtistId,
    kind: ProductKind,
    title: &str,
    options: &[&str],
    photo: &(String, String),
) -> rusqlite::Result<crate::core::ids::ProductId> {
    let draft = ProductDraft {
        kind,
        title: title.to_owned(),
        description_html: "Made for the tour.<br>\nDemo merch: test money only.".to_owned(),
        status: ProductStatus::Active,
        tags: vec!["tour".to_owned()],
        option_names: options.iter().map(|o| o.to_string()).collect(),
    };
    let id = repo::insert_product(conn, artist, &crate::core::new_uid(), &draft, None, now_ms())?;
    repo::insert_photo(conn, id, &photo.0, &photo.1, "", now_ms())?;
    Ok(id)
}

fn variant(
    conn: &Connection,
    product: crate::core::ids::ProductId,
    options: &[&str],
    price: i64,
    inventory: Option<i64>,
    pod: Option<i64>,
) -> rusqlite::Result<()> {
    let draft = VariantDraft {
        options: options.iter().map(|o| o.to_string()).collect(),
        sku: format!("DEMO-{}", options.join("-").to_uppercase()),
        price_minor: price,
        compare_at_minor: None,
        weight_grams: Some(200),
        inventory,
        barcode: String::new(),
        pod_variant_id: pod,
    };
    repo::insert_variant(conn, product, &crate::core::new_uid(), &draft, "USD", now_ms())?;
    Ok(())
}

/// The artist's EP as a download (its masters), if they have one.
fn download(
    conn: &Connection,
    artist: ArtistId,
    photo: &(String, String),
) -> anyhow::Result<Option<crate::core::ids::ProductId>> {
    let Some((uid, title)) = crate::music::downloads::published_releases(conn, artist)?.into_iter().next() else {
        return Ok(None);
    };
    let Some(release) = crate::music::downloads::release_download(conn, artist, &uid)? else { return Ok(None) };
    let product = product(conn, artist, ProductKind::Digital, &format!("{title} (download)"), &[], photo)?;
    repo::set_product_release(conn, product, Some(release.id))?;
    for master in &release.masters {
        let file = repo::NewFile {
            uid: &crate::core::new_uid(),
            product,
            name: &master.name,
            media_key: &master.media_key,
            bytes: master.bytes,
            content_type: master.content_type,
        };
        repo::insert_file(conn, &file, now_ms())?;
    }
    variant(conn, product, &[], 800, None, None)?;
    Ok(Some(product))
}

/// A paid order of `lines`, in the ledger as a sale less the platform's 10 %.
fn order(
    conn: &Connection,
    artist: ArtistId,
    artist_user: UserId,
    fan: UserId,
    lines: &[(repo::VariantRow, i64)],
    n: usize,
) -> anyhow::Result<OrderId> {
    let uid = crate::core::new_uid();
    let subtotal: i64 = lines.iter().map(|(v, q)| v.price_minor * q).sum();
    let shipping = if subtotal >= 10_000 { 0 } else { 500 };
    let total = subtotal + shipping;
    let fee = total / 10;
    let address = ShippingAddress {
        name: format!("Demo Fan {}", fan.0),
        line1: "1 Main St".into(),
        city: "Springfield".into(),
        region: "IL".into(),
        postal_code: "62701".into(),
        country: "US".into(),
        ..ShippingAddress::default()
    };
    let payment_ref = format!("sbx_pi_demo_{uid}");
    let email: String = conn.query_row_cached("SELECT email FROM users WHERE id = ?1", [fan], |r| r.get(0))?;
    let at = now_ms() - (n as i64 + 1) * 86_400_000;
    let new = NewOrder {
        uid: &uid,
        artist,
        fan,
        currency: "USD",
        subtotal_minor: subtotal,
        shipping_minor: shipping,
        fee_minor: fee,
        shipping_address: Some(&address),
        email: &email,
        provider: "sandbox",
        payment_ref: &payment_ref,
        reserved_until: at,
        download_limit: 5,
        download_ttl_ms: 72 * 3_600_000,
    };
    let id = repo::insert_order(conn, &new, at)?;
    for (variant, quantity) in lines {
        let product = repo::find_product_by_id(conn, variant.product_id)?.expect("the demo product");
        let label = super::domain::options_label(&variant.options);
        let item = NewItem {
            product: product.id,
            variant: variant.id,
            kind: product.kind,
            title: &product.title,
            options_label: &label,
            sku: &variant.sku,
            unit_price_minor: variant.price_minor,
            quantity: *quantity,
            tracked: variant.inventory.is_some(),
        };
        repo::insert_item(conn, id, &item)?;
        if variant.inventory.is_some() {
            repo::take_stock(conn, variant.id, *quantity)?;
        }
    }
    repo::move_order(conn, id, OrderStatus::Pending, OrderStatus::Paid, at)?;
    let usd = Currency::parse("USD")?;
    let reference = format!("order:{uid}");
    let income = Income {
        artist,
        source: "order",
        reference: &reference,
        description: "BopShop order",
        track_id: None,
        gross: Micros(Money::new(total, usd).to_micros()),
        currency: "USD",
        occurred_at: at,
    };
    let holder = Holder { key: "artist".into(), name: String::new(), email: String::new(), user_id: Some(artist_user) };
    crate::ledger::record_whole(conn, &income, Micros(Money::new(fee, usd).to_micros()), &holder)?;
    Ok(id)
}

/// Refunds a whole demo order: stock back, the ledger nets to zero.
fn refund(conn: &Connection, order: OrderId, artist_user: UserId) -> anyhow::Result<()> {
    let row = repo::find_order_by_id(conn, order)?.expect("the demo order");
    let items = repo::items_of(conn, order)?;
    let uid = crate::core::new_uid();
    let quantities: Vec<(i64, i64)> = items.iter().map(|i| (i.id, i.quantity)).collect();
    let refund = repo::NewRefund {
        uid: &uid,
        order,
        amount_minor: row.total_minor,
        fee_refunded_minor: row.fee_minor,
        items_json: "[]",
        provider_ref: &format!("sbx_re_demo_{uid}"),
    };
    repo::insert_refund(conn, &refund, &quantities, now_ms())?;
    for item in items.iter().filter(|i| i.tracked) {
        repo::give_back_stock(conn, item.variant_id, item.quantity)?;
    }
    repo::move_order(conn, order, OrderStatus::Paid, OrderStatus::Refunded, now_ms())?;
    let usd = Currency::parse("USD")?;
    let reference = format!("refund:{uid}");
    let income = Income {
        artist: row.artist_id,
        source: "refund",
        reference: &reference,
        description: "BopShop refund",
        track_id: None,
        gross: Micros(-Money::new(row.total_minor, usd).to_micros()),
        currency: "USD",
        occurred_at: now_ms(),
    };
    let holder = Holder { key: "artist".into(), name: String::new(), email: String::new(), user_id: Some(artist_user) };
    crate::ledger::record_whole(conn, &income, Micros(-Money::new(row.fee_minor, usd).to_micros()), &holder)?;
    Ok(())
}
