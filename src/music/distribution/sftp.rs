//! Placeholder until the SFTP client lands (replaced in the next commit).
use std::path::PathBuf;
use std::time::Duration;

pub struct SftpTarget {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub private_key_path: Option<PathBuf>,
    pub password: Option<String>,
    pub host_key: Option<String>,
    pub remote_dir: String,
    pub timeout: Duration,
}

pub struct SftpSession;

pub async fn connect(_target: &SftpTarget) -> Result<SftpSession, String> {
    Err("SFTP delivery is not available in this build".into())
}

impl SftpSession {
    pub async fn create_dirs(&self, _relative: &str) -> Result<(), String> {
        Ok(())
    }
    pub async fn write_stream<S>(&self, _relative: &str, _chunks: S) -> Result<u64, String> {
        Ok(0)
    }
    pub async fn write_bytes(&self, _relative: &str, _bytes: bytes::Bytes) -> Result<u64, String> {
        Ok(0)
    }
    pub async fn close(self) -> Result<(), String> {
        Ok(())
    }
}
