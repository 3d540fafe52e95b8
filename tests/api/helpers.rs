//! `spawn_app()` and friends.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use boptone::app::AppState;
use boptone::config::{Config, MediaBackend};
use boptone::events::Registry;
use boptone::media::Media;
use boptone::startup::Application;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub dir: TempDir,
    /// What the app was built with, so that [`TestApp::restart`] can build it again.
    config: Config,
    media: Option<Media>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

/// A config for tests: port 0, a temporary data directory, local media.
pub fn test_config(data_dir: &Path) -> Config {
    let mut config = Config::defaults();
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    config.data.dir = data_dir.to_path_buf();
    config.media.backend = MediaBackend::Local;
    config.events.backoff_base_ms = 5;
    config.events.backoff_max_ms = 50;
    config.server.shutdown_grace_secs = 2;
    // Tests pay out when they say so (`run_sandbox_payouts`), not on a timer.
    config.set("analytics.payouts.sandbox_schedule", false);
    // Low renditions only where a test asks for them (tests/api/renditions.rs):
    // elsewhere ffmpeg would work beside every test that posts a Bop.
    config.set("bops.ffmpeg", "");
    // Most tests sign artists up as anyone could; tests/api/joining.rs tries
    // the invite and approval modes (a new instance's default is "invite").
    config.set("label.artist_signup", "open");
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}, None, None).await
}

/// The password of every account `spawn_demo_app` makes.
#[allow(dead_code)] // for the tests that read demo data
pub const DEMO_PASSWORD: &str = "demo passphrase 123";

/// An app over `boptone demo` data (`configure` applied to its config
/// first): onboarded sandbox artists (`artist1@demo.boptone.test` …) with
/// Bops, published EPs and shops; fans (`fan1@demo.boptone.test` …) who
/// follow, like, comment, tip and have orders; every password
/// [`DEMO_PASSWORD`]. Realistic rows for every pillar at once.
#[allow(dead_code)] // for the tests that read demo data
pub async fn spawn_demo_app(artists: u32, fans: u32, bops: u32, configure: impl FnOnce(&mut Config)) -> TestApp {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&dir.path().join("data"));
    configure(&mut config);
    let size = boptone::demo::DemoSize { artists, fans, bops, heavy_follows: 0, password: DEMO_PASSWORD.to_owned() };
    let seeded = config.clone();
    // The seeder runs a runtime of its own: not on this one's threads.
    tokio::task::spawn_blocking(move || boptone::demo::run(&seeded, &size)).await.unwrap().expect("demo data");
    start(dir, config, None, None).await
}

/// `TEST_LOG=debug scripts/test …` shows the application's logs.
fn init_logs() {
    if let Ok(level) = std::env::var("TEST_LOG") {
        boptone::telemetry::init(boptone::config::LogFormat::Text, &level);
    }
}

pub async fn spawn_app_with(
    configure: impl FnOnce(&mut Config),
    registry: Option<Registry>,
    media: Option<Media>,
) -> TestApp {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&dir.path().join("data"));
    configure(&mut config);
    start(dir, config, registry, media).await
}

/// Builds and starts the application on `config` over `dir`.
async fn start(dir: TempDir, config: Config, registry: Option<Registry>, media: Option<Media>) -> TestApp {
    let app = Application::build_with(config.clone(), registry, media.clone()).await.expect("the application builds");
    let address = format!("http://{}", app.local_addr());
    let state = app.state();
    let mailbox = (state.config.mail_dir(), std::sync::Arc::downgrade(&state.mail_outbox));
    MAILBOXES.lock().unwrap().insert(address.clone(), mailbox);
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = rx.await;
    }));
    TestApp { address, client: client(), state, dir, config, media, shutdown: Some(tx), server: Some(server) }
}

type Mailbox = (PathBuf, std::sync::Weak<boptone::notify::MailOutbox>);

