//! The push outbox. [`queue_push`] runs inside the transaction that records
//! an in-app notification ([`super::notify`]) and queues one push per
//! subscription of the user; the [`PushSender`] thread delivers after the
//! commit, outside the single writer, like the mail outbox: encrypted
//! (RFC 8291), signed (VAPID), with the events' backoff for retries.
//!
//! What the push service answers decides: 2xx delivered (the row goes);
//! 404/410 the browser unsubscribed (the subscription goes); 429, 5xx, a
//! timeout or a connection error retried until dead after
//! `events.max_attempts`; any other answer is dead at once.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use url::Url;

use super::push::{self, Vapid};
use super::repo::{self, QueuedPush};
use crate::config::Config;
use crate::db::{Db, Durability, Tx, now_ms};
use crate::events::RetryPolicy;

/// Longest sleep between looks at the outbox when nothing wakes the sender.
/// Pushes sent at once, concurrently, per round.
const BATCH: usize = 32;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A push service that has not answered in this long counts as down.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Queues a push of `payload` to each of `user_id`'s subscriptions, in the
/// caller's transaction; the sender wakes on commit.
pub fn queue_push(tx: &Tx, user_id: i64, payload: &str) -> rusqlite::Result<()> {
    if repo::insert_pushes_for_user(tx, user_id, payload, now_ms())? > 0 {
        // The commit raises the push channel, which the sender waits on.
        tx.mark_written(crate::db::Channel::Push);
    }
    Ok(())
}

/// What one attempt came to.
#[derive(Debug)]
enum Outcome {
    Delivered,
    /// The browser unsubscribed (404/410): the subscription goes.
    Gone(StatusCode),
    /// Worth another try, not before `after` when the service said so.
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// Refused for good (a 4xx, an endpoint no longer allowed).
    Refused(String),
}

/// Delivers queued pushes; one delivery round at a time.
pub struct PushOutbox {
    db: Db,
    vapid: Vapid,
    client: reqwest::Client,
    policy: RetryPolicy,
    ttl_secs: u64,
    allow_local: bool,
    runtime: tokio::runtime::Handle,
    round: Mutex<()>,
}

impl PushOutbox {
    /// Loads (or, on first start, makes) the VAPID key. Must be called
    /// inside the Tokio runtime, which the sends run on.
    pub fn new(db: Db, config: &Config) -> anyhow::Result<Arc<PushOutbox>> {
        let vapid = Vapid::load_or_create(&db, config.push_contact()).context("cannot load the VAPID key")?;
        let allow_local = config.notify.push_allow_local_endpoints;
        let client = reqwest::Client::builder()
            // The resolver below is the guard against internal hosts; a proxy would bypass it.
            .no_proxy()
            .dns_resolver(Arc::new(PublicResolver { allow_local }))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("boptone/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot build the push HTTP client")?;
        Ok(Arc::new(PushOutbox {
            db,
            vapid,
            client,
            policy: RetryPolicy::from_config(&config.events),
            ttl_secs: config.notify.push_ttl_secs,
            allow_local,
            runtime: tokio::runtime::Handle::current(),
            round: Mutex::new(()),
        }))
    }

    /// The VAPID public key (base64url, uncompressed point).
    pub fn public_key(&self) -> &str {
        self.vapid.public_key()
    }

    /// Whether endpoints on this machine are accepted (tests).
    pub fn allow_local(&self) -> bool {
        self.allow_local
    }

    /// Sends one batch of due pushes, concurrently; returns how many were
    /// attempted. Blocks: never call it on a Tokio worker thread.
    pub fn deliver_due(&self) -> anyhow::Result<usize> {
        let _one_round = self.round.lock().unwrap_or_else(|e| e.into_inner());
        let due = self.db.read_blocking(|c| repo::list_due_pushes(c, now_ms(), BATCH))?;
        if due.is_empty() {
            return Ok(0);
        }
        let sends = due.iter().map(|push| self.send(push));
        let outcomes = self.runtime.block_on(futures::future::join_all(sends));
        self.record(&due, outcomes)?;
        Ok(due.len())
    }

    async fn send(&self, push: &QueuedPush) -> Outcome {
        let endpoint = match push::check_endpoint(&push.endpoint, self.allow_local) {
            Ok(url) => url,
            Err(why) => return Outcome::Refused(why.to_owned()),
        };
        let body = match push::encrypt(push.payload.as_bytes(), &push.p256dh, &push.auth) {
            Ok(body) => body,
            Err(err) => return Outcome::Refused(format!("{err:#}")),
        };
        let request = self
            .client
            .post(endpoint.clone())
            .header("TTL", self.ttl_secs.to_string())
            .header("Urgency", "normal")
            .header(CONTENT_ENCODING, "aes128gcm")
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(AUTHORIZATION, self.vapid.authorization(&endpoint, unix_secs()))
            .body(body);
        match request.send().await {
            Ok(response) => classify(response.status(), retry_after(&response)),
            Err(err) => Outcome::Retry { error: describe(&err, &endpoint), after: None },
        }
    }

