//! Plain ranges of the local media directory in one blocking call: the
//! path check, the open, the size and the read together. Through
//! object_store's local store the same answer took three trips to the
//! blocking pool (canonicalize, open and stat, read), which is what kept a
//! 64 KiB stream range at a quarter of `/healthz`.

use std::fs::{File, Metadata};
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::SystemTime;

use bytes::Bytes;
use object_store::{GetRange, ObjectMeta};

use super::MediaKey;

/// What one read of a local object came to.
pub enum LocalRead {
    /// The bytes of the range, with the object's facts.
    Read { meta: ObjectMeta, range: Range<u64>, bytes: Bytes },
    /// No such object, or a key that resolves outside the directory.
    NotFound,
    /// Something the careful path answers: a range outside the object
    /// (`416`), or one too long to read in one go.
    Careful,
}

/// Reads `range` (all of it when `None`) of `key` under `root` (the
/// canonical media directory), up to `max_len` bytes.
pub fn read(root: &Path, key: &MediaKey, range: Option<GetRange>, max_len: u64) -> io::Result<LocalRead> {
    let real = match std::fs::canonicalize(root.join(key.as_str())) {
        Ok(real) => real,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(LocalRead::NotFound),
        Err(e) => return Err(e),
    };
    if !real.starts_with(root) {
        tracing::warn!(key = %key, "a media key resolves outside the media directory; refused");
        return Ok(LocalRead::NotFound);
    }
    let file = File::open(&real)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Ok(LocalRead::NotFound);
    }
    let size = metadata.len();
    let range = match range.map(|r| r.as_range(size)) {
        None => 0..size,
        Some(Ok(range)) => range,
        Some(Err(_)) => return Ok(LocalRead::Careful),
    };
    if range.end - range.start > max_len {
        return Ok(LocalRead::Careful);
    }
    let mut buffer = vec![0; usize::try_from(range.end - range.start).map_err(io::Error::other)?];
    file.read_exact_at(&mut buffer, range.start)?;
    let meta = ObjectMeta {
        location: key.path(),
        last_modified: metadata.modified()?.into(),
        size,
        e_tag: Some(e_tag(&metadata)),
        version: None,
    };
    Ok(LocalRead::Read { meta, range, bytes: buffer.into() })
}

/// The ETag object_store's local store gives the same file (inode, mtime
/// in microseconds, size, in hex), so a validator from either path matches
/// the other. A test holds the two together.
fn e_tag(metadata: &Metadata) -> String {
    let inode = std::os::unix::fs::MetadataExt::ino(metadata);
    let mtime = metadata
        .modified()
        .ok()
        .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
        .unwrap_or_default()
        .as_micros();
    format!("{inode:x}-{mtime:x}-{:x}", metadata.len())
}

#[cfg(test)]
mod tests {
    use object_store::ObjectStore;
    use object_store::local::LocalFileSystem;

    use super::*;

    fn key() -> MediaKey {
        MediaKey::parse("music/tracks/0123456789abcdef0123456789abcdef/stream.flac").expect("a valid key")
    }

    #[tokio::test]
    async fn a_local_read_gives_object_stores_facts_and_the_asked_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let store = LocalFileSystem::new_with_prefix(&root).unwrap();
        let body: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        store.put(&key().path(), body.clone().into()).await.unwrap();
        let theirs = store.head(&key().path()).await.unwrap();

        let LocalRead::Read { meta, range, bytes } =
            read(&root, &key(), Some(GetRange::Bounded(10..65_546)), 1 << 20).unwrap()
        else {
            panic!("the range was not read")
        };
        assert_eq!(meta.e_tag, theirs.e_tag, "the same validator as object_store's");
        assert_eq!((meta.size, meta.last_modified), (theirs.size, theirs.last_modified));
        assert_eq!(range, 10..65_546);
        assert_eq!(&bytes[..], &body[10..65_546]);

        let LocalRead::Read { range, .. } = read(&root, &key(), Some(GetRange::Suffix(100)), 1 << 20).unwrap() else {
            panic!("the suffix was not read")
        };
        assert_eq!(range, 99_900..100_000);
        assert!(matches!(read(&root, &key(), Some(GetRange::Offset(100_000)), 1 << 20).unwrap(), LocalRead::Careful));
        assert!(matches!(read(&root, &key(), None, 1_000).unwrap(), LocalRead::Careful), "too long to read at once");
        let missing = MediaKey::parse("music/tracks/ffffffffffffffffffffffffffffffff/stream.flac").unwrap();
        assert!(matches!(read(&root, &missing, None, 1 << 20).unwrap(), LocalRead::NotFound));
    }

    #[test]
    fn a_key_that_leads_outside_the_directory_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("media");
        std::fs::create_dir_all(root.join("music/tracks/0123456789abcdef0123456789abcdef")).unwrap();
        std::fs::write(dir.path().join("secret"), b"not media").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret"), root.join(key().as_str())).unwrap();
        let root = root.canonicalize().unwrap();
        assert!(matches!(read(&root, &key(), None, 1 << 20).unwrap(), LocalRead::NotFound));
    }
}
