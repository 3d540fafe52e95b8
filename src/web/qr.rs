//! QR codes drawn in the binary, as inline SVG: the dashboard's profile
//! link and the console's authenticator enrolment.

use qrcode::QrCode;
use qrcode::render::svg;

use crate::error::{AppError, AppResult};

/// `data` as an SVG QR code, at least 200 px square, dark on white.
pub fn svg(data: &str) -> AppResult<String> {
    let code = QrCode::new(data.as_bytes()).map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#111827"))
        .light_color(svg::Color("#ffffff"))
        .build())
}
