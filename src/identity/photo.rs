//! Profile photos: decoded safely, centre-cropped and resized to exactly
//! 512×512, stored content-addressed in the media store.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

pub const SIDE: u32 = 512;
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_DIMENSION: u32 = 8_000;
pub const MAX_PIXELS: u64 = 40_000_000;
/// Decoded size limit: a 24-megapixel RGB photo (72 MiB) fits, a 16-bit
/// RGBA bomb of the same pixel count does not. So the pixels a photo may
/// have depend on its colour depth as well: [`max_pixels_at`].
pub const MAX_DECODED_BYTES: u64 = 96 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("The photo is larger than {}; choose a smaller one.", crate::web::views::format_bytes(MAX_BYTES as u64))]
    TooLarge,
    #[error("Upload a JPEG, PNG or WebP image.")]
    NotAnImage,
    /// Too many pixels to decode. `max_megapixels` is the limit that held for
    /// this photo: [`MAX_PIXELS`], or fewer for deeper colour (whose pixels
    /// take more memory), so the message never promises what is refused.
    #[error(
        "The photo is too large in pixels (at most {side} pixels on a side and {max_megapixels} megapixels).",
        side = MAX_DIMENSION
    )]
    TooManyPixels { max_megapixels: u64 },
    #[error("The photo could not be read; it may be damaged.")]
    Unreadable,
}

impl PhotoError {
    /// Refused by the side or pixel-count limit, whatever the colour depth.
    pub fn too_many_pixels() -> PhotoError {
        PhotoError::TooManyPixels { max_megapixels: MAX_PIXELS / 1_000_000 }
    }
}

/// Most pixels a photo of `bytes_per_pixel` may have: [`MAX_PIXELS`], or
/// fewer when that many would decode to more than [`MAX_DECODED_BYTES`].
pub fn max_pixels_at(bytes_per_pixel: u64) -> u64 {
    MAX_PIXELS.min(MAX_DECODED_BYTES / bytes_per_pixel.max(1))
}

/// A processed photo: JPEG bytes and the key to store them under.
pub struct Photo {
    pub jpeg: Vec<u8>,
    pub key: String,
}

pub fn process(bytes: &[u8]) -> Result<Photo, PhotoError> {
    let decoded = decode(bytes)?;
    let square = decoded.image.resize_to_fill(SIDE, SIDE, FilterType::Lanczos3).to_rgb8();
    drop(decoded);
    let jpeg = encode_jpeg(&square)?;
    let digest = hex::encode(&Sha256::digest(&jpeg)[..16]);
    Ok(Photo { key: format!("profiles/{digest}.jpg"), jpeg })
}

/// JPEG at quality 88.
pub fn encode_jpeg(image: &image::RgbImage) -> Result<Vec<u8>, PhotoError> {
    let mut jpeg = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 88);
    image.write_with_encoder(encoder).map_err(|_| PhotoError::Unreadable)?;
    Ok(jpeg)
}

/// Decodes an uploaded JPEG, PNG or WebP within byte, dimension, pixel and
/// memory limits, all checked from the header before any pixel is decoded:
/// a few hundred KB of PNG can claim 16-bit RGBA at 6320×6320, 300 MiB once
/// decoded. At most [`MAX_DECODES`] images decode at once, so concurrent
/// uploads cannot multiply that budget without bound; the place is held
/// while the [`Decoded`] image lives, so the caller's resize counts too.
pub fn decode(bytes: &[u8]) -> Result<Decoded, PhotoError> {
    if bytes.len() > MAX_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = image::guess_format(bytes).map_err(|_| PhotoError::NotAnImage)?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) {
        return Err(PhotoError::NotAnImage);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let decoder = reader.into_decoder().map_err(|e| refusal(&e))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(PhotoError::Unreadable);
    }
    let pixels = u64::from(width) * u64::from(height);
    if width > MAX_DIMENSION || height > MAX_DIMENSION || pixels > MAX_PIXELS {
        return Err(PhotoError::too_many_pixels());
    }
    if decoder.total_bytes() > MAX_DECODED_BYTES {
        let max_pixels = max_pixels_at(u64::from(decoder.color_type().bytes_per_pixel()));
        return Err(PhotoError::TooManyPixels { max_megapixels: max_pixels / 1_000_000 });
    }
    let permit = DECODES.acquire();
    let image = image::DynamicImage::from_decoder(decoder).map_err(|e| refusal(&e))?;
    // Deeper colour than 8 bits per channel only doubles what the resize holds.
    let image = match image {
        image::DynamicImage::ImageRgb8(_) | image::DynamicImage::ImageRgba8(_) => image,
        other if other.color().has_alpha() => other.to_rgba8().into(),
        other => other.to_rgb8().into(),
    };
    Ok(Decoded { image, _place: permit })
}

/// A decoded image and its place among the images decoding at once: the
/// place is given back when the image is dropped, after the caller's work
/// on it (a resize holds as much again).
pub struct Decoded {
    pub image: image::DynamicImage,
    _place: DecodePermit,
}

/// The decoder's own allocation limits: a second line behind the header checks.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODED_BYTES + 16 * 1024 * 1024);
    limits
}

