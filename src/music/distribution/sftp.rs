//! Delivers files to a streaming service's SFTP server (DDEX batches go this way).
//!
//! A [`SftpSession`] is one SSH connection with the SFTP subsystem open on it. Every
//! path the caller passes is relative to [`SftpTarget::remote_dir`], uses forward
//! slashes and may not climb out of it. Files are written to `<name>.part` and
//! renamed into place once complete, so the service never picks up half a file.
//! Every network step runs under [`SftpTarget::timeout`].

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use russh::client::{self, AuthResult, Handle};
use russh::keys::{PrivateKeyWithHashAlg, PublicKey, PublicKeyOrCertificate};
use tokio::io::AsyncWriteExt;

/// Where and as whom to deliver.
#[derive(Clone)]
pub struct SftpTarget {
    pub host: String,
    pub port: u16,
    pub username: String,
    /// OpenSSH private key (ed25519, ECDSA or RSA), without a passphrase.
    pub private_key_path: Option<PathBuf>,
    /// Tried after the key (or alone) when set.
    pub password: Option<String>,
    /// The server's host key as in known_hosts ("ssh-ed25519 AAAA…"); when set, any other key is refused.
    /// When unset, any host key is accepted.
    pub host_key: Option<String>,
    /// Folder on the server the batch folders go into (created if missing).
    pub remote_dir: String,
    /// Connect, authenticate and each file operation must finish within this.
    pub timeout: Duration,
}

impl fmt::Debug for SftpTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SftpTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("private_key_path", &self.private_key_path)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("host_key", &self.host_key)
            .field("remote_dir", &self.remote_dir)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SftpError {
    /// The server could not be reached, or the SSH/SFTP handshake failed.
    #[error("{0}")]
    Connect(String),
    /// The server presented a host key other than the configured one.
    #[error(
        "the SFTP server presented the host key \"{got}\", but the configured host key is \"{expected}\"; \
         refusing to connect (if the service changed its key, update the configured host key)"
    )]
    HostKey { expected: String, got: String },
    /// The server refused the credentials, or the key could not be read.
    #[error("{0}")]
    Auth(String),
    /// A network step took longer than [`SftpTarget::timeout`]; says which step.
    #[error("the SFTP server did not answer in time while {0}")]
    Timeout(&'static str),
    /// A file operation failed (permissions, disk full, connection lost, …).
    #[error("{0}")]
    Io(String),
    /// A path that is absolute, climbs out with `..`, or has backslashes or empty parts.
    #[error("{0}")]
    BadPath(String),
}

/// An open SFTP connection. Close it with [`SftpSession::close`]; dropping it just
/// drops the connection.
pub struct SftpSession {
    sftp: russh_sftp::client::SftpSession,
    ssh: Handle<Client>,
    /// "host:port", for messages.
    server: String,
    username: String,
    /// remote_dir without trailing slashes ("." when empty).
    base: String,
    timeout: Duration,
    /// Folders (full remote paths) known to exist, so repeated writes skip the checks.
    known_dirs: Mutex<HashSet<String>>,
}

