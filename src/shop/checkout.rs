//! Starting an order: the fan's cart checked against the shop as it is now,
//! the units held for the fan until the hold ends, shipping quoted from
//! the artist's zones, and one payment to the artist's connected account
//! less the platform's fee. The order is paid only on the provider's word
//! ([`super::settle`]).

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};

use super::domain::{ShippingAddress, options_label};
use super::repo::{self, NewItem, NewOrder, ProductRow, VariantRow, ZoneRow};
use super::shipping;
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::identity::ArtistRow;
use crate::identity::artist_by_uid;
use crate::identity::gate::revenue_gate;
use crate::payments::{Charge, NewPayment, record_payment};

/// Most lines in one order, and most units of one line.
pub const MAX_LINES: usize = 50;
pub const MAX_QUANTITY: u32 = 99;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartLine {
    pub variant_id: String,
    pub quantity: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartOrder {
    pub items: Vec<CartLine>,
    #[serde(default)]
    pub shipping_address: Option<ShippingAddress>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderStarted {
    pub id: String,
    pub status: &'static str,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub currency: String,
    /// Stripe: confirm the PaymentIntent with this in the card form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Sandbox: POST here to pay with test money.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_url: Option<String>,
    /// Until when the units are held (unix ms).
    pub reserved_until: i64,
}

/// The payment purpose of an order.
pub const ORDER: &str = "order";

pub struct OrderLimits {
    per_fan: DefaultKeyedRateLimiter<i64>,
}

impl OrderLimits {
    pub fn new(per_hour: u32) -> OrderLimits {
        OrderLimits {
            per_fan: RateLimiter::keyed(Quota::per_hour(NonZeroU32::new(per_hour).unwrap_or(NonZeroU32::MIN))),
        }
    }

    fn check(&self, fan: i64) -> AppResult<()> {
        crate::identity::limits::take(&self.per_fan, &fan)
            .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })
    }
}

/// One line of the cart with what it refers to.
struct Line {
    product: ProductRow,
    variant: VariantRow,
    quantity: i64,
}

/// The cart as the shop sees it now: every variant for sale, one artist, one currency.
struct Priced {
    artist: ArtistRow,
    destination: String,
    lines: Vec<Line>,
    currency: String,
    subtotal: i64,
    shipping: i64,
    address: Option<ShippingAddress>,
}

/// What an order would cost now, shipping included, without holding anything.
#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub currency: String,
}

/// The cart priced against the shop as it is now.
async fn priced(state: &AppState, fan: &AuthUser, request: StartOrder) -> AppResult<Priced> {
    let wanted = merge_lines(&request.items)?;
    let address = request
        .shipping_address
        .map(ShippingAddress::parse)
        .transpose()
        .map_err(|fields| AppError::Invalid { message: "Check the shipping address.".into(), fields })?;
    let (lines, zones, artist) = state.db.read(move |c| read_cart(c, &wanted)).await??;
    price(lines, zones, artist, address, fan)
}

pub async fn quote_order(state: &AppState, fan: &AuthUser, request: StartOrder) -> AppResult<Quote> {
    let priced = priced(state, fan, request).await?;
    if let Some(line) = priced.lines.iter().find(|l| l.variant.inventory.is_some_and(|n| n < l.quantity)) {
        return Err(sold_out(&line.product.title, &line.variant));
    }
    Ok(Quote {
        subtotal_minor: priced.subtotal,
        shipping_minor: priced.shipping,
        total_minor: priced.subtotal + priced.shipping,
        currency: priced.currency,
    })
}