    fn record(&self, pushes: &[QueuedPush], outcomes: Vec<Outcome>) -> anyhow::Result<()> {
        let now = now_ms();
        self.db.write_blocking(Durability::Normal, |tx| {
            for (push, outcome) in pushes.iter().zip(&outcomes) {
                match outcome {
                    Outcome::Delivered => repo::mark_push_delivered(tx, push, now)?,
                    Outcome::Gone(status) => {
                        tracing::info!(subscription = push.subscription_id, %status, "push subscription gone");
                        repo::delete_push_subscription(tx, push.subscription_id)?;
                    }
                    Outcome::Retry { error, after } => {
                        let failures = u32::try_from(push.attempts + 1).unwrap_or(u32::MAX);
                        let retry_at = (failures < self.policy.max_attempts).then(|| {
                            let delay = self.policy.delay_after(failures).max(after.unwrap_or_default());
                            now + i64::try_from(delay.min(self.policy.backoff_max).as_millis()).unwrap_or(i64::MAX / 2)
                        });
                        tracing::warn!(push_id = push.id, attempts = failures, error, "push not delivered");
                        repo::mark_push_failed(tx, push, error, retry_at)?;
                    }
                    Outcome::Refused(error) => {
                        tracing::warn!(push_id = push.id, error, "push refused; not retried");
                        repo::mark_push_failed(tx, push, error, None)?;
                    }
                }
            }
            Ok::<_, rusqlite::Error>(())
        })?;
        Ok(())
    }
}

fn classify(status: StatusCode, retry_after: Option<Duration>) -> Outcome {
    match status {
        s if s.is_success() => Outcome::Delivered,
        StatusCode::NOT_FOUND | StatusCode::GONE => Outcome::Gone(status),
        StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT => {
            Outcome::Retry { error: format!("the push service answered {status}"), after: retry_after }
        }
        s if s.is_server_error() => {
            Outcome::Retry { error: format!("the push service answered {status}"), after: retry_after }
        }
        _ => Outcome::Refused(format!("the push service answered {status}")),
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare from push services).
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let secs = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim().parse::<u64>().ok()?;
    Some(Duration::from_secs(secs))
}

/// A transport error without the endpoint's path: it is a capability.
fn describe(err: &reqwest::Error, endpoint: &Url) -> String {
    let host = endpoint.host_str().unwrap_or("?");
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut source = std::error::Error::source(err);
    let mut cause = String::new();
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if cause.is_empty() { format!("push to {host} {kind}") } else { format!("push to {host} {kind}: {cause}") }
}

fn unix_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// Resolves push service names to public addresses only (loopback too with
/// `notify.push_allow_local_endpoints`), so a name pointed at an internal
/// host cannot make the server post there.
struct PublicResolver {
    allow_local: bool,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_local = self.allow_local;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                found.into_iter().filter(|addr| push::address_allowed(addr.ip(), allow_local)).collect();
            if allowed.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The `boptone-push` thread that delivers the outbox after commit.
pub type PushSender = super::sender::Sender<PushOutbox>;

impl super::sender::Outbox for PushOutbox {
    const THREAD: &'static str = "boptone-push";
    const CHANNEL: crate::db::Channel = crate::db::Channel::Push;

    fn db(&self) -> &Db {
        &self.db
    }

    fn deliver_due(&self) -> anyhow::Result<usize> {
        PushOutbox::deliver_due(self)
    }

    fn next_due_at(&self) -> Option<i64> {
        self.db.read_blocking(repo::next_push_due_at).ok().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_decide_what_happens_to_a_push() {
        assert!(matches!(classify(StatusCode::CREATED, None), Outcome::Delivered));
        assert!(matches!(classify(StatusCode::GONE, None), Outcome::Gone(_)));
        assert!(matches!(classify(StatusCode::NOT_FOUND, None), Outcome::Gone(_)));
        assert!(matches!(classify(StatusCode::TOO_MANY_REQUESTS, None), Outcome::Retry { .. }));
        assert!(matches!(classify(StatusCode::BAD_GATEWAY, None), Outcome::Retry { .. }));
        assert!(matches!(classify(StatusCode::UNAUTHORIZED, None), Outcome::Refused(_)));
        assert!(matches!(classify(StatusCode::PAYLOAD_TOO_LARGE, None), Outcome::Refused(_)));
    }
}
