//! `AppError` — the one error type of services and handlers — and its HTTP
//! mapping. A handler returns `AppResult<T>`; the response carries an
//! [`ErrorReport`] extension that `web::errors` renders as an HTML page or
//! JSON, depending on what the client accepts.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    /// Input that parsed but broke a rule; `fields` maps a field name to its message.
    #[error("{message}")]
    Invalid { message: String, fields: BTreeMap<String, String> },
    #[error("sign in required")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    /// Fewer units left than an order asks for (409, code `sold_out`),
    /// naming the shop's variant so a client can mark that line.
    #[error("{message}")]
    SoldOut { message: String, variant_id: String },
    /// A revenue action before onboarding is finished: browsers go to `url`.
    #[error("finish setting up your account first ({step})")]
    Incomplete { step: &'static str, url: &'static str },
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    #[error("the server is busy, try again shortly")]
    Unavailable,
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
    #[error(transparent)]
    Storage(#[from] object_store::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::db::DbError> for AppError {
    fn from(error: crate::db::DbError) -> AppError {
        match error {
            crate::db::DbError::Sqlite(error) => AppError::Db(error),
            crate::db::DbError::Busy => AppError::Unavailable,
            crate::db::DbError::Panicked => AppError::Internal(anyhow::anyhow!("a database task failed")),
        }
    }
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        let message = message.into();
        AppError::Invalid { fields: BTreeMap::from([(field.to_owned(), message.clone())]), message }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) | AppError::SoldOut { .. } => StatusCode::CONFLICT,
            AppError::Incomplete { .. } => StatusCode::FORBIDDEN,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Storage(object_store::Error::NotFound { .. }) => StatusCode::NOT_FOUND,
            AppError::Db(_) | AppError::Storage(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A short machine-readable code for JSON clients.
    fn code(&self) -> &'static str {
        match self {
            AppError::Incomplete { .. } => return "onboarding_incomplete",
            AppError::SoldOut { .. } => return "sold_out",
            _ => {}
        }
        match self.status() {
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::BAD_REQUEST => "bad_request",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid_input",
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::CONFLICT => "conflict",
            StatusCode::TOO_MANY_REQUESTS => "rate_limited",
            StatusCode::SERVICE_UNAVAILABLE => "unavailable",
            _ => "internal_error",
        }
    }
}

/// What went wrong, attached to an error response for the renderer.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorReport {
    #[serde(rename = "error")]
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// The onboarding step a gated request still needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Where a browser is sent instead of an error page.
    #[serde(skip)]
    pub redirect: Option<String>,
    /// The shop variant that is sold out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
}

impl ErrorReport {
    pub fn new(code: &str, message: impl Into<String>) -> ErrorReport {
        ErrorReport {
            code: code.to_owned(),
            message: message.into(),
            fields: BTreeMap::new(),
            step: None,
            redirect: None,
            variant_id: None,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let report = if status.is_server_error() {
            // Logged once, here; the client sees a generic message.
            tracing::error!(error = %self, details = ?self, "request failed");
            ErrorReport::new(self.code(), "Something went wrong on our side. Please try again.")
        } else {
            let fields = match &self {
                AppError::Invalid { fields, .. } => fields.clone(),
                _ => BTreeMap::new(),
            };
            let (step, redirect) = match &self {
                AppError::Incomplete { step, url } => (Some((*step).to_owned()), Some((*url).to_owned())),
                AppError::Unauthorized => (None, Some("/login".to_owned())),
                _ => (None, None),
            };
            let variant_id = match &self {
                AppError::SoldOut { variant_id, .. } => Some(variant_id.clone()),
                _ => None,
            };
            ErrorReport { code: self.code().to_owned(), message: self.to_string(), fields, step, redirect, variant_id }
        };
        let mut response = (status, report.message.clone()).into_response();
        match self {
            AppError::RateLimited { retry_after_secs } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            // Busy moments pass quickly: a client may try again in a second.
            AppError::Unavailable => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(1));
            }
            _ => {}
        }
        response.extensions_mut().insert(report);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_hide_their_details() {
        let response = AppError::Internal(anyhow::anyhow!("disk on fire at /var/secret")).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let report = response.extensions().get::<ErrorReport>().unwrap();
        assert_eq!(report.code, "internal_error");
        assert!(!report.message.contains("disk on fire"));
    }

    #[test]
    fn field_errors_and_retry_after_are_kept() {
        let response = AppError::invalid("email", "That email is already registered.").into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let report = response.extensions().get::<ErrorReport>().unwrap();
        assert_eq!(report.fields["email"], "That email is already registered.");
        let limited = AppError::RateLimited { retry_after_secs: 42 }.into_response();
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.headers()[header::RETRY_AFTER], "42");
    }
}
