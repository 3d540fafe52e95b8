//! An exclusive lock on a data directory, so two servers (or a server and a
//! restore) never share one. The OS drops the lock when the process dies, so a
//! crash never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

const LOCK_FILE: &str = ".boptone.lock";

#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    path: PathBuf,
}

impl DataDirLock {
    /// Takes the lock, or explains who holds it.
    pub fn acquire(data_dir: &Path) -> anyhow::Result<DataDirLock> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
        let path = data_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                anyhow::bail!(
                    "data directory {} is in use by another boptone process (pid {}); stop it first",
                    data_dir.display(),
                    holder.trim()
                );
            }
            Err(TryLockError::Error(e)) => return Err(e).context("cannot lock the data directory"),
        }
        file.set_len(0)?;
        write!(file, "{}", std::process::id())?;
        Ok(DataDirLock { _file: file, path })
    }

    /// Is a live process holding `data_dir`?
    pub fn is_held(data_dir: &Path) -> bool {
        let Ok(file) = File::open(data_dir.join(LOCK_FILE)) else { return false };
        matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