impl fmt::Debug for SftpSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SftpSession")
            .field("server", &self.server)
            .field("username", &self.username)
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// Connects, checks the host key, authenticates and opens the SFTP subsystem.
pub async fn connect(target: &SftpTarget) -> Result<SftpSession, SftpError> {
    let server = format!("{}:{}", target.host, target.port);
    let user = &target.username;
    let base = target.remote_dir.trim_end_matches('/');
    let base = if base.is_empty() && target.remote_dir.starts_with('/') {
        "/"
    } else if base.is_empty() {
        "."
    } else {
        base
    };
    if base.contains('\\') || base.split('/').any(|part| part == "..") {
        return Err(SftpError::BadPath(format!("the remote folder {base:?} must not contain \"..\" or backslashes")));
    }
    let expected = target.host_key.as_deref().map(|line| parse_host_key(line, &server)).transpose()?;
    // Read the key before touching the network: a bad key file is a local problem.
    let key = match &target.private_key_path {
        Some(path) => Some(russh::keys::load_secret_key(path, None).map_err(|e| {
            SftpError::Auth(format!(
                "could not read the private key {} for the SFTP server at {server}: {e}",
                path.display()
            ))
        })?),
        None => None,
    };
    if key.is_none() && target.password.is_none() {
        return Err(SftpError::Auth(format!(
            "neither a private key nor a password is configured for user {user} on the SFTP server at {server}"
        )));
    }
    let t = target.timeout;

    let mismatch = Arc::new(Mutex::new(None));
    let handler = Client { expected: expected.clone(), mismatch: mismatch.clone() };
    let config = Arc::new(client::Config { nodelay: true, ..client::Config::default() });
    let socket =
        within(t, "connecting to the SFTP server", tokio::net::TcpStream::connect((target.host.as_str(), target.port)))
            .await?
            .map_err(|e| SftpError::Connect(format!("could not reach the SFTP server at {server}: {e}")))?;
    let _ = socket.set_nodelay(true);
    let handshake = within(t, "connecting to the SFTP server", client::connect_stream(config, socket, handler)).await?;
    let mut ssh = match handshake {
        Ok(ssh) => ssh,
        Err(e) => {
            if let Some(got) = mismatch.lock().unwrap_or_else(|p| p.into_inner()).take() {
                return Err(SftpError::HostKey {
                    expected: target.host_key.clone().unwrap_or_default().trim().to_owned(),
                    got,
                });
            }
            return Err(SftpError::Connect(format!("the SSH handshake with the SFTP server at {server} failed: {e}")));
        }
    };

    let mut refused = Vec::new();
    let mut authenticated = false;
    if let Some(key) = key {
        let key = Arc::new(key);
        let hash = if key.algorithm().is_rsa() {
            within(t, "authenticating with the SFTP server", ssh.best_supported_rsa_hash())
                .await?
                .map_err(|e| SftpError::Auth(format!("authentication with the SFTP server at {server} failed: {e}")))?
                .flatten()
        } else {
            None
        };
        let result = within(
            t,
            "authenticating with the SFTP server",
            ssh.authenticate_publickey(user.as_str(), PrivateKeyWithHashAlg::new(key, hash)),
        )
        .await?
        .map_err(|e| SftpError::Auth(format!("authentication with the SFTP server at {server} failed: {e}")))?;
        authenticated = auth_ok(&result);
        if !authenticated {
            let path = target.private_key_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
            refused.push(format!("the key {path}"));
        }
    }
    if !authenticated && let Some(password) = &target.password {
        let result = within(
            t,
            "authenticating with the SFTP server",
            ssh.authenticate_password(user.as_str(), password.as_str()),
        )
        .await?
        .map_err(|e| SftpError::Auth(format!("authentication with the SFTP server at {server} failed: {e}")))?;
        authenticated = auth_ok(&result);
        if !authenticated {
            refused.push("the password".to_owned());
        }
    }
    if !authenticated {
        return Err(SftpError::Auth(format!(
            "the SFTP server at {server} refused {} for user {user}",
            refused.join(" and ")
        )));
    }

    let sftp = within(t, "opening the SFTP channel", async {
        let channel = ssh.channel_open_session().await.map_err(|e| e.to_string())?;
        channel.request_subsystem(true, "sftp").await.map_err(|e| e.to_string())?;
        let config = russh_sftp::client::Config {
            request_timeout_secs: t.as_secs_f64().ceil().max(1.0) as u64,
            ..russh_sftp::client::Config::default()
        };
        russh_sftp::client::SftpSession::new_with_config(channel.into_stream(), config).await.map_err(|e| e.to_string())
    })
    .await?
    .map_err(|e| {
        SftpError::Connect(format!("the SSH server at {server} accepted user {user} but did not start SFTP: {e}"))
    })?;

    Ok(SftpSession {
        sftp,
        ssh,
        server,
        username: user.clone(),
        base: base.to_owned(),
        timeout: t,
        known_dirs: Mutex::new(HashSet::new()),
    })
}

impl SftpSession {
    /// Creates `relative` (forward slashes, under remote_dir) and its parents, and
    /// remote_dir itself when missing.
    pub async fn create_dirs(&self, relative: &str) -> Result<(), SftpError> {
        let parts = check_relative(relative)?;
        self.ensure_dir(&parts).await
    }

