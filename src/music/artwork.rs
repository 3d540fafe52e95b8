//! Release artwork: what stores accept — a square RGB JPEG or PNG of at
//! least 3000×3000 — checked from the file's header before anything is
//! decoded, then stored untouched with two web derivatives.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{ColorType, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

pub const MIN_SIDE: u32 = 3000;
/// Big enough for any store's recommendation (Apple: 3000; some ask 4000+).
pub const MAX_SIDE: u32 = 6000;
pub const MAX_BYTES: usize = 40 * 1024 * 1024;
/// Sides of the derivatives the web pages and the app show.
pub const WEB_SIDE: u32 = 1400;
pub const THUMB_SIDE: u32 = 300;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArtworkError {
    #[error(
        "The artwork is larger than {}; export it at a lower JPEG quality.",
        crate::web::views::format_bytes(MAX_BYTES as u64)
    )]
    TooLarge,
    #[error("Upload the artwork as a JPEG or PNG.")]
    NotJpegOrPng,
    #[error("The artwork must be square; this one is {0}×{1} pixels.")]
    NotSquare(u32, u32),
    #[error("The artwork must be at least {min}×{min} pixels; this one is {0}×{0}.", min = MIN_SIDE)]
    TooSmall(u32),
    #[error("The artwork may be at most {max}×{max} pixels; this one is {0}×{0}.", max = MAX_SIDE)]
    TooBig(u32),
    #[error("The artwork is CMYK (print colours); export it as RGB.")]
    Cmyk,
    #[error("The artwork is greyscale; stores want RGB colour.")]
    Greyscale,
    #[error("The artwork has transparency; export it as RGB without an alpha channel.")]
    Transparent,
    #[error("The artwork could not be read; it may be damaged.")]
    Unreadable,
}

/// Checked artwork: the original bytes, and the JPEG derivatives.
pub struct Artwork {
    pub side: u32,
    pub original: Vec<u8>,
    pub original_type: &'static str,
    pub web_jpeg: Vec<u8>,
    pub thumb_jpeg: Vec<u8>,
    /// Content hash (hex, 32 chars) that names the stored files.
    pub digest: String,
}

impl Artwork {
    pub fn original_key(&self) -> String {
        let ext = if self.original_type == "image/png" { "png" } else { "jpg" };
        format!("music/artwork/{}.{ext}", self.digest)
    }

    pub fn web_key(&self) -> String {
        format!("music/artwork/{}-{WEB_SIDE}.jpg", self.digest)
    }

    pub fn thumb_key(&self) -> String {
        format!("music/artwork/{}-{THUMB_SIDE}.jpg", self.digest)
    }
}

/// Checks `bytes` and makes the derivatives. Blocking (decoding a 6000² image
/// takes a while): run it on a blocking thread.
pub fn process(bytes: Vec<u8>) -> Result<Artwork, ArtworkError> {
    if bytes.len() > MAX_BYTES {
        return Err(ArtworkError::TooLarge);
    }
    let format = image::guess_format(&bytes).map_err(|_| ArtworkError::NotJpegOrPng)?;
    let original_type = match format {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Png => "image/png",
        _ => return Err(ArtworkError::NotJpegOrPng),
    };
    if format == ImageFormat::Jpeg {
        check_jpeg_components(&bytes)?;
    }
    let mut reader = ImageReader::with_format(Cursor::new(&bytes[..]), format);
    reader.limits(limits());
    let decoder = reader.into_decoder().map_err(|_| ArtworkError::Unreadable)?;
    let side = check_shape(decoder.dimensions())?;
    check_colour(decoder.color_type())?;
    // One decode at a time: a 6000² image holds ~100 MiB while it resizes.
    let _turn = DECODING.lock().unwrap_or_else(|e| e.into_inner());
    let image = image::DynamicImage::from_decoder(decoder).map_err(|_| ArtworkError::Unreadable)?.to_rgb8();
    let web_jpeg = jpeg(&image::imageops::resize(&image, WEB_SIDE, WEB_SIDE, FilterType::Lanczos3))?;
    let thumb_jpeg = jpeg(&image::imageops::resize(&image, THUMB_SIDE, THUMB_SIDE, FilterType::Triangle))?;
    let digest = hex::encode(&Sha256::digest(&bytes)[..16]);
    Ok(Artwork { side, original: bytes, original_type, web_jpeg, thumb_jpeg, digest })
}

static DECODING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Artwork uploads in flight at once (one decoding, the rest waiting),
/// across all artists: each holds up to [`MAX_BYTES`] of body in memory.
const MAX_IN_FLIGHT: usize = 4;
static IN_FLIGHT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A place among the artwork uploads in flight, taken before the body is
/// read; `None` when all are taken (the caller answers 503, retry shortly).
pub struct Turn(());

impl Turn {
    pub fn take() -> Option<Turn> {
        use std::sync::atomic::Ordering;
        let taken =
            IN_FLIGHT.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < MAX_IN_FLIGHT).then_some(n + 1));
        taken.ok().map(|_| Turn(()))
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // 16-bit RGB at the largest side, plus the resize's working copy.
    limits.max_alloc = Some(u64::from(MAX_SIDE) * u64::from(MAX_SIDE) * 6 + 64 * 1024 * 1024);
    limits
}

fn check_shape((width, height): (u32, u32)) -> Result<u32, ArtworkError> {
    if width != height {
        return Err(ArtworkError::NotSquare(width, height));
    }
    if width < MIN_SIDE {
        return Err(ArtworkError::TooSmall(width));
    }
    if width > MAX_SIDE {
        return Err(ArtworkError::TooBig(width));
    }
    Ok(width)
}

