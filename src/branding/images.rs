//! The label's logo and favicon as the server keeps them: decoded with the
//! photos' bounded decoder (sizes and pixel counts checked from the header
//! before any pixel is decoded, few decodes at once), then re-encoded as
//! PNG — so what is served is always an image this server made, in the
//! sizes pages, the manifest and browsers ask for, and metadata is dropped.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, GenericImageView, ImageFormat, RgbaImage};
use sha2::{Digest, Sha256};

use crate::identity::photo;

pub use crate::web::brand::MAX_IMAGE_BYTES as MAX_BYTES;
/// The logo as pages show it fits in this square.
const LOGO_SIDE: u32 = 512;
/// Square icons for the app manifest.
pub const ICON_SIDES: [u32; 2] = [192, 512];
const FAVICON_SIDE: u32 = 64;

/// One PNG the label's pages link: its name under the label's files and its size.
#[derive(Debug, Clone)]
pub struct Png {
    pub name: String,
    pub bytes: bytes::Bytes,
    pub width: u32,
    pub height: u32,
}

/// A processed logo: the logo itself and its square icons.
#[derive(Debug, Clone)]
pub struct Logo {
    pub logo: Png,
    pub icons: Vec<Png>,
}

pub fn too_large() -> String {
    format!("The image is larger than {}; choose a smaller one.", crate::web::views::format_bytes(MAX_BYTES as u64))
}

/// The decoded image holds its place among the server's decodes until it
/// is dropped, so the resizes below count against the same bound.
fn decode(bytes: &[u8]) -> Result<photo::Decoded, String> {
    if bytes.len() > MAX_BYTES {
        return Err(too_large());
    }
    photo::decode(bytes).map_err(|e| e.to_string().replace("photo", "image"))
}

/// Runs on a blocking thread: decoding and resizing take CPU time.
pub fn process_logo(bytes: &[u8]) -> Result<Logo, String> {
    let decoded = decode(bytes)?;
    let image = &decoded.image;
    let hash = digest(bytes);
    let fitted = fit(image, LOGO_SIDE);
    let logo = png(&format!("logo-{hash}.png"), &fitted)?;
    let icons = ICON_SIDES
        .iter()
        .map(|side| png(&format!("icon-{hash}-{side}.png"), &square(image, *side)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Logo { logo, icons })
}

pub fn process_favicon(bytes: &[u8]) -> Result<Png, String> {
    let decoded = decode(bytes)?;
    png(&format!("favicon-{}.png", digest(bytes)), &square(&decoded.image, FAVICON_SIDE))
}

fn digest(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..12])
}

/// Scaled down (never up) to fit in a `side` square, keeping its shape.
fn fit(image: &DynamicImage, side: u32) -> RgbaImage {
    let (w, h) = image.dimensions();
    if w <= side && h <= side { image.to_rgba8() } else { image.resize(side, side, FilterType::Lanczos3).to_rgba8() }
}

/// Fitted into a transparent `side` square, centred: a wide logo is not cropped.
fn square(image: &DynamicImage, side: u32) -> RgbaImage {
    let inner = image.resize(side, side, FilterType::Lanczos3).to_rgba8();
    let mut canvas = RgbaImage::new(side, side);
    let x = i64::from((side - inner.width()) / 2);
    let y = i64::from((side - inner.height()) / 2);
    image::imageops::overlay(&mut canvas, &inner, x, y);
    canvas
}

fn png(name: &str, image: &RgbaImage) -> Result<Png, String> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).map_err(|_| "The image could not be read; it may be damaged.")?;
    Ok(Png { name: name.to_owned(), bytes: out.into_inner().into(), width: image.width(), height: image.height() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, _| image::Rgb([(x % 256) as u8, 40, 90]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_logo_keeps_its_shape_and_gets_square_icons() {
        let logo = process_logo(&encoded(1600, 400, ImageFormat::Jpeg)).unwrap();
        assert_eq!((logo.logo.width, logo.logo.height), (512, 128));
        assert!(logo.logo.name.starts_with("logo-") && logo.logo.name.ends_with(".png"));
        let sides: Vec<_> = logo.icons.iter().map(|i| (i.width, i.height)).collect();
        assert_eq!(sides, [(192, 192), (512, 512)]);
        for png in logo.icons.iter().chain([&logo.logo]) {
            assert_eq!(image::guess_format(&png.bytes).unwrap(), ImageFormat::Png);
        }
        let small = process_logo(&encoded(100, 50, ImageFormat::Png)).unwrap();
        assert_eq!((small.logo.width, small.logo.height), (100, 50), "never scaled up");
    }

    #[test]
    fn favicons_are_small_squares_and_non_images_are_refused() {
        let favicon = process_favicon(&encoded(300, 300, ImageFormat::Png)).unwrap();
        assert_eq!((favicon.width, favicon.height), (64, 64));
        assert!(process_favicon(b"<svg onload=alert(1)>").unwrap_err().contains("JPEG, PNG or WebP"));
        assert!(process_logo(&vec![0u8; MAX_BYTES + 1]).unwrap_err().contains("larger than 2 MiB"));
    }
}