    /// Writes a file from a stream of byte chunks (never the whole file in memory), to a temporary
    /// name `<name>.part` first and renamed into place when complete, so a reader never sees half a file.
    /// Creates the file's folder when missing and replaces an existing file. Returns the bytes written.
    pub async fn write_stream<S>(&self, relative: &str, mut chunks: S) -> Result<u64, SftpError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin + Send,
    {
        let parts = check_relative(relative)?;
        let (dir, _) = parts.split_at(parts.len() - 1);
        self.ensure_dir(dir).await?;
        let path = self.full(&parts);
        let part = format!("{path}.part");

        let written = async {
            let mut file =
                self.step("creating a file on the SFTP server", self.sftp.create(part.as_str())).await?.map_err(
                    |e| SftpError::Io(format!("could not create {part} on the SFTP server at {}: {e}", self.server)),
                )?;
            let mut written = 0u64;
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|e| SftpError::Io(format!("could not read the data for {path}: {e}")))?;
                self.step("writing a file on the SFTP server", file.write_all(&chunk)).await?.map_err(|e| {
                    SftpError::Io(format!("writing {part} on the SFTP server at {} failed: {e}", self.server))
                })?;
                written += chunk.len() as u64;
            }
            self.step("finishing a file on the SFTP server", file.shutdown()).await?.map_err(|e| {
                SftpError::Io(format!("finishing {part} on the SFTP server at {} failed: {e}", self.server))
            })?;
            Ok::<_, SftpError>(written)
        }
        .await;
        let written = match written {
            Ok(written) => written,
            Err(e) => {
                // Best effort: leave no half file behind. The connection may be gone already.
                let _ = tokio::time::timeout(self.timeout, self.sftp.remove_file(part.as_str())).await;
                return Err(e);
            }
        };

        self.rename_into_place(&part, &path).await?;
        Ok(written)
    }

    /// Writes a file held in memory; same guarantees as [`SftpSession::write_stream`].
    pub async fn write_bytes(&self, relative: &str, bytes: Bytes) -> Result<u64, SftpError> {
        self.write_stream(relative, futures::stream::iter([Ok(bytes)])).await
    }

    /// Ends the SFTP subsystem and the SSH connection politely.
    pub async fn close(self) -> Result<(), SftpError> {
        let _ = self.sftp.close().await;
        self.step(
            "closing the connection",
            self.ssh.disconnect(russh::Disconnect::ByApplication, "delivery finished", "en"),
        )
        .await?
        .map_err(|e| {
            SftpError::Io(format!("closing the connection to the SFTP server at {} failed: {e}", self.server))
        })?;
        // The handle resolves once the connection task has sent the goodbye and ended.
        let _ = tokio::time::timeout(self.timeout, self.ssh).await;
        Ok(())
    }

    /// SFTP v3 RENAME refuses to replace a file (OpenSSH uses link + unlink), so when
    /// the target exists it is removed first. A reader can then briefly see no file,
    /// never a partial one.
    async fn rename_into_place(&self, part: &str, path: &str) -> Result<(), SftpError> {
        const STEP: &str = "renaming an uploaded file into place";
        let first = self.step(STEP, self.sftp.rename(part, path)).await?;
        let Err(first) = first else { return Ok(()) };
        let exists = self.step(STEP, self.sftp.try_exists(path)).await?.unwrap_or(false);
        if exists {
            self.step(STEP, self.sftp.remove_file(path)).await?.map_err(|e| {
                SftpError::Io(format!("could not replace {path} on the SFTP server at {}: {e}", self.server))
            })?;
            if let Ok(()) = self.step(STEP, self.sftp.rename(part, path)).await? {
                return Ok(());
            }
        }
        let _ = tokio::time::timeout(self.timeout, self.sftp.remove_file(part)).await;
        Err(SftpError::Io(format!("could not rename {part} to {path} on the SFTP server at {}: {first}", self.server)))
    }

    /// Makes sure base/parts… exists, creating what is missing from the top down.
    async fn ensure_dir(&self, parts: &[&str]) -> Result<(), SftpError> {
        const STEP: &str = "creating a folder on the SFTP server";
        let mut dirs = Vec::new();
        if self.base != "." && self.base != "/" {
            let absolute = self.base.starts_with('/');
            let mut path = String::new();
            for part in self.base.split('/').filter(|p| !p.is_empty() && *p != ".") {
                if absolute || !path.is_empty() {
                    path.push('/');
                }
                path.push_str(part);
                dirs.push(path.clone());
            }
        }
        for i in 1..=parts.len() {
            dirs.push(self.full(&parts[..i]));
        }
        // Find the deepest folder that is known or found to exist, then create the rest.
        let mut missing_from = dirs.len();
        while missing_from > 0 {
            let dir = &dirs[missing_from - 1];
            if self.known(dir) {
                break;
            }
            match self.step(STEP, self.sftp.metadata(dir.as_str())).await? {
                Ok(meta) if meta.is_dir() => {
                    self.remember(dir);
                    break;
                }
                Ok(_) => {
                    return Err(SftpError::Io(format!(
                        "{dir} on the SFTP server at {} is a file, not a folder",
                        self.server
                    )));
                }
                Err(_) => missing_from -= 1,
            }
        }
        for dir in &dirs[missing_from..] {
            if let Err(e) = self.step(STEP, self.sftp.create_dir(dir.as_str())).await? {
                // Someone else (a parallel delivery) may have created it meanwhile.
                let exists = matches!(self.step(STEP, self.sftp.metadata(dir.as_str())).await?, Ok(m) if m.is_dir());
                if !exists {
                    return Err(SftpError::Io(format!(
                        "could not create the folder {dir} on the SFTP server at {} as user {}: {e}",
                        self.server, self.username
                    )));
                }
            }
            self.remember(dir);
        }
        Ok(())
    }

    fn full(&self, parts: &[&str]) -> String {
        let rest = parts.join("/");
        match self.base.as_str() {
            "." => rest,
            "/" => format!("/{rest}"),
            base => format!("{base}/{rest}"),
        }
    }

    fn known(&self, dir: &str) -> bool {
        self.known_dirs.lock().unwrap_or_else(|p| p.into_inner()).contains(dir)
    }

    fn remember(&self, dir: &str) {
        self.known_dirs.lock().unwrap_or_else(|p| p.into_inner()).insert(dir.to_owned());
    }

    async fn step<F: Future>(&self, what: &'static str, fut: F) -> Result<F::Output, SftpError> {
        within(self.timeout, what, fut).await
    }
}

