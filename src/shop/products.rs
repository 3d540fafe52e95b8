//! The artist's products: creating and editing them within the tier's
//! product limit, their variants, photos and files.

use bytes::Bytes;

use super::domain::{FieldErrors, ProductDraft, ProductStatus, VariantDraft, VariantInput};
use super::events::announce_product;
use super::repo::{self, PhotoRow, ProductRow, VariantRow};
use crate::app::AppState;
use crate::core::Currency;
use crate::core::ids::{ArtistId, ProductId};
use crate::db::Db;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::identity::ArtistRow;
use crate::media::Media;
use crate::media::MediaKey;

/// A product with everything its pages show.
#[derive(Debug, Clone)]
pub struct FullProduct {
    pub product: ProductRow,
    pub variants: Vec<VariantRow>,
    pub photos: Vec<PhotoRow>,
    pub files: Vec<repo::FileRow>,
}

pub fn load_full(conn: &rusqlite::Connection, product: ProductRow) -> rusqlite::Result<FullProduct> {
    let variants = repo::variants_of(conn, product.id)?;
    let photos = repo::photos_of(conn, product.id)?;
    let files = repo::files_of(conn, product.id)?;
    Ok(FullProduct { product, variants, photos, files })
}

/// The refusal when a new draft or active product would pass the tier's limit.
fn over_limit(state: &AppState, conn: &rusqlite::Connection, artist: &ArtistRow) -> rusqlite::Result<Option<String>> {
    let Some(limit) = super::state(state).config.product_limit(artist.tier.as_deref()) else { return Ok(None) };
    let live = repo::count_live_products(conn, artist.id)?;
    Ok((live >= limit).then(|| {
        format!(
            "Your plan holds {limit} products and you have {live}. Archive one, or move to a plan with more products."
        )
    }))
}

pub async fn create_product(state: &AppState, artist: &ArtistRow, draft: ProductDraft) -> AppResult<String> {
    let (app, artist) = (state.clone(), artist.clone());
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            if draft.status != ProductStatus::Archived
                && let Some(why) = over_limit(&app, tx, &artist)?
            {
                return Err(AppError::Conflict(why));
            }
            let uid = crate::core::new_uid();
            let id = repo::insert_product(tx, artist.id, &uid, &draft, None, now_ms())?;
            announce_product(tx, id)?;
            Ok(uid)
        })
        .await
}

pub async fn update_product(state: &AppState, artist: &ArtistRow, uid: String, draft: ProductDraft) -> AppResult<()> {
    let (app, artist) = (state.clone(), artist.clone());
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let product = repo::find_product_for_artist(tx, artist.id, &uid)?.ok_or(AppError::NotFound)?;
            // Bringing an archived product back counts against the limit.
            if product.status == ProductStatus::Archived
                && draft.status != ProductStatus::Archived
                && let Some(why) = over_limit(&app, tx, &artist)?
            {
                return Err(AppError::Conflict(why));
            }
            if draft.option_names.len() != product.option_names.len() && !repo::variants_of(tx, product.id)?.is_empty()
            {
                return Err(AppError::invalid(
                    "option1",
                    "Remove the variants before changing how many options the product has.",
                ));
            }
            repo::update_product(tx, product.id, &draft, now_ms())?;
            announce_product(tx, product.id)?;
            Ok(())
        })
        .await
}

pub async fn own_product(state: &AppState, artist: ArtistId, uid: String) -> AppResult<FullProduct> {
    state
        .db
        .read(move |c| match repo::find_product_for_artist(c, artist, &uid)? {
            Some(product) => Ok(Some(load_full(c, product)?)),
            None => Ok(None),
        })
        .await?
        .ok_or(AppError::NotFound)
}

/// Adds a variant (`variant_uid` None) or changes one; option values must
/// differ from every other variant's.
pub async fn save_variant(
    state: &AppState,
    artist: ArtistId,
    product_uid: String,
    variant_uid: Option<String>,
    input: VariantInput,
) -> AppResult<Result<(), FieldErrors>> {
    let shop_currency = super::state(state).config.currency();
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let product = repo::find_product_for_artist(tx, artist, &product_uid)?.ok_or(AppError::NotFound)?;
            let variants = repo::variants_of(tx, product.id)?;
            let existing = match &variant_uid {
                Some(uid) => Some(variants.iter().find(|v| &v.uid == uid).ok_or(AppError::NotFound)?),
                None => None,
            };
            let currency = existing
                .map_or(Ok(shop_currency), |v| Currency::parse(&v.currency))
                .map_err(|e| AppError::Internal(e.into()))?;
            let draft = match VariantDraft::parse(&input, &product.option_names, currency) {
                Ok(draft) => draft,
                Err(errors) => return Ok(Err(errors)),
            };
            let clash = variants.iter().any(|v| {
                Some(&v.uid) != variant_uid.as_ref()
                    && v.options.iter().map(|o| o.to_lowercase()).eq(draft.options.iter().map(|o| o.to_lowercase()))
            });
            if clash {
                let message = if draft.options.is_empty() {
                    "This product has no options, so it has one variant."
                } else {
                    "Another variant has these option values."
                };
                return Ok(Err(FieldErrors::from([("value1".to_owned(), message.to_owned())])));
            }
            if existing.is_none() && variants.len() >= super::domain::MAX_VARIANTS {
                return Ok(Err(FieldErrors::from([(
                    "value1".to_owned(),
                    format!("A product has at most {} variants.", super::domain::MAX_VARIANTS),
                )])));
            }
            match existing {
                Some(variant) => repo::update_variant(tx, variant.id, &draft, now_ms())?,
                None => {
                    repo::insert_variant(tx, product.id, &crate::core::new_uid(), &draft, currency.code(), now_ms())?;
                }
            }
            announce_product(tx, product.id)?;
            Ok(Ok(()))
        })
        .await
}

