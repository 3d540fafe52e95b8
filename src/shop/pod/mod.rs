//! Print-on-demand fulfilment: a paid order with print-on-demand items
//! gets a job (through `order.completed`); this job runner sends due jobs
//! to the provider with retries and backoff, follows them (provider
//! webhooks, or polling) and ships the order when the provider ships it.
//! The provider speaks Printful's v1 Orders API, or is the sandbox whose
//! jobs advance by themselves.

pub mod provider;

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;

use self::provider::{PodError, PodItem, PodOrder, PodState, PodUpdate, PrintFile, PrintfulClient, Recipient};
use super::config::PodConfig;
use super::domain::OrderStatus;
use super::repo::{self, PodJobRow};
use crate::app::AppState;
use crate::db::{Tx, now_ms};
use crate::error::{AppError, AppResult};
use crate::media::{Audience, MediaKey};
use crate::notify::queue_mail;

pub enum Provider {
    Sandbox { step_ms: i64 },
    Printful(Box<PrintfulClient>),
}

impl Provider {
    pub fn from_config(config: &PodConfig) -> anyhow::Result<Provider> {
        Ok(match config.provider.as_str() {
            "printful" => Provider::Printful(Box::new(
                PrintfulClient::new(&config.base_url, &config.api_key).map_err(anyhow::Error::msg)?,
            )),
            _ => Provider::Sandbox { step_ms: i64::from(config.sandbox_step_secs) * 1000 },
        })
    }
}

/// `POST /webhooks/pod/{secret}`: the provider's word on a job. Printful's
/// v1 webhooks are not signed, so the URL carries the secret, and the
/// update is applied only if it is newer than the last one.
pub fn router() -> Router<AppState> {
    Router::new().route("/webhooks/pod/{secret}", post(receive_webhook))
}

async fn receive_webhook(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    body: Bytes,
) -> AppResult<StatusCode> {
    let expected = &super::state(&state).config.pod.webhook_secret;
    // Digests compared, so the time taken says nothing about the secret.
    use sha2::{Digest, Sha256};
    if expected.is_empty() || Sha256::digest(secret.as_bytes()) != Sha256::digest(expected.as_bytes()) {
        return Err(AppError::NotFound);
    }
    let parsed = provider::parse_printful_webhook(&body)
        .map_err(|why| AppError::BadRequest(format!("unreadable webhook: {why}")))?;
    let Some(webhook) = parsed else { return Ok(StatusCode::OK) };
    let external = webhook.external_id.clone();
    let job = state.db.read(move |c| repo::find_pod_job(c, &external)).await?;
    let Some(job) = job else { return Ok(StatusCode::OK) };
    apply(&state, &job, webhook.update, webhook.created.saturating_mul(1000)).await?;
    Ok(StatusCode::OK)
}

/// Sends due jobs and follows open ones, every few seconds.
pub fn job(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(5));
        loop {
            ticks.tick().await;
            if let Err(err) = run_due(&state).await {
                tracing::warn!(error = %err, "print-on-demand jobs: retrying next round");
            }
        }
    })
}

/// One round: submit what is due, then ask about what is open (the sandbox
/// always; a provider without webhooks configured too).
pub async fn run_due(state: &AppState) -> AppResult<()> {
    let now = state.clock.now_ms();
    for job in state.db.read(move |c| repo::due_pod_jobs(c, now, 20)).await? {
        submit(state, &job).await?;
    }
    let polls = match &super::state(state).pod {
        Provider::Sandbox { .. } => true,
        Provider::Printful(_) => super::state(state).config.pod.webhook_secret.is_empty(),
    };
    if polls {
        for job in state.db.read(|c| repo::open_pod_jobs(c, 50)).await? {
            follow(state, &job).await?;
        }
    }
    Ok(())
}

async fn submit(state: &AppState, job: &PodJobRow) -> AppResult<()> {
    let order = build_order(state, job).await?;
    let result = match (&super::state(state).pod, order) {
        (_, Err(why)) => Err(PodError::Rejected(why)),
        (Provider::Sandbox { step_ms }, Ok(order)) => {
            Ok(provider::sandbox_update(&order.external_id, state.clock.now_ms(), state.clock.now_ms(), *step_ms))
        }
        (Provider::Printful(client), Ok(order)) => client.create_order(&order).await,
    };
    match result {
        Ok(update) => apply(state, job, update, state.clock.now_ms()).await,
        Err(err) => attempt_failed(state, job, err).await,
    }
}

async fn follow(state: &AppState, job: &PodJobRow) -> AppResult<()> {
    let result = match &super::state(state).pod {
        Provider::Sandbox { step_ms } => {
            let started = job.submitted_at.unwrap_or(state.clock.now_ms());
            Ok(provider::sandbox_update(&job.uid, started, state.clock.now_ms(), *step_ms))
        }
        Provider::Printful(client) => client.get_order(&job.uid).await,
    };
    match result {
        Ok(update) => apply(state, job, update, state.clock.now_ms()).await,
        Err(err) => {
            tracing::warn!(job = job.uid, error = %err, "could not ask the print-on-demand provider about a job");
            Ok(())
        }
    }
}

