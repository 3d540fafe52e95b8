//! `boptone backup` / `boptone restore`: one `.tar.gz` holding a consistent
//! snapshot of the database (taken with `VACUUM INTO` while the server keeps
//! serving and writing), the local media, and a manifest.

use crate::db::CachedSql;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::config::{Config, MediaBackend};
use crate::db::lock::DataDirLock;
use crate::db::{Db, migrate, now_ms};

const FORMAT: u32 = 1;
const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "boptone.db";
const MEDIA: &str = "media";

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub boptone_version: String,
    pub created_at_ms: i64,
    pub schema_version: i64,
    pub media: MediaManifest,
}

/// Where the media of a backup is: inside it (local store), or left in its
/// bucket, which the backup only records.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "lowercase")]
pub enum MediaManifest {
    Local { files: usize },
    S3 { bucket: String, endpoint: String },
    Memory,
}

/// Writes a backup of the data directory `config` names to `out`.
pub fn create(config: &Config, out: &Path) -> anyhow::Result<Manifest> {
    let db_path = config.database_path();
    ensure!(db_path.exists(), "no database at {}: nothing to back up (check --data-dir)", db_path.display());
    let out_dir = parent_dir(out);
    fs::create_dir_all(&out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    let staging = tempfile::TempDir::new_in(&out_dir).context("cannot create a staging directory beside --out")?;
    let snapshot = staging.path().join(DATABASE);
    Db::open(&db_path)?.snapshot_to(&snapshot).context("cannot snapshot the database")?;
    let schema_version = migrate::current_version(&Connection::open(&snapshot)?)?;

    let media_files = match config.media.backend {
        MediaBackend::Local => list_files(&config.media_dir())?,
        _ => Vec::new(),
    };
    let media = match config.media.backend {
        MediaBackend::Local => MediaManifest::Local { files: media_files.len() },
        MediaBackend::S3 => {
            MediaManifest::S3 { bucket: config.media.s3.bucket.clone(), endpoint: config.media.s3.endpoint.clone() }
        }
        MediaBackend::Memory => MediaManifest::Memory,
    };
    let manifest = Manifest {
        format: FORMAT,
        boptone_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at_ms: now_ms(),
        schema_version,
        media,
    };
    let partial = staging.path().join("backup.tar.gz");
    write_archive(&partial, &manifest, &snapshot, &config.media_dir(), &media_files)?;
    fs::rename(&partial, out).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(manifest)
}

fn write_archive(
    path: &Path,
    manifest: &Manifest,
    db: &Path,
    media_root: &Path,
    media: &[PathBuf],
) -> anyhow::Result<()> {
    let file = BufWriter::new(File::create(path)?);
    let mut tar = tar::Builder::new(GzEncoder::new(file, Compression::fast()));
    let manifest_json = serde_json::to_vec_pretty(manifest)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(manifest_json.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(u64::try_from(manifest.created_at_ms / 1000).unwrap_or(0));
    tar.append_data(&mut header, MANIFEST, manifest_json.as_slice())?;
    tar.append_path_with_name(db, DATABASE)?;
    for relative in media {
        tar.append_path_with_name(media_root.join(relative), Path::new(MEDIA).join(relative))?;
    }
    tar.into_inner()?.finish()?.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}

/// Every finished file under `root`, relative to it. Files the local store is
/// still writing (named `…#n` until renamed into place) are skipped.
fn list_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if root.exists() {
        collect_files(root, Path::new(""), &mut files)?;
    }
    files.sort();
    Ok(files)
}

fn collect_files(root: &Path, relative: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in fs::read_dir(root.join(relative))? {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_files(root, &path, files)?;
        } else if kind.is_file() && !entry.file_name().to_string_lossy().contains('#') {
            files.push(path);
        }
    }
    Ok(())
}

/// Replaces `data_dir` with the contents of the backup at `archive`.
pub fn restore(archive: &Path, data_dir: &Path, force: bool) -> anyhow::Result<Manifest> {
    ensure!(
        !DataDirLock::is_held(data_dir),
        "data directory {} is in use by a running boptone server; stop it before restoring",
        data_dir.display()
    );
    let occupied = data_dir.exists() && fs::read_dir(data_dir)?.next().is_some();
    ensure!(!occupied || force, "data directory {} already holds data; pass --force to replace it", data_dir.display());
    let parent = parent_dir(data_dir);
    fs::create_dir_all(&parent)?;
    let staging =
        tempfile::TempDir::new_in(&parent).context("cannot create a staging directory beside the data directory")?;
    unpack(archive, staging.path())?;
    let manifest = verify_unpacked(staging.path())?;

    // Hold the lock across the swap so no server starts on a half-moved directory.
    let _lock = if data_dir.exists() { Some(DataDirLock::acquire(data_dir)?) } else { None };
    let replaced = parent.join(format!(".boptone-replaced-{}", now_ms()));
    if data_dir.exists() {
        fs::rename(data_dir, &replaced).with_context(|| format!("cannot move {} aside", data_dir.display()))?;
    }
    let restored = staging.keep();
    fs::remove_file(restored.join(MANIFEST))?;
    if let Err(err) = fs::rename(&restored, data_dir) {
        if replaced.exists() {
            let _unused = fs::rename(&replaced, data_dir);
        }
        bail!("cannot move the restored data into {}: {err}", data_dir.display());
    }
    if replaced.exists() {
        fs::remove_dir_all(&replaced)
            .with_context(|| format!("restored, but could not remove {}", replaced.display()))?;
    }
    Ok(manifest)
}

/// Unpacks plain files and directories only. A backup never holds links:
/// a symbolic or hard link would point the restored media directory at any
/// file of the host (a crafted backup served `/etc/passwd`), so an archive
/// with one is refused before anything is used.
fn unpack(archive: &Path, into: &Path) -> anyhow::Result<()> {
    let unreadable = || format!("{} is not a readable boptone backup", archive.display());
    let file = File::open(archive).with_context(|| format!("cannot open {}", archive.display()))?;
    let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
    for entry in tar.entries().with_context(unreadable)? {
        let mut entry = entry.with_context(unreadable)?;
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir()) {
            let name = entry.path().map(|p| p.display().to_string()).unwrap_or_default();
            bail!(
                "{} holds {name:?}, which is not a plain file or directory ({kind:?}); refusing to restore it",
                archive.display()
            );
        }
        // `unpack_in` refuses names that climb out of `into` (`..`, absolute paths).
        ensure!(
            entry.unpack_in(into).with_context(unreadable)?,
            "{} holds an entry outside the backup",
            archive.display()
        );
    }
    Ok(())
}

/// Checks an unpacked backup: its manifest, and the database's integrity
/// and schema version.
fn verify_unpacked(dir: &Path) -> anyhow::Result<Manifest> {
    let manifest: Manifest = fs::read(dir.join(MANIFEST))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .context("the archive has no boptone manifest: not a boptone backup")?;
    ensure!(manifest.format == FORMAT, "backup format {} is not supported by this binary", manifest.format);
    let db_path = dir.join(DATABASE);
    ensure!(db_path.exists(), "the backup holds no database");
    let conn = Connection::open(&db_path)?;
    let integrity: String = conn.query_row_cached("PRAGMA integrity_check", [], |r| r.get(0))?;
    ensure!(integrity == "ok", "the backup's database failed its integrity check: {integrity}");
    let version = migrate::current_version(&conn)?;
    let latest = migrate::latest_version();
    ensure!(
        version <= latest,
        "the backup is at schema version {version}, newer than this binary knows ({latest}); use a newer boptone"
    );
    Ok(manifest)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
