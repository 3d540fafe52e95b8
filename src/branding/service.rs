//! The label's branding: composed from boptone.toml's `[label]` and the
//! console's saved values, put in the application's brand cell at startup
//! and again after every save, so pages and emails show a change at once.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;

use super::domain::{LabelInput, StoredFavicon, StoredLogo, TEXT_KEYS, Values};
use super::images::{self, ICON_SIDES, Logo, Png};
use super::repo;
use crate::app::AppState;
use crate::core::ids::UserId;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::identity::config::LabelConfig;
use crate::media::MediaKey;
use crate::web::brand::{Accent, Brand, BrandImage, BrandImages, BrandTexts};

/// Where the console's images live in the media store.
pub const MEDIA_PREFIX: &str = "label/";
/// Where boptone.toml's images are served from (they are kept in memory).
pub const FILES_PATH: &str = "/label/files/";

/// The branding pillar's share of the application state.
pub struct BrandingState {
    /// boptone.toml's values, under the saved ones.
    config: Values,
    config_logo: Option<Logo>,
    config_favicon: Option<Png>,
    /// boptone.toml's images by file name.
    files: HashMap<String, Bytes>,
    /// One save at a time: each compares with what the last one left.
    saving: tokio::sync::Mutex<()>,
}

impl BrandingState {
    /// Reads and processes the configured images (checked already, when
    /// the configuration was loaded).
    pub fn from_config(label: &LabelConfig) -> anyhow::Result<BrandingState> {
        let read = |key: &str, path: &str| -> anyhow::Result<Option<Vec<u8>>> {
            if path.trim().is_empty() {
                return Ok(None);
            }
            crate::identity::config::read_image(path).map(Some).map_err(|why| anyhow::anyhow!("label.{key}: {why}"))
        };
        let config_logo = match read("logo", &label.logo)? {
            Some(bytes) => Some(images::process_logo(&bytes).map_err(|why| anyhow::anyhow!("label.logo: {why}"))?),
            None => None,
        };
        let config_favicon = match read("favicon", &label.favicon)? {
            Some(bytes) => {
                Some(images::process_favicon(&bytes).map_err(|why| anyhow::anyhow!("label.favicon: {why}"))?)
            }
            None => None,
        };
        let pngs = config_logo.iter().flat_map(|l| l.icons.iter().chain([&l.logo])).chain(config_favicon.iter());
        let files = pngs.map(|png| (png.name.clone(), png.bytes.clone())).collect();
        let config = Values {
            name: label.name.trim().to_owned(),
            accent: Accent::parse(&label.accent).unwrap_or_default().hex(),
            texts: BrandTexts {
                home_text: label.home_text.trim().to_owned(),
                about: label.about.trim().to_owned(),
                terms: label.terms.trim().to_owned(),
                privacy: label.privacy.trim().to_owned(),
            },
        };
        Ok(BrandingState { config, config_logo, config_favicon, files, saving: tokio::sync::Mutex::new(()) })
    }

    /// A configured image's bytes, by file name.
    pub fn config_file(&self, name: &str) -> Option<Bytes> {
        self.files.get(name).cloned()
    }

    /// The values in effect under `saved`.
    pub fn values(&self, saved: &BTreeMap<String, String>) -> Values {
        self.config.clone().overlaid(saved)
    }

    /// The brand pages show under `saved`.
    pub fn compose(&self, saved: &BTreeMap<String, String>) -> Brand {
        let values = self.values(saved);
        let accent = Accent::parse(&values.accent).unwrap_or_default();
        let mut shown = BrandImages::default();
        match saved.get("logo") {
            Some(json) => {
                if let Ok(logo) = serde_json::from_str::<StoredLogo>(json) {
                    let url = media_url(&format!("logo-{}.png", logo.hash));
                    shown.logo = Some(BrandImage { url, width: logo.width, height: logo.height });
                    shown.icons = ICON_SIDES.iter().map(|side| stored_icon(&logo.hash, *side)).collect();
                }
            }
            None => {
                if let Some(logo) = &self.config_logo {
                    shown.logo = Some(file_image(&logo.logo));
                    shown.icons = logo.icons.iter().map(file_image).collect();
                }
            }
        }
        shown.favicon = match saved.get("favicon") {
            Some(json) => serde_json::from_str::<StoredFavicon>(json)
                .ok()
                .map(|favicon| media_url(&format!("favicon-{}.png", favicon.hash))),
            None => self.config_favicon.as_ref().map(|png| format!("{FILES_PATH}{}", png.name)),
        };
        Brand::new(&values.name, &accent, shown, values.texts)
    }
}

fn media_url(name: &str) -> String {
    format!("/media/{MEDIA_PREFIX}{name}")
}

fn stored_icon(hash: &str, side: u32) -> BrandImage {
    BrandImage { url: media_url(&format!("icon-{hash}-{side}.png")), width: side, height: side }
}

fn file_image(png: &Png) -> BrandImage {
    BrandImage { url: format!("{FILES_PATH}{}", png.name), width: png.width, height: png.height }
}

/// The branding pillar's part of `state`.
pub fn state(state: &AppState) -> &BrandingState {
    state.substate::<BrandingState>()
}

/// The saved values, read at startup.
pub fn saved_blocking(db: &Db) -> anyhow::Result<BTreeMap<String, String>> {
    Ok(db.read_blocking(repo::list_settings)?)
}

