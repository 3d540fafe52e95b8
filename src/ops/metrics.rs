//! Prometheus metrics: requests by route and status, latency by route, and
//! the event queue. Labels use the matched route pattern (never the raw
//! path) and the standard methods (anything else is `other`), so the series
//! count stays bounded whatever clients send.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::app::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// A registered event handler: a fixed set, so the series stay bounded.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HandlerLabels {
    event: &'static str,
    handler: &'static str,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    events_pending: Gauge,
    events_dead: Gauge,
    handlers: Family<HandlerLabels, Histogram, fn() -> Histogram>,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms … ~4 s
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

fn handler_histogram() -> Histogram {
    // 10 µs … ~160 ms
    Histogram::new(exponential_buckets(0.000_01, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("boptone");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let events_pending = Gauge::default();
        let events_dead = Gauge::default();
        registry.register("http_requests", "HTTP requests by route and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency by route", latency.clone());
        registry.register("events_pending", "Platform events waiting for delivery", events_pending.clone());
        registry.register("events_dead", "Platform events dead-lettered", events_dead.clone());
        let handlers: Family<HandlerLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(handler_histogram);
        registry.register(
            "event_handler_duration_seconds",
            "How long each event handler ran, inside the worker's transaction",
            handlers.clone(),
        );
        Metrics { registry, requests, latency, events_pending, events_dead, handlers }
    }

    /// What the event bus calls after each handler.
    pub fn handler_timer(&self) -> crate::events::HandlerTimer {
        let handlers = self.handlers.clone();
        std::sync::Arc::new(move |event, handler, seconds| {
            handlers.get_or_create(&HandlerLabels { event, handler }).observe(seconds);
        })
    }

    pub fn set_event_queue(&self, pending: i64, dead: i64) {
        self.events_pending.set(pending);
        self.events_dead.set(dead);
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = RequestLabels { method: method.to_owned(), route: route.to_owned(), status };
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&RouteLabels { route: route.to_owned() }).observe(seconds);
    }
}

/// Middleware: counts and times every request under its matched route.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let response = next.run(request).await;
    state.metrics.observe(method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// The method as a label: the standard ones by name, anything a client made
/// up as `other`, so an anonymous client cannot mint new series.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}