fn check_colour(colour: ColorType) -> Result<(), ArtworkError> {
    match colour {
        ColorType::Rgb8 | ColorType::Rgb16 => Ok(()),
        ColorType::L8 | ColorType::L16 => Err(ArtworkError::Greyscale),
        ColorType::La8 | ColorType::La16 | ColorType::Rgba8 | ColorType::Rgba16 | ColorType::Rgba32F => {
            Err(ArtworkError::Transparent)
        }
        _ => Err(ArtworkError::Unreadable),
    }
}

/// JPEG decoders convert CMYK to RGB silently, so the component count is
/// read from the frame header (SOFn): 1 is greyscale, 3 colour, 4 CMYK/YCCK.
fn check_jpeg_components(bytes: &[u8]) -> Result<(), ArtworkError> {
    match jpeg_components(bytes) {
        Some(3) => Ok(()),
        Some(1) => Err(ArtworkError::Greyscale),
        Some(4) => Err(ArtworkError::Cmyk),
        _ => Err(ArtworkError::Unreadable),
    }
}

fn jpeg_components(bytes: &[u8]) -> Option<u8> {
    let mut at = 2; // after SOI
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            // length(2) precision(1) height(2) width(2) components(1)
            return bytes.get(at + 9).copied();
        }
        at += 2 + length;
    }
    None
}

fn jpeg(image: &image::RgbImage) -> Result<Vec<u8>, ArtworkError> {
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 88);
    image.write_with_encoder(encoder).map_err(|_| ArtworkError::Unreadable)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(image: image::DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn rgb(side_w: u32, side_h: u32) -> image::DynamicImage {
        image::RgbImage::from_fn(side_w, side_h, |x, y| image::Rgb([(x % 251) as u8, (y % 241) as u8, 80])).into()
    }

    #[test]
    fn a_square_rgb_image_of_3000_is_kept_with_derivatives() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png] {
            let art = process(encoded(rgb(3000, 3000), format)).unwrap();
            assert_eq!(art.side, 3000);
            let web = image::load_from_memory(&art.web_jpeg).unwrap();
            assert_eq!((web.width(), web.height()), (WEB_SIDE, WEB_SIDE));
            let thumb = image::load_from_memory(&art.thumb_jpeg).unwrap();
            assert_eq!(thumb.width(), THUMB_SIDE);
            assert!(art.original_key().starts_with("music/artwork/"));
        }
    }

    #[test]
    fn small_oblong_grey_transparent_and_other_files_are_refused() {
        assert_eq!(process(encoded(rgb(2999, 2999), ImageFormat::Png)).err(), Some(ArtworkError::TooSmall(2999)));
        assert_eq!(
            process(encoded(rgb(3000, 3200), ImageFormat::Png)).err(),
            Some(ArtworkError::NotSquare(3000, 3200))
        );
        let grey: image::DynamicImage = image::GrayImage::new(3000, 3000).into();
        assert_eq!(process(encoded(grey.clone(), ImageFormat::Png)).err(), Some(ArtworkError::Greyscale));
        assert_eq!(process(encoded(grey, ImageFormat::Jpeg)).err(), Some(ArtworkError::Greyscale));
        let alpha: image::DynamicImage = image::RgbaImage::new(3000, 3000).into();
        assert_eq!(process(encoded(alpha, ImageFormat::Png)).err(), Some(ArtworkError::Transparent));
        assert_eq!(process(b"GIF89a....".to_vec()).err(), Some(ArtworkError::NotJpegOrPng));
        assert_eq!(process(vec![0; MAX_BYTES + 1]).err(), Some(ArtworkError::TooLarge));
        // A PNG header claiming 20000² pixels is refused before decoding.
        let mut bomb = encoded(rgb(8, 8), ImageFormat::Png);
        bomb[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        assert!(matches!(process(bomb), Err(ArtworkError::TooBig(_) | ArtworkError::Unreadable)));
    }

    #[test]
    fn refusals_name_the_limits_in_force() {
        let large = ArtworkError::TooLarge.to_string();
        assert!(large.contains(&crate::web::views::format_bytes(MAX_BYTES as u64)), "{large}");
        let small = ArtworkError::TooSmall(100).to_string();
        assert!(small.contains(&format!("at least {MIN_SIDE}×{MIN_SIDE}")) && small.contains("100×100"), "{small}");
        let big = ArtworkError::TooBig(9000).to_string();
        assert!(big.contains(&format!("at most {MAX_SIDE}×{MAX_SIDE}")) && big.contains("9000×9000"), "{big}");
    }

    #[test]
    fn artwork_uploads_in_flight_are_bounded() {
        let taken: Vec<Turn> = std::iter::from_fn(Turn::take).take(MAX_IN_FLIGHT + 3).collect();
        assert_eq!(taken.len(), MAX_IN_FLIGHT);
        assert!(Turn::take().is_none());
        drop(taken);
        assert!(Turn::take().is_some(), "places come back");
    }

    #[test]
    fn a_cmyk_jpeg_is_named_as_such() {
        // The frame header of a real JPEG, its component count set to 4.
        let mut jpeg = encoded(rgb(16, 16), ImageFormat::Jpeg);
        assert_eq!(jpeg_components(&jpeg), Some(3));
        let mut at = 2;
        while !(jpeg[at] == 0xFF && jpeg[at + 1] == 0xC0) {
            at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        }
        jpeg[at + 9] = 4;
        assert_eq!(process(jpeg).err(), Some(ArtworkError::Cmyk));
    }
}