/// The values in effect now, for the console's form.
pub async fn current_values(app: &AppState) -> AppResult<Values> {
    let saved = app.db.read_now(repo::list_settings).await?;
    Ok(state(app).values(&saved))
}

/// Whether the media at `key` is one of the brand's images now.
pub fn is_current_image(app: &AppState, key: &MediaKey) -> bool {
    let brand = app.views.brand();
    let url = key.url_path();
    brand.logo.iter().chain(&brand.icons).any(|image| image.url == url) || brand.favicon.as_deref() == Some(&url)
}

/// What the console's form sends: its text and, when chosen, image files.
pub struct LabelChange {
    pub input: LabelInput,
    pub logo: Option<Bytes>,
    pub favicon: Option<Bytes>,
}

/// Saves what differs from the values in effect, in one transaction with
/// the audit row `record` writes (given the changed keys), then shows the
/// new brand. Bad input changes nothing and names each wrong field.
/// Returns the keys that changed (none: nothing was written).
pub async fn save<A>(app: &AppState, by: UserId, change: LabelChange, record: A) -> AppResult<Vec<&'static str>>
where
    A: FnOnce(&Tx, &[&'static str], i64) -> rusqlite::Result<()> + Send + 'static,
{
    let LabelChange { input, logo, favicon } = change;
    let mut errors = BTreeMap::new();
    let values = input.parse().map_err(|e| errors.extend(e)).ok();
    let logo = process(logo, images::process_logo).await?.map_err(|why| errors.insert("logo".into(), why)).ok();
    let favicon =
        process(favicon, images::process_favicon).await?.map_err(|why| errors.insert("favicon".into(), why)).ok();
    let Some(values) = values.filter(|_| errors.is_empty()) else {
        let message = "Some values need fixing; nothing was changed.".to_owned();
        return Err(AppError::Invalid { message, fields: errors });
    };
    let _one_save = state(app).saving.lock().await;
    let saved = app.db.read_now(repo::list_settings).await?;
    let current = state(app).compose(&saved);
    let mut changes: Vec<(&'static str, String)> = Vec::new();
    let now_values = state(app).values(&saved);
    for key in TEXT_KEYS {
        if values.text(key) != now_values.text(key) {
            changes.push((key, values.text(key).to_owned()));
        }
    }
    let mut uploads: Vec<Png> = Vec::new();
    if let Some(Some(logo)) = logo {
        let hash = logo.logo.name.trim_start_matches("logo-").trim_end_matches(".png").to_owned();
        let stored = StoredLogo { hash, width: logo.logo.width, height: logo.logo.height };
        if current.logo.as_ref().map(|l| l.url.as_str()) != Some(&media_url(&logo.logo.name)) {
            changes.push(("logo", serde_json::to_string(&stored).map_err(anyhow::Error::from)?));
            uploads.extend(logo.icons.into_iter().chain([logo.logo]));
        }
    } else if input.remove_logo && current.logo.is_some() {
        changes.push(("logo", String::new()));
    }
    if let Some(Some(favicon)) = favicon {
        if current.favicon.as_deref() != Some(&media_url(&favicon.name)) {
            let hash = favicon.name.trim_start_matches("favicon-").trim_end_matches(".png").to_owned();
            changes.push(("favicon", serde_json::to_string(&StoredFavicon { hash }).map_err(anyhow::Error::from)?));
            uploads.push(favicon);
        }
    } else if input.remove_favicon && current.favicon.is_some() {
        changes.push(("favicon", String::new()));
    }
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    // Stored before the row that names them: a failed write leaves only an
    // unreferenced image, never a page linking a missing one.
    for png in uploads {
        let key = MediaKey::parse(&format!("{MEDIA_PREFIX}{}", png.name)).expect("brand image keys are valid");
        app.media.put_bytes_as(&key, png.bytes, "image/png").await?;
    }
    let keys: Vec<&'static str> = changes.iter().map(|(key, _)| *key).collect();
    let now = app.clock.now_ms();
    let written = keys.clone();
    app.db
        .write(move |tx| {
            for (key, value) in &changes {
                repo::upsert_setting(tx, key, value, by, now)?;
            }
            record(tx, &written, now)?;
            Ok::<_, AppError>(())
        })
        .await?;
    reload(app).await?;
    Ok(keys)
}

/// Puts the brand of the saved values in the application's brand cell.
pub async fn reload(app: &AppState) -> AppResult<()> {
    let saved = app.db.read_now(repo::list_settings).await?;
    app.views.brand_cell().set(state(app).compose(&saved));
    Ok(())
}

/// Decodes an uploaded image on a blocking thread: `None` when no file was
/// chosen, else the processed image or why it was refused.
async fn process<T: Send + 'static>(
    bytes: Option<Bytes>,
    run: fn(&[u8]) -> Result<T, String>,
) -> AppResult<Result<Option<T>, String>> {
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else { return Ok(Ok(None)) };
    if bytes.len() > images::MAX_BYTES {
        return Ok(Err(images::too_large()));
    }
    let done = tokio::task::spawn_blocking(move || run(&bytes)).await.map_err(|e| AppError::Internal(e.into()))?;
    Ok(done.map(Some))
}
