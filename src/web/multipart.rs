//! Reading multipart forms field by field with bounds: text fields share a
//! byte budget, a file field keeps at most its limit and reads on past it
//! (so the rest of the form, and a field error for the file, still come).

use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;
use bytes::{Bytes, BytesMut};

use crate::error::{AppError, AppResult};

/// A text field, counted against what all text fields may take together.
pub async fn read_text(mut field: Field<'_>, budget: &mut usize) -> AppResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
        *budget =
            budget.checked_sub(chunk.len()).ok_or_else(|| AppError::BadRequest("The form is too large.".into()))?;
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes)
        .map_err(|_| AppError::BadRequest("The form could not be read: a field is not UTF-8.".into()))
}

/// A file field of at most `max` bytes; `None` when it was larger (what
/// was kept is dropped, the rest is read without keeping).
pub async fn read_capped(mut field: Field<'_>, max: usize) -> AppResult<Option<Bytes>> {
    let mut kept = BytesMut::new();
    let mut too_large = false;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) if !too_large && kept.len() + chunk.len() <= max => kept.extend_from_slice(&chunk),
            Ok(Some(_)) => {
                too_large = true;
                kept = BytesMut::new();
            }
            Ok(None) => break,
            Err(err) if too_large || err.status() == StatusCode::PAYLOAD_TOO_LARGE => return Ok(None),
            Err(err) => return Err(bad_form(err)),
        }
    }
    Ok((!too_large).then(|| kept.freeze()))
}

pub fn bad_form(err: MultipartError) -> AppError {
    AppError::BadRequest(format!("The form could not be read: {}", err.body_text()))
}