/// Each running app's mail folder and outbox, by address, so that helpers
/// holding only a base URL (like `browser::signed_up`) can follow emailed
/// links. Weak, so the map keeps no stopped app alive.
static MAILBOXES: std::sync::Mutex<std::collections::BTreeMap<String, Mailbox>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// The newest link starting with `{base}{path_prefix}` in mail sent to `to`
/// by the app at `base`; returned as a path.
pub fn link_in_mail(base: &str, to: &str, path_prefix: &str) -> Option<String> {
    let (dir, outbox) = MAILBOXES.lock().unwrap().get(base).cloned()?;
    if let Some(outbox) = outbox.upgrade() {
        while outbox.deliver_due().unwrap() > 0 {}
    }
    let mut files: Vec<_> = std::fs::read_dir(dir).ok()?.map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().rev().find_map(|path| {
        // Undo quoted-printable soft line breaks, so links can be read whole.
        let mail = std::fs::read_to_string(path).unwrap().replace("=\r\n", "");
        if !mail.lines().any(|l| l.eq_ignore_ascii_case(&format!("To: {to}"))) {
            return None;
        }
        let start = mail.find(path_prefix)?;
        Some(mail[start..].chars().take_while(|c| !c.is_whitespace()).collect())
    })
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.state.config.data_dir().to_path_buf()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Delivers every due event now, instead of waiting for the worker.
    #[allow(dead_code)] // for the pillars whose tests check downstream effects
    pub async fn drain_events(&self) {
        let bus = self.state.events.clone();
        tokio::task::spawn_blocking(move || bus.drain(Instant::now() + Duration::from_secs(10)).unwrap())
            .await
            .unwrap();
    }

    /// Every email sent so far (`.eml` files, in order), after delivering
    /// what waits in the outbox.
    pub fn mails(&self) -> Vec<String> {
        while self.state.mail_outbox.deliver_due().unwrap() > 0 {}
        let mut files: Vec<_> =
            std::fs::read_dir(self.data_dir().join("mail")).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        // Undo quoted-printable soft line breaks, so links can be read whole.
        files.iter().map(|p| std::fs::read_to_string(p).unwrap().replace("=\r\n", "")).collect()
    }

    /// Stops the server the way SIGTERM does, and waits for it.
    pub async fn stop(mut self) {
        self.halt().await;
    }

    async fn halt(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }

    /// Stops the server and starts a new one over the same data directory
    /// (and the same media store), with `configure` applied on top of the
    /// first one's configuration; it listens on a new port.
    #[allow(dead_code)] // for the tests of what survives a restart
    pub async fn restart_with(mut self, configure: impl FnOnce(&mut Config)) -> TestApp {
        self.halt().await;
        let TestApp { dir, mut config, media, state, .. } = self;
        drop(state);
        configure(&mut config);
        start(dir, config, None, media).await
    }
}

/// The `boptone` binary under test.
pub fn boptone() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_boptone"));
    // Tests choose their own configuration: nothing from the caller's
    // environment or working directory leaks in.
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("BOPTONE_")) {
        command.env_remove(name);
    }
    command.current_dir(std::env::temp_dir());
    command
}

pub fn run(command: &mut Command) -> Output {
    command.output().expect("boptone runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Polls `condition` until it holds or `timeout` passes.
pub async fn eventually(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    condition()
}

/// Bytes whose every offset is distinguishable: byte i is (i * 7 + i / 251) mod 256.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + i / 251) % 256) as u8).collect()
}

/// A valid vertical MP4 of exactly `total` bytes: the H.264 fixture followed
/// by one large top-level `free` box, which players and the probe skip.
#[cfg_attr(not(feature = "e2e"), allow(dead_code))] // the S3 and browser tiers use it
pub fn padded_vertical_mp4(total: usize) -> Vec<u8> {
    let mut video = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vertical.mp4")).unwrap();
    let padding = total - video.len();
    video.extend_from_slice(&u32::try_from(padding).unwrap().to_be_bytes());
    video.extend_from_slice(b"free");
    video.resize(total, 0);
    video
}
