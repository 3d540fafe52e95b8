//! Product photos: decoded within the shared photo limits (one decoding
//! budget for every upload of the server), stored as a web size that keeps
//! the photo's shape and a square thumbnail.

use image::imageops::FilterType;
use sha2::{Digest, Sha256};

use crate::identity::photo::{self, PhotoError};

/// Longest side of the web size, and the thumbnail's side.
pub const WEB_SIDE: u32 = 1200;
pub const THUMB_SIDE: u32 = 400;

pub struct ProductPhoto {
    pub web: Vec<u8>,
    pub thumb: Vec<u8>,
    pub web_key: String,
    pub thumb_key: String,
}

pub fn process(bytes: &[u8]) -> Result<ProductPhoto, PhotoError> {
    let decoded = photo::decode(bytes)?;
    let web = decoded.image.resize(WEB_SIDE, WEB_SIDE, FilterType::Lanczos3).to_rgb8();
    let thumb = decoded.image.resize_to_fill(THUMB_SIDE, THUMB_SIDE, FilterType::Lanczos3).to_rgb8();
    drop(decoded);
    let web = photo::encode_jpeg(&web)?;
    let thumb = photo::encode_jpeg(&thumb)?;
    let digest = hex::encode(&Sha256::digest(&web)[..16]);
    Ok(ProductPhoto {
        web,
        thumb,
        web_key: format!("shop/photos/{digest}.jpg"),
        thumb_key: format!("shop/photos/{digest}-t.jpg"),
    })
}
