//! Request deadlines. Every request has `server.request_timeout_secs` to be
//! answered (then 408). A route that receives a large body, an upload chunk,
//! is given more: the flat limit plus the time its declared length takes at
//! a minimum rate, so a slow but moving upload is not cut off at the flat
//! limit. A body that stalls altogether is still ended by the connection's
//! idle timeout.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;

/// The limits every request is held to.
#[derive(Debug, Clone, Copy)]
pub struct DeadlinePolicy {
    /// Every request's time, and the floor of a body's.
    pub flat: Duration,
    /// A body is given the time its bytes take at this rate, on top of `flat`.
    pub min_bytes_per_sec: u64,
    /// The length assumed for a body that declares none (chunked).
    pub undeclared_body_bytes: u64,
}

/// A request's deadline, which a route may push back (see [`scale_with_body`]).
#[derive(Clone)]
pub struct Deadline {
    at: Arc<Mutex<Instant>>,
    started: Instant,
    body_bytes: u64,
    policy: DeadlinePolicy,
}

impl Deadline {
    fn at(&self) -> Instant {
        *self.at.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gives the request the flat time plus its body's time at the minimum rate.
    pub fn allow_for_body(&self) {
        let rate = self.policy.min_bytes_per_sec.max(1);
        let body = Duration::from_secs_f64(self.body_bytes as f64 / rate as f64);
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
    let body_bytes = declared_length(request.headers()).unwrap_or(policy.undeclared_body_bytes);
    let deadline = Deadline { at: Arc::new(Mutex::new(started + policy.flat)), started, body_bytes, policy };
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

/// Layered on a route that receives large bodies (upload chunks): its
/// deadline scales with the body's declared length.
pub async fn scale_with_body(request: Request, next: Next) -> Response {
    if let Some(deadline) = request.extensions().get::<Deadline>() {
        deadline.allow_for_body();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_gets_the_flat_time_plus_its_bytes_at_the_minimum_rate() {
        let policy =
            DeadlinePolicy { flat: Duration::from_secs(30), min_bytes_per_sec: 65_536, undeclared_body_bytes: 0 };
        let started = Instant::now();
        let deadline =
            Deadline { at: Arc::new(Mutex::new(started + policy.flat)), started, body_bytes: 8 << 20, policy };
        deadline.allow_for_body();
        assert_eq!(deadline.at() - started, Duration::from_secs(30 + 128));
    }
}