pub async fn start_order(state: &AppState, fan: &AuthUser, request: StartOrder) -> AppResult<OrderStarted> {
    let priced = priced(state, fan, request).await?;
    let config = &super::state(state).config;
    super::state(state).order_limits.check(fan.id.0)?;
    let total = priced.subtotal + priced.shipping;
    let fee = total * i64::from(config.platform_fee_percent) / 100;
    let uid = crate::core::new_uid();
    let reserved_until = state.clock.now_ms() + i64::from(config.reservation_minutes) * 60_000;
    let local_ref = state.payments.local_payment_ref();
    let payment_ref = local_ref.clone().unwrap_or_else(|| format!("unstarted_{uid}"));
    let provider = state.payments.provider_name();
    let (order_uid, email, fan_id) = (uid.clone(), fan.email.clone(), fan.id);
    let currency = priced.currency.clone();
    let (subtotal, shipping, artist_id) = (priced.subtotal, priced.shipping, priced.artist.id);
    let (lines, address) = (priced.lines, priced.address);
    let (download_limit, download_ttl_hours) = (config.download_limit, config.download_ttl_hours);
    let max_pending = i64::from(config.pending_orders_per_fan);
    let order_id = state
        .db
        .write::<_, AppError, _>(move |tx| {
            let now = now_ms();
            // Holds are for paying, not for keeping stock from others.
            if repo::count_pending_for_fan(tx, fan_id, max_pending)? >= max_pending {
                return Err(AppError::Conflict(
                    "Finish paying for your other checkouts, or give them up, before starting another.".into(),
                ));
            }
            for line in &lines {
                if !repo::take_stock(tx, line.variant.id, line.quantity)? {
                    return Err(sold_out(&line.product.title, &line.variant));
                }
            }
            let order = NewOrder {
                uid: &order_uid,
                artist: artist_id,
                fan: fan_id,
                currency: &currency,
                subtotal_minor: subtotal,
                shipping_minor: shipping,
                fee_minor: fee,
                shipping_address: address.as_ref(),
                email: &email,
                provider,
                payment_ref: &payment_ref,
                reserved_until,
                download_limit: i64::from(download_limit),
                download_ttl_ms: i64::from(download_ttl_hours) * 3_600_000,
            };
            let id = repo::insert_order(tx, &order, now)?;
            for line in &lines {
                let label = options_label(&line.variant.options);
                let item = NewItem {
                    product: line.product.id,
                    variant: line.variant.id,
                    kind: line.product.kind,
                    title: &line.product.title,
                    options_label: &label,
                    sku: &line.variant.sku,
                    unit_price_minor: line.variant.price_minor,
                    quantity: line.quantity,
                    tracked: line.variant.inventory.is_some(),
                };
                repo::insert_item(tx, id, &item)?;
            }
            if local_ref.is_some() {
                record_payment(
                    tx,
                    &payment_record(&payment_ref, &order_uid, fan_id, subtotal + shipping, &currency, provider),
                    now,
                )?;
            }
            Ok(id)
        })
        .await?;
    let client_secret = match state.payments.is_sandbox() {
        true => None,
        false => {
            start_remote_payment(state, order_id, &uid, total, fee, &priced.destination, &priced.currency, fan).await?
        }
    };
    let confirm_url = state.payments.is_sandbox().then(|| format!("/api/v1/orders/{uid}/confirm"));
    Ok(OrderStarted {
        id: uid,
        status: "pending",
        subtotal_minor: priced.subtotal,
        shipping_minor: priced.shipping,
        total_minor: total,
        currency: priced.currency,
        client_secret,
        confirm_url,
        reserved_until,
    })
}

fn payment_record<'a>(
    payment_ref: &'a str,
    order_uid: &'a str,
    fan: crate::core::ids::UserId,
    total: i64,
    currency: &'a str,
    provider: &'static str,
) -> NewPayment<'a> {
    NewPayment {
        provider,
        provider_ref: payment_ref,
        purpose: ORDER,
        reference: order_uid,
        owner: fan,
        amount_minor: total,
        currency,
        description: "BopShop order",
        return_url: "",
        cancel_url: "",
    }
}

/// Starts the provider's payment for an order already holding its units;
/// if the provider cannot, the hold ends at once.
#[allow(clippy::too_many_arguments)]
async fn start_remote_payment(
    state: &AppState,
    order_id: crate::core::ids::OrderId,
    uid: &str,
    total: i64,
    fee: i64,
    destination: &str,
    currency: &str,
    fan: &AuthUser,
) -> AppResult<Option<String>> {
    let charge = Charge { amount_minor: total, currency, fee_minor: fee, destination, purpose: ORDER, reference: uid };
    let started = match state.payments.start_charge(&charge).await {
        Ok(started) => started,
        Err(err) => {
            super::settle::release_order(state, order_id).await?;
            return Err(err);
        }
    };
    let (payment_ref, order_uid, fan_id, currency) =
        (started.payment_ref.clone(), uid.to_owned(), fan.id, currency.to_owned());
    let provider = state.payments.provider_name();
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            repo::set_payment_ref(tx, order_id, &payment_ref)?;
            record_payment(
                tx,
                &payment_record(&payment_ref, &order_uid, fan_id, total, &currency, provider),
                now_ms(),
            )?;
            Ok(())
        })
        .await?;
    Ok(started.client_secret)
}

