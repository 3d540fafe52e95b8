//! The two surfaces (ARCHITECTURE §3) told apart by the router a request was
//! routed into, never by its URL: the app surface's router is wrapped in
//! [`mark_api`], and everything else is the web surface. Credentials
//! (`auth`), CSRF (web only) and error rendering (JSON vs HTML) follow it.

use axum::extract::Request;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// The web studio and public pages: session cookies and CSRF.
    Web,
    /// `/api/v1`: bearer tokens, JSON.
    Api,
}

impl Surface {
    pub fn of(parts: &Parts) -> Surface {
        parts.extensions.get::<Surface>().copied().unwrap_or(Surface::Web)
    }
}

/// Middleware of the app-surface router: marks the request (for the
/// extractors) and its response (for the error renderer, which runs outside
/// the routers).
pub async fn mark_api(mut request: Request, next: Next) -> Response {
    request.extensions_mut().insert(Surface::Api);
    let mut response = next.run(request).await;
    response.extensions_mut().insert(Surface::Api);
    response
}

/// Middleware of machine endpoints (webhooks): errors are answered as JSON,
/// but no credential of either surface is read there.
pub async fn mark_machine(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.extensions_mut().insert(Surface::Api);
    response
}