fn refusal(err: &image::ImageError) -> PhotoError {
    match err {
        image::ImageError::Limits(_) => PhotoError::too_many_pixels(),
        _ => PhotoError::Unreadable,
    }
}

/// Images decoding at once, across all requests.
const MAX_DECODES: usize = 2;

/// A counting semaphore for the blocking threads that decode images.
struct Decodes {
    running: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

struct DecodePermit(&'static Decodes);

impl Decodes {
    fn acquire(&'static self) -> DecodePermit {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        while *running >= MAX_DECODES {
            running = self.freed.wait(running).unwrap_or_else(|e| e.into_inner());
        }
        *running += 1;
        DecodePermit(self)
    }
}

impl Drop for DecodePermit {
    fn drop(&mut self) {
        *self.0.running.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        self.0.freed.notify_one();
    }
}

static DECODES: Decodes = Decodes { running: std::sync::Mutex::new(0), freed: std::sync::Condvar::new() };

#[cfg(test)]
fn decoding_now() -> usize {
    *DECODES.running.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decoded_image_holds_its_place_until_it_is_dropped() {
        let image = image::RgbImage::from_pixel(64, 48, image::Rgb([10, 20, 30]));
        let jpeg = encode_jpeg(&image).unwrap();
        // Other tests decode in parallel: only "at least this one" is certain.
        let decoded = decode(&jpeg).unwrap();
        assert!(decoding_now() >= 1, "held while the caller works on the image");
        drop(decoded);
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn any_shape_becomes_exactly_512_square() {
        for (w, h) in [(1200, 800), (300, 900), (512, 512), (40, 40)] {
            let photo = process(&png(w, h)).unwrap();
            let decoded = image::load_from_memory(&photo.jpeg).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (SIDE, SIDE), "{w}x{h}");
            assert!(photo.key.starts_with("profiles/") && photo.key.ends_with(".jpg"));
        }
    }

    #[test]
    fn non_images_and_bombs_are_refused() {
        assert_eq!(process(b"GIF89a not really").err(), Some(PhotoError::NotAnImage));
        assert_eq!(process(b"%PDF-1.7").err(), Some(PhotoError::NotAnImage));
        let mut truncated = png(600, 600);
        truncated.truncate(200);
        assert_eq!(process(&truncated).err(), Some(PhotoError::Unreadable));
        // A PNG header claiming 20000×20000 pixels: refused before decoding.
        let mut bomb = png(10, 10);
        bomb[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        assert!(matches!(process(&bomb), Err(PhotoError::TooManyPixels { .. } | PhotoError::Unreadable)));
        assert_eq!(process(&vec![0u8; MAX_BYTES + 1]).err(), Some(PhotoError::TooLarge));
    }

    /// A PNG whose header claims `width`×`height` at `colour` (IHDR's bit
    /// depth and colour type); nothing after the header is needed, since
    /// the limits are checked before any pixel is decoded.
    fn png_header(width: u32, height: u32, bit_depth: u8, colour_type: u8) -> Vec<u8> {
        let mut png = png(8, 8);
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        png[24] = bit_depth;
        png[25] = colour_type;
        // The header's CRC covers its type and data (bytes 12..29).
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn pixel_refusals_name_the_limits_that_apply() {
        let side = format!("at most {MAX_DIMENSION} pixels on a side");
        // Too wide for any depth: the side and the pixel count, from the constants.
        let wide = process(&png_header(MAX_DIMENSION + 1, 10, 8, 2)).err().unwrap();
        assert_eq!(wide, PhotoError::too_many_pixels());
        let message = wide.to_string();
        assert!(message.contains(&side), "{message}");
        assert!(message.contains(&format!(" {} megapixels", MAX_PIXELS / 1_000_000)), "{message}");
        assert!(!message.contains("about"), "{message}");
        // Within the sides but over the pixel count (8-bit grey: one byte a pixel).
        let grey = process(&png_header(MAX_DIMENSION, MAX_DIMENSION, 8, 0)).err().unwrap();
        assert_eq!(grey, PhotoError::TooManyPixels { max_megapixels: MAX_PIXELS / 1_000_000 });
        // 16-bit RGBA: the decoded-size limit binds first, and the message says so in pixels.
        let deep = process(&png_header(4_000, 4_000, 16, 6)).err().unwrap();
        let allowed = MAX_DECODED_BYTES / 8 / 1_000_000;
        assert_eq!(deep, PhotoError::TooManyPixels { max_megapixels: allowed });
        assert!(allowed < MAX_PIXELS / 1_000_000);
        assert!(deep.to_string().contains(&format!(" {allowed} megapixels")), "{deep}");
        assert!(deep.to_string().contains(&side), "{deep}");
        // 8-bit RGB: the limit said is one a photo just under it really passes.
        let rgb_limit = max_pixels_at(3);
        assert_eq!(rgb_limit, MAX_DECODED_BYTES / 3);
        let rgb = process(&png_header(6_000, 6_000, 8, 2)).err().unwrap();
        assert_eq!(rgb, PhotoError::TooManyPixels { max_megapixels: rgb_limit / 1_000_000 });
    }

    #[test]
    fn the_size_refusal_names_the_byte_limit() {
        let message = PhotoError::TooLarge.to_string();
        assert!(message.contains(&crate::web::views::format_bytes(MAX_BYTES as u64)), "{message}");
    }
}