fn sold_out(title: &str, variant: &VariantRow) -> AppError {
    let options = &variant.options;
    let what = if options.is_empty() { title.to_owned() } else { format!("{title} ({})", options_label(options)) };
    AppError::SoldOut {
        message: format!("{what} is sold out, or fewer are left than you asked for."),
        variant_id: variant.uid.clone(),
    }
}

/// Lines by variant, duplicates added up, within the limits.
fn merge_lines(items: &[CartLine]) -> AppResult<BTreeMap<String, i64>> {
    if items.is_empty() {
        return Err(AppError::invalid("items", "Add something to your cart first."));
    }
    if items.len() > MAX_LINES {
        return Err(AppError::invalid("items", format!("An order holds at most {MAX_LINES} different items.")));
    }
    let mut wanted = BTreeMap::new();
    for line in items {
        if line.quantity == 0 || line.quantity > MAX_QUANTITY {
            return Err(AppError::invalid("items", format!("Quantities are 1 to {MAX_QUANTITY}.")));
        }
        let quantity: &mut i64 = wanted.entry(line.variant_id.clone()).or_default();
        *quantity += i64::from(line.quantity);
        if *quantity > i64::from(MAX_QUANTITY) {
            return Err(AppError::invalid("items", format!("Quantities are 1 to {MAX_QUANTITY}.")));
        }
    }
    Ok(wanted)
}

type Cart = (Vec<Line>, Vec<ZoneRow>, ArtistRow);

fn read_cart(conn: &rusqlite::Connection, wanted: &BTreeMap<String, i64>) -> rusqlite::Result<AppResult<Cart>> {
    let mut lines = Vec::with_capacity(wanted.len());
    for (variant_uid, quantity) in wanted {
        let Some(variant) = repo::find_variant(conn, variant_uid)? else {
            return Ok(Err(AppError::invalid("items", "An item in your cart is no longer for sale.")));
        };
        let product = repo::find_product_by_id(conn, variant.product_id)?;
        let Some(product) = product.filter(|p| p.on_sale()) else {
            return Ok(Err(AppError::invalid("items", "An item in your cart is no longer for sale.")));
        };
        lines.push(Line { product, variant, quantity: *quantity });
    }
    let artist = lines[0].product.artist_id;
    if lines.iter().any(|l| l.product.artist_id != artist) {
        return Ok(Err(AppError::invalid(
            "items",
            "An order is from one artist: check out each artist's cart on its own.",
        )));
    }
    let artist_uid = crate::identity::service::artist_uid(conn, artist)?;
    let Some(artist_row) = artist_by_uid(conn, &artist_uid)? else { return Ok(Err(AppError::NotFound)) };
    Ok(Ok((lines, repo::zones_of(conn, artist)?, artist_row)))
}

fn price(
    lines: Vec<Line>,
    zones: Vec<ZoneRow>,
    artist: ArtistRow,
    address: Option<ShippingAddress>,
    fan: &AuthUser,
) -> AppResult<Priced> {
    // Selling is a revenue action: the same gate as the artist's own.
    let destination = match (revenue_gate(&artist), &artist.connect_account) {
        (Ok(()), Some(account)) => account.clone(),
        _ => return Err(AppError::Conflict("This artist's shop is not open right now.".into())),
    };
    if artist.user_id == fan.id {
        return Err(AppError::invalid("items", "You cannot buy from your own shop."));
    }
    let currency = lines[0].variant.currency.clone();
    if lines.iter().any(|l| l.variant.currency != currency) {
        return Err(AppError::invalid("items", "Items priced in different currencies cannot be in one order."));
    }
    let subtotal: i64 = lines.iter().map(|l| l.variant.price_minor * l.quantity).sum();
    let shipped_units: i64 = lines.iter().filter(|l| l.product.kind.ships()).map(|l| l.quantity).sum();
    let (shipping, address) = if shipped_units == 0 {
        (0, None)
    } else {
        let address = address.ok_or_else(|| {
            AppError::invalid("shipping_address", "Give a shipping address: some of these items are shipped.")
        })?;
        let shipped_subtotal: i64 =
            lines.iter().filter(|l| l.product.kind.ships()).map(|l| l.variant.price_minor * l.quantity).sum();
        let cost = shipping::quote(&zones, &address.country, &currency, shipped_units, shipped_subtotal)
            .map_err(|why| AppError::invalid("shipping_address.country", why))?;
        (cost, Some(address))
    };
    Ok(Priced { artist, destination, lines, currency, subtotal, shipping, address })
}