/// Backoff: 1, 2, 4 … minutes; after `max_attempts` the job waits for the artist.
async fn attempt_failed(state: &AppState, job: &PodJobRow, err: PodError) -> AppResult<()> {
    let max = i64::from(super::state(state).config.pod.max_attempts);
    let now = state.clock.now_ms();
    let (message, retry_at) = match &err {
        PodError::Transient(why) if job.attempts + 1 < max => {
            (format!("The provider could not be reached: {why}"), Some(now + 60_000 * (1 << job.attempts.min(10))))
        }
        PodError::Transient(why) => (format!("The provider could not be reached: {why}"), None),
        PodError::Rejected(why) => (format!("The provider refused the order: {why}"), None),
        PodError::NotFound => ("The provider does not know this order.".to_owned(), None),
    };
    let id = job.id;
    state
        .db
        .write::<_, AppError, _>(move |tx| Ok(repo::pod_attempt_failed(tx, id, &message, retry_at, now_ms())?))
        .await
}

/// Applies the provider's word as of `at`; a shipped job ships the order.
async fn apply(state: &AppState, job: &PodJobRow, update: PodUpdate, at: i64) -> AppResult<()> {
    let from = job.state.clone();
    let next = update.state;
    let current = PodState::parse(&from).unwrap_or(PodState::Pending);
    if current == next || !current.can_move_to(next) {
        return Ok(());
    }
    let job = job.clone();
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let tracking = (
                update.carrier.as_deref().unwrap_or(""),
                update.tracking_number.as_deref().unwrap_or(""),
                update.tracking_url.as_deref().unwrap_or(""),
            );
            let error = update.reason.as_deref().unwrap_or("");
            if !repo::update_pod_job(
                tx,
                job.id,
                &from,
                next.as_str(),
                &update.provider_ref,
                tracking,
                error,
                at,
                now_ms(),
            )? {
                return Ok(());
            }
            if next == PodState::Shipped {
                ship(tx, &job, tracking.0, tracking.1)?;
            }
            Ok(())
        })
        .await
}

/// The provider shipped: the order is shipped and the fan emailed.
fn ship(tx: &Tx, job: &PodJobRow, carrier: &str, tracking: &str) -> AppResult<()> {
    let Some(order) = repo::find_order_by_id(tx, job.order_id)? else { return Ok(()) };
    if repo::move_order(tx, order.id, OrderStatus::Paid, OrderStatus::Shipped, now_ms())? {
        repo::set_tracking(tx, order.id, carrier, tracking)?;
        let body = format!(
            "Your order {} has shipped.\n\nCarrier: {carrier}\nTracking number: {tracking}\n\nYour orders: /app/orders\n",
            order.uid
        );
        queue_mail(tx, &order.email, "Your order has shipped", &body)?;
    }
    Ok(())
}

/// The provider's order for a job: the shipping address, the print items
/// with their catalog variants and signed links to their print files.
async fn build_order(state: &AppState, job: &PodJobRow) -> AppResult<Result<PodOrder, String>> {
    let order_id = job.order_id;
    let (order, lines) = state
        .db
        .read(move |c| Ok::<_, rusqlite::Error>((repo::find_order_by_id(c, order_id)?, repo::pod_lines(c, order_id)?)))
        .await?;
    let Some(order) = order else { return Ok(Err("the order is gone".into())) };
    let Some(address) = order.shipping_address.clone() else {
        return Ok(Err("the order has no shipping address".into()));
    };
    let base = state.config.server.public_url.as_str().trim_end_matches('/').to_owned();
    let mut items = Vec::new();
    for line in lines {
        let Some(variant) = line.catalog_variant else {
            return Ok(Err(format!("{} has no provider variant: set its print-on-demand variant id", line.title)));
        };
        let files = line
            .file_keys
            .iter()
            .filter_map(|key| MediaKey::parse(key))
            .map(|key| PrintFile { url: format!("{base}{}", state.media.link(&key, Audience::Signed)) })
            .collect();
        items.push(PodItem {
            catalog_variant_id: variant,
            quantity: line.quantity as u32,
            name: line.title,
            retail_price_minor: line.unit_price_minor,
            files,
        });
    }
    let currency = crate::core::Currency::parse(&order.currency).map_err(|e| AppError::Internal(e.into()))?;
    Ok(Ok(PodOrder {
        external_id: job.uid.clone(),
        recipient: Recipient {
            name: address.name,
            address1: address.line1,
            address2: address.line2,
            city: address.city,
            state_code: address.region,
            country_code: address.country,
            zip: address.postal_code,
            email: order.email,
        },
        items,
        currency: order.currency,
        currency_exponent: currency.exponent(),
    }))
}

/// The artist asks to try a failed job again.
pub async fn retry(state: &AppState, artist: crate::core::ids::ArtistId, order_uid: String) -> AppResult<()> {
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let order =
                repo::find_order(tx, &order_uid)?.filter(|o| o.artist_id == artist).ok_or(AppError::NotFound)?;
            let job = repo::find_pod_job_for_order(tx, order.id)?.ok_or(AppError::NotFound)?;
            if !repo::retry_pod_job(tx, job.id, now_ms())? {
                return Err(AppError::Conflict("Only a failed print-on-demand job can be retried.".into()));
            }
            Ok(())
        })
        .await
}