async fn within<F: Future>(t: Duration, what: &'static str, fut: F) -> Result<F::Output, SftpError> {
    tokio::time::timeout(t, fut).await.map_err(|_| SftpError::Timeout(what))
}

fn auth_ok(result: &AuthResult) -> bool {
    matches!(result, AuthResult::Success)
}

/// Splits a caller's relative path into its parts, refusing anything that could
/// leave remote_dir or be read differently by the server.
fn check_relative(relative: &str) -> Result<Vec<&str>, SftpError> {
    let bad = |why: &str| Err(SftpError::BadPath(format!("refusing the remote path {relative:?}: {why}")));
    if relative.is_empty() {
        return bad("it is empty");
    }
    if relative.starts_with('/') {
        return bad("it must be relative to the delivery folder, not absolute");
    }
    if relative.contains('\\') {
        return bad("use forward slashes, not backslashes");
    }
    if relative.chars().any(char::is_control) {
        return bad("it contains control characters");
    }
    let parts: Vec<&str> = relative.split('/').collect();
    if parts.contains(&"..") {
        return bad("it must not contain \"..\"");
    }
    if parts.iter().any(|p| p.is_empty() || *p == ".") {
        return bad("it has an empty or \".\" part");
    }
    Ok(parts)
}

/// Reads "ssh-ed25519 AAAA… [comment]", optionally preceded by a known_hosts host field.
fn parse_host_key(line: &str, server: &str) -> Result<PublicKey, SftpError> {
    let bad = |why: String| {
        SftpError::Connect(format!("the configured host key for the SFTP server at {server} is not usable: {why}"))
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    let algo = words
        .iter()
        .position(|w| w.starts_with("ssh-") || w.starts_with("ecdsa-") || w.starts_with("sk-") || w.starts_with("rsa-"))
        .ok_or_else(|| bad("expected a line like \"ssh-ed25519 AAAA…\"".to_owned()))?;
    let base64 = words.get(algo + 1).ok_or_else(|| bad("the key data after the key type is missing".to_owned()))?;
    let key = russh::keys::parse_public_key_base64(base64).map_err(|e| bad(e.to_string()))?;
    if key.algorithm().as_str() != words[algo] {
        return Err(bad(format!("the key data is a {} key, not {}", key.algorithm().as_str(), words[algo])));
    }
    Ok(key)
}

/// The russh client handler: checks the host key, records what a refused server presented.
struct Client {
    expected: Option<PublicKey>,
    mismatch: Arc<Mutex<Option<String>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(&mut self, presented: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let Some(expected) = &self.expected else { return Ok(true) };
        let (ok, got) = match presented {
            PublicKeyOrCertificate::PublicKey { key, .. } => (key.key_data() == expected.key_data(), key_line(key)),
            PublicKeyOrCertificate::Certificate(cert) => {
                (false, format!("a host certificate for {}", key_line(&PublicKey::from(cert.public_key().clone()))))
            }
        };
        if !ok {
            *self.mismatch.lock().unwrap_or_else(|p| p.into_inner()) = Some(got);
        }
        Ok(ok)
    }
}

/// "ssh-ed25519 AAAA…" without a comment.
fn key_line(key: &PublicKey) -> String {
    let mut key = key.clone();
    key.set_comment("");
    key.to_openssh().unwrap_or_else(|_| format!("{} key", key.algorithm().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_checked() {
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a\\b", "a//b", "./a", "a/", "a\nb"] {
            assert!(matches!(check_relative(bad), Err(SftpError::BadPath(_))), "{bad:?} should be refused");
        }
        assert_eq!(check_relative("batch/resources/a.flac").unwrap(), ["batch", "resources", "a.flac"]);
        assert_eq!(check_relative("a..b").unwrap(), ["a..b"]);
    }

    #[test]
    fn host_keys_are_parsed() {
        let line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ";
        let key = parse_host_key(line, "h:22").unwrap();
        assert_eq!(key_line(&key), line);
        let with_host = format!("[127.0.0.1]:2222 {line} comment");
        assert_eq!(parse_host_key(&with_host, "h:22").unwrap().key_data(), key.key_data());
        let wrong_type = line.replace("ssh-ed25519", "ssh-rsa");
        assert!(matches!(parse_host_key(&wrong_type, "h:22"), Err(SftpError::Connect(_))));
        assert!(matches!(parse_host_key("nonsense", "h:22"), Err(SftpError::Connect(_))));
    }

    #[test]
    fn sessions_and_writes_can_move_between_tasks() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>(_: &T) {}
        send_sync::<SftpSession>();
        send_sync::<SftpError>();
        // Never called: compiling it is the check that the futures are Send.
        #[allow(dead_code)]
        fn futures_are_send(session: &SftpSession) {
            send(&session.write_stream("a", futures::stream::empty()));
            send(&session.write_bytes("a", Bytes::new()));
            send(&session.create_dirs("a"));
        }
    }

    fn target_at(port: u16, timeout: Duration) -> SftpTarget {
        SftpTarget {
            host: "127.0.0.1".to_owned(),
            port,
            username: "deliver".to_owned(),
            private_key_path: None,
            password: Some("unused".to_owned()),
            host_key: None,
            remote_dir: "drop".to_owned(),
            timeout,
        }
    }

    #[tokio::test]
    async fn a_closed_port_is_a_connect_error_within_the_timeout() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let started = std::time::Instant::now();
        let err = connect(&target_at(port, Duration::from_secs(3))).await.unwrap_err();
        eprintln!("{err}");
        assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
        let SftpError::Connect(message) = &err else { panic!("expected a Connect error, got {err:?}") };
        assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    }

    #[tokio::test]
    async fn a_silent_server_is_a_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hold = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(socket);
        });
        let started = std::time::Instant::now();
        let err = connect(&target_at(port, Duration::from_millis(300))).await.unwrap_err();
        assert!(matches!(err, SftpError::Timeout(_)), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(err.to_string(), "the SFTP server did not answer in time while connecting to the SFTP server");
        hold.abort();
    }

    /// The real-server tests: `eval "$(scripts/sftp-peer start /tmp/x)"` first.
    mod peer {
        use super::super::*;
        use std::path::Path;

        fn env(name: &str) -> String {
            std::env::var(name).unwrap_or_else(|_| {
                panic!(
                    "{name} is not set: these tests need a real SFTP server; \
                     run `eval \"$(scripts/sftp-peer start /tmp/x)\"` first (or scripts/test)"
                )
            })
        }

        fn unique(prefix: &str) -> String {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
            format!("{prefix}-{}-{nanos}", std::process::id())
        }

        /// The peer's target, delivering into a fresh folder under the drop folder.
        fn target(folder: &str) -> SftpTarget {
            SftpTarget {
                host: env("SFTP_TEST_HOST"),
                port: env("SFTP_TEST_PORT").parse().expect("SFTP_TEST_PORT is a port number"),
                username: env("SFTP_TEST_USER"),
                private_key_path: Some(env("SFTP_TEST_KEY").into()),
                password: None,
                host_key: Some(env("SFTP_TEST_HOST_KEY")),
                remote_dir: format!("{}/{folder}", env("SFTP_TEST_DIR")),
                timeout: Duration::from_secs(10),
            }
        }

        fn pattern(len: usize) -> Vec<u8> {
            let mut state = 0x2545_f491_4f6c_dd1du64;
            (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect()
        }

        #[tokio::test]
        #[cfg_attr(not(feature = "e2e"), ignore)]
        async fn streams_nested_files_and_renames_them_into_place() {
            let folder = unique("inbox");
            let session = connect(&target(&folder)).await.unwrap();
            session.create_dirs("20260101_batch/resources").await.unwrap();

            let data = pattern(3 * 1024 * 1024);
            let chunks: Vec<Result<Bytes, std::io::Error>> =
                data.chunks(64 * 1024).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
            let written =
                session.write_stream("20260101_batch/resources/A1.flac", futures::stream::iter(chunks)).await.unwrap();
            assert_eq!(written, data.len() as u64);
            // A folder that was not created beforehand, and a file replaced in place.
            session.write_bytes("20260101_batch/meta/release.xml", Bytes::from_static(b"<old/>")).await.unwrap();
            session.write_bytes("20260101_batch/meta/release.xml", Bytes::from_static(b"<new/>")).await.unwrap();
            assert!(matches!(session.write_bytes("../x", Bytes::new()).await, Err(SftpError::BadPath(_))));
            assert!(matches!(session.create_dirs("a/../../x").await, Err(SftpError::BadPath(_))));
            session.close().await.unwrap();

            let local = Path::new(&env("SFTP_TEST_DIR")).join(&folder).join("20260101_batch");
            let back = std::fs::read(local.join("resources/A1.flac")).unwrap();
            assert!(back == data, "the file read back differs ({} bytes vs {})", back.len(), data.len());
            assert!(!local.join("resources/A1.flac.part").exists(), "the .part file is left behind");
            assert_eq!(std::fs::read(local.join("meta/release.xml")).unwrap(), b"<new/>");
            assert!(!local.join("meta/release.xml.part").exists());
            assert!(!Path::new(&env("SFTP_TEST_DIR")).parent().unwrap().join("x").exists());
        }

        #[tokio::test]
        #[cfg_attr(not(feature = "e2e"), ignore)]
        async fn a_wrong_host_key_is_refused_before_authenticating() {
            let mut target = target("never");
            let wrong = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ";
            target.host_key = Some(wrong.to_owned());
            // A key the server would refuse: if authentication came first this would be an Auth error.
            target.private_key_path = None;
            target.password = Some("not tried".to_owned());
            let err = connect(&target).await.unwrap_err();
            eprintln!("{err}");
            let SftpError::HostKey { expected, got } = &err else { panic!("expected a HostKey error, got {err:?}") };
            assert_eq!(expected, wrong);
            let real = env("SFTP_TEST_HOST_KEY");
            assert_eq!(
                got.split_whitespace().take(2).collect::<Vec<_>>(),
                real.split_whitespace().take(2).collect::<Vec<_>>()
            );
            assert!(err.to_string().contains(got.as_str()));
        }

        #[tokio::test]
        #[cfg_attr(not(feature = "e2e"), ignore)]
        async fn a_wrong_private_key_is_an_auth_error_naming_the_user() {
            let dir = std::env::temp_dir().join(unique("sftp-wrong-key"));
            std::fs::create_dir_all(&dir).unwrap();
            let key = dir.join("id_ed25519");
            let status = std::process::Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(&key)
                .status()
                .expect("ssh-keygen (openssh-client) is installed");
            assert!(status.success());
            let mut target = target("never");
            target.private_key_path = Some(key.clone());
            let err = connect(&target).await.unwrap_err();
            let _ = std::fs::remove_dir_all(&dir);
            eprintln!("{err}");
            let SftpError::Auth(message) = &err else { panic!("expected an Auth error, got {err:?}") };
            let user = env("SFTP_TEST_USER");
            assert!(message.contains(&format!("for user {user}")), "{message}");
            assert!(message.contains(&format!("{}:{}", env("SFTP_TEST_HOST"), env("SFTP_TEST_PORT"))), "{message}");
            assert!(message.contains(&key.display().to_string()), "{message}");
        }
    }
}
