//! Getting releases to the streaming services: the ERN 4.3 message of a
//! release ([`message`]), the batch it travels in, and its delivery to each
//! configured target ([`sink`]) through a queue with retries and a log
//! ([`queue`]). Publishing or taking down a release queues its deliveries
//! (an event handler writes the rows); the job sends them after commit.

pub mod message;
pub mod queue;
pub mod sftp;
pub mod sink;

use serde::Deserialize;

pub use message::Prepared;
pub use queue::{deliver_due, deliver_now};

/// Where a delivery target's batches go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryKind {
    Sftp,
    S3,
    Directory,
}

/// One `[[music.delivery]]` table.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryTarget {
    pub name: String,
    pub recipient_dpid: String,
    pub recipient_name: String,
    pub kind: DeliveryKind,
    #[serde(default)]
    pub live: bool,
    // directory
    #[serde(default)]
    pub path: String,
    // sftp
    #[serde(default)]
    pub host: String,
    #[serde(default = "default_ssh_port")]
    pub port: u16,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub private_key_file: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub host_key: String,
    #[serde(default)]
    pub remote_dir: String,
    // s3
    #[serde(default)]
    pub bucket: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub endpoint: String,
    #[serde(default)]
    pub access_key_id: String,
    #[serde(default)]
    pub secret_access_key: String,
    #[serde(default)]
    pub prefix: String,
}

fn default_ssh_port() -> u16 {
    22
}

/// Secrets stay out of logs and error pages.
impl std::fmt::Debug for DeliveryTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryTarget").field("name", &self.name).field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl DeliveryTarget {
    /// What a target of its kind must have.
    pub fn check(&self) -> Result<(), String> {
        let name_ok =
            !self.name.is_empty() && self.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !name_ok {
            return Err("give the target a name of letters, digits, - and _".into());
        }
        if !super::ddex::is_dpid(&self.recipient_dpid) {
            return Err("recipient_dpid must be a DDEX Party ID (PADPIDA…)".into());
        }
        let missing = |fields: &[(&str, &str)]| {
            fields
                .iter()
                .find(|(_, v)| v.trim().is_empty())
                .map(|(k, _)| format!("a {:?} target needs `{k}`", self.kind))
        };
        let gap = match self.kind {
            DeliveryKind::Directory => missing(&[("path", &self.path)]),
            DeliveryKind::Sftp => missing(&[("host", &self.host), ("username", &self.username)]).or_else(|| {
                (self.private_key_file.is_empty() && self.password.is_empty())
                    .then(|| "an sftp target needs `private_key_file` or `password`".to_owned())
            }),
            DeliveryKind::S3 => missing(&[("bucket", &self.bucket), ("region", &self.region)]),
        };
        gap.map_or(Ok(()), Err)
    }
}
