//! Request deadlines. Every request has `server.request_timeout_secs` to be
//! answered (then 408). A handler that receives a large body, an upload
//! chunk, gives itself more ([`Deadline::allow_for_body`]): the flat limit
//! plus the time its declared length takes at a minimum rate, so a slow but
//! moving upload is not cut off at the flat limit. A body that stalls
//! altogether is still ended by the connection's idle timeout.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;

/// The limit every request is held to.
#[derive(Debug, Clone, Copy)]
pub struct DeadlinePolicy {
    /// Every request's time, and the floor of a body's.
    pub flat: Duration,
}

/// A request's deadline, which its handler may push back; extracted (it is
/// always there behind [`enforce`]) by handlers that receive large bodies.
#[derive(Clone)]
pub struct Deadline {
    at: Arc<Mutex<Instant>>,
    started: Instant,
    declared_body_bytes: Option<u64>,
    policy: DeadlinePolicy,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Deadline {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Outside `enforce` (a router built without it) nothing limits the
        // request, so a deadline that never fires is the truthful answer.
        Ok(parts.extensions.get::<Deadline>().cloned().unwrap_or_else(|| {
            let started = Instant::now();
            let far = started + Duration::from_secs(365 * 86_400);
            Deadline {
                at: Arc::new(Mutex::new(far)),
                started,
                declared_body_bytes: None,
                policy: DeadlinePolicy { flat: far - started },
            }
        }))
    }
}

impl Deadline {
    fn at(&self) -> Instant {
        *self.at.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gives the request the flat time plus its body's time at
    /// `min_bytes_per_sec`; a body that declares no length counts as
    /// `undeclared_bytes`.
    pub fn allow_for_body(&self, min_bytes_per_sec: u64, undeclared_bytes: u64) {
        let bytes = self.declared_body_bytes.unwrap_or(undeclared_bytes);
        let body = Duration::from_secs_f64(bytes as f64 / min_bytes_per_sec.max(1) as f64);
        let at = self.started + self.policy.flat + body;
        let mut current = self.at.lock().unwrap_or_else(|e| e.into_inner());
        *current = (*current).max(at);
    }
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// The middleware that answers 408 once a request's deadline passes; the
/// deadline is read again when it fires, so a route may have moved it.
pub async fn enforce(State(policy): State<DeadlinePolicy>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let declared_body_bytes = declared_length(request.headers());
    let deadline = Deadline { at: Arc::new(Mutex::new(started + policy.flat)), started, declared_body_bytes, policy };
    request.extensions_mut().insert(deadline.clone());
    let mut response = std::pin::pin!(next.run(request));
    loop {
        let at = deadline.at();
        match tokio::time::timeout_at(at, &mut response).await {
            Ok(response) => return response,
            Err(_) if deadline.at() > at => continue,
            Err(_) => return StatusCode::REQUEST_TIMEOUT.into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_gets_the_flat_time_plus_its_bytes_at_the_minimum_rate() {
        let policy = DeadlinePolicy { flat: Duration::from_secs(30) };
        let started = Instant::now();
        let deadline = Deadline {
            at: Arc::new(Mutex::new(started + policy.flat)),
            started,
            declared_body_bytes: Some(8 << 20),
            policy,
        };
        deadline.allow_for_body(65_536, 0);
        assert_eq!(deadline.at() - started, Duration::from_secs(30 + 128));
    }
}
