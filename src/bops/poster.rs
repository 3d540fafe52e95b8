//! Poster frames: chosen by the artist from frames their browser captured,
//! checked like any uploaded image, scaled to fit 720×1280 and stored under
//! a content-addressed key (so they can be cached for a year).

use image::imageops::FilterType;
use sha2::{Digest, Sha256};

use crate::identity::photo::{self, PhotoError};

const MAX_WIDTH: u32 = 720;
const MAX_HEIGHT: u32 = 1280;

pub struct Poster {
    pub key: String,
    pub jpeg: Vec<u8>,
}

pub fn process(bytes: &[u8]) -> Result<Poster, PhotoError> {
    let decoded = photo::decode(bytes)?;
    let image = &decoded.image;
    let fitted = if image.width() > MAX_WIDTH || image.height() > MAX_HEIGHT {
        image.resize(MAX_WIDTH, MAX_HEIGHT, FilterType::Triangle).to_rgb8()
    } else {
        image.to_rgb8()
    };
    drop(decoded);
    let jpeg = photo::encode_jpeg(&fitted)?;
    let digest = hex::encode(&Sha256::digest(&jpeg)[..16]);
    Ok(Poster { key: format!("posters/{digest}.jpg"), jpeg })
}