pub async fn delete_variant(
    state: &AppState,
    artist: ArtistId,
    product_uid: String,
    variant_uid: String,
) -> AppResult<()> {
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let product = repo::find_product_for_artist(tx, artist, &product_uid)?.ok_or(AppError::NotFound)?;
            let variant = repo::find_variant(tx, &variant_uid)?
                .filter(|v| v.product_id == product.id)
                .ok_or(AppError::NotFound)?;
            repo::delete_variant(tx, variant.id, now_ms())?;
            announce_product(tx, product.id)?;
            Ok(())
        })
        .await
}

/// Adds a photo: decoded within the photo limits, stored as a web size and
/// a thumbnail; the first photo is the cover.
pub async fn add_photo(state: &AppState, artist: ArtistId, product_uid: String, bytes: Bytes) -> AppResult<()> {
    let lookup = product_uid.clone();
    let product =
        state.db.read(move |c| repo::find_product_for_artist(c, artist, &lookup)).await?.ok_or(AppError::NotFound)?;
    let max = super::state(state).config.max_photos as usize;
    store_photo(&state.db, &state.media, max, product.id, bytes, String::new()).await
}

/// Stores a photo of `product` (at most `max` per product); `source_url`
/// says where an import found it.
pub async fn store_photo(
    db: &Db,
    media: &Media,
    max: usize,
    product: ProductId,
    bytes: Bytes,
    source_url: String,
) -> AppResult<()> {
    let count = db.read(move |c| repo::photos_of(c, product)).await?.len();
    if count >= max {
        return Err(AppError::invalid("photo", format!("A product has at most {max} photos: remove one first.")));
    }
    let processed = tokio::task::spawn_blocking(move || super::photos::process(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|why| AppError::invalid("photo", why.to_string()))?;
    let web_key = MediaKey::parse(&processed.web_key).ok_or(AppError::NotFound)?;
    let thumb_key = MediaKey::parse(&processed.thumb_key).ok_or(AppError::NotFound)?;
    media.put_bytes_as(&web_key, processed.web.into(), "image/jpeg").await?;
    media.put_bytes_as(&thumb_key, processed.thumb.into(), "image/jpeg").await?;
    db.write::<_, AppError, _>(move |tx| {
        repo::insert_photo(tx, product, &processed.web_key, &processed.thumb_key, &source_url, now_ms())?;
        Ok(())
    })
    .await
}

pub async fn remove_photo(state: &AppState, artist: ArtistId, product_uid: String, photo: i64) -> AppResult<()> {
    let keys = state
        .db
        .write::<_, AppError, _>(move |tx| {
            let product = repo::find_product_for_artist(tx, artist, &product_uid)?.ok_or(AppError::NotFound)?;
            repo::delete_photo(tx, product.id, photo)?.ok_or(AppError::NotFound)
        })
        .await?;
    for key in [keys.0, keys.1] {
        if let Some(key) = MediaKey::parse(&key) {
            state.media.delete(&key).await?;
        }
    }
    Ok(())
}

pub async fn make_cover(state: &AppState, artist: ArtistId, product_uid: String, photo: i64) -> AppResult<()> {
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let product = repo::find_product_for_artist(tx, artist, &product_uid)?.ok_or(AppError::NotFound)?;
            if !repo::photos_of(tx, product.id)?.iter().any(|p| p.id == photo) {
                return Err(AppError::NotFound);
            }
            repo::make_cover(tx, product.id, photo)?;
            Ok(())
        })
        .await
}

pub async fn delete_product(state: &AppState, artist: ArtistId, product_uid: String) -> AppResult<()> {
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let product = repo::find_product_for_artist(tx, artist, &product_uid)?.ok_or(AppError::NotFound)?;
            repo::delete_product(tx, product.id, now_ms())?;
            announce_product(tx, product.id)?;
            Ok(())
        })
        .await
}
