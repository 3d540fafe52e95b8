//! The command line: `serve`, `migrate`, `check`, `default-config`,
//! `backup`, `restore`, `prune`, `events`, `admin`, `demo`, `royalties`, `ddex`, `shop`, `analytics`, `search`. Errors here are `anyhow`: they end the
//! process with a message, not an HTTP response.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::auth::Role;
use crate::config::{Config, LogFormat, Overrides, PaymentsProvider};
use crate::db::lock::DataDirLock;
use crate::db::{Db, Durability, migrate, now_ms};
use crate::events::repo as events_repo;
use crate::media::Media;
use crate::startup::{Application, shutdown_signal};
use crate::{backup, telemetry};

#[derive(Debug, Parser)]
#[command(name = "boptone", version, about = "A label's own creator platform in one binary")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve {
        #[command(flatten)]
        config: ConfigArgs,
        /// Address to listen on (server.listen).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Apply pending database migrations (serve also does this).
    Migrate {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Check the configuration, the database and the media store.
    Check {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Print the default, commented boptone.toml.
    DefaultConfig,
    /// Write a consistent backup while the server keeps running.
    Backup {
        /// The backup file to write (.tar.gz).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Replace a data directory with a backup.
    Restore {
        /// A file written by `boptone backup`.
        file: PathBuf,
        #[command(flatten)]
        config: ConfigArgs,
        /// Replace a data directory that already holds data.
        #[arg(long)]
        force: bool,
    },
    /// Delete delivered events, expired sessions, tokens and reset links,
    /// old webhook ids and sent mail now (serve does this every
    /// retention.interval_secs).
    Prune {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Inspect and retry platform events.
    #[command(subcommand)]
    Events(EventsCommand),
    /// Label administration.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Royalty statements from distributors.
    #[command(subcommand)]
    Royalties(RoyaltiesCommand),
    /// DDEX ERN 4.3 messages and deliveries of releases.
    #[command(subcommand)]
    Ddex(DdexCommand),
    /// BopShop administration.
    #[command(subcommand)]
    Shop(ShopCommand),
    /// Daily snapshots and earnings.
    #[command(subcommand)]
    Analytics(AnalyticsCommand),
    /// The search index.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Fill a data directory with demo artists, fans, Bops and engagement.
    Demo {
        #[command(flatten)]
        config: ConfigArgs,
        /// Onboarded sandbox artists (artist1@demo.boptone.test …).
        #[arg(long, default_value_t = 8)]
        artists: u32,
        /// Fans (fan1@demo.boptone.test …).
        #[arg(long, default_value_t = 50)]
        fans: u32,
        /// Bops, spread over the last 90 days.
        #[arg(long, default_value_t = 120)]
        bops: u32,
        /// One more fan, heavy@demo.boptone.test, following this many artists
        /// (all of them when there are fewer): the feed of a fan who follows a lot.
        #[arg(long, default_value_t = 0)]
        heavy_follows: u32,
        /// The password of every demo account.
        #[arg(long, default_value = "boptone-demo")]
        password: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an account (for the label: --role admin).
    CreateUser {
        #[arg(long)]
        email: String,
        /// artist, fan or admin.
        #[arg(long, value_parser = ["artist", "fan", "admin"])]
        role: String,
        /// Read the password from standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
        /// The name other users see (comments, likes); generated when left out.
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Invite an artist (label.artist_signup = "invite"): emails a single-use
    /// link for this address, valid for label.invite_days, and prints it.
    Invite {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Artists waiting for the label's answer (label.artist_signup = "approval").
    Applications {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Accept an artist's application; they are told by email.
    Approve {
        #[arg(long)]
        email: String,
        /// A word for the artist (optional).
        #[arg(long, default_value = "")]
        message: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Decline an artist's application, saying why; they are told by email.
    Decline {
        #[arg(long)]
        email: String,
        #[arg(long)]
        message: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// For an admin who lost both their authenticator and their recovery
    /// codes: ends their sessions; they set up a new authenticator at the
    /// next sign-in.
    ResetMfa {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum AnalyticsCommand {
    /// Recompute the daily snapshots (and earnings per item) from the source
    /// tables: exactly what the event handlers build. Holds the writer while
    /// it runs.
    Rebuild {
        /// Only this artist: their public id or account email.
        #[arg(long, value_name = "ID")]
        artist: Option<String>,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Recompute the search index and explore's counts from the source
    /// tables: exactly what the event handlers build. Holds the writer
    /// while it runs.
    Rebuild {
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ShopCommand {
    /// Import a Shopify product CSV export into an artist's shop (the same
    /// importer and report as the studio's page). Importing again updates.
    ImportShopify {
        file: PathBuf,
        /// The artist's account email.
        #[arg(long)]
        artist: String,
        /// Do not fetch the products' images.
        #[arg(long)]
        skip_images: bool,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum RoyaltiesCommand {
    /// Import a statement: DistroKid's TSV export, or a CSV described by a
    /// column mapping saved in the studio. Importing a file twice changes nothing.
    Import {
        file: PathBuf,
        /// "distrokid", or the name of a saved column mapping.
        #[arg(long, default_value = "distrokid")]
        format: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum DdexCommand {
    /// Write a release's ERN 4.3 NewReleaseMessage (or its takedown) to a file.
    Export {
        /// The release's id (as in its studio address).
        #[arg(long)]
        release: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Address it to this delivery target (default: a test message to the label itself).
        #[arg(long)]
        target: Option<String>,
        /// The takedown message instead.
        #[arg(long)]
        takedown: bool,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Deliver a release to a target now (the attempt goes in the delivery log).
    Deliver {
        #[arg(long)]
        release: String,
        #[arg(long)]
        target: String,
        #[arg(long)]
        takedown: bool,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Debug, Args, Clone, Default)]
pub struct ConfigArgs {
    /// Configuration file (default: ./boptone.toml when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory (data.dir).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Undelivered events: pending and dead-lettered.
    List {
        /// Only dead-lettered events.
        #[arg(long)]
        dead: bool,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Put dead-lettered events back in the queue.
    Retry {
        /// The event's ID, as `events list` shows it.
        #[arg(required_unless_present = "all_dead", conflicts_with = "all_dead")]
        id: Option<i64>,
        /// Every dead-lettered event.
        #[arg(long)]
        all_dead: bool,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

impl ConfigArgs {
    fn load(&self, listen: Option<String>) -> anyhow::Result<Config> {
        let overrides = Overrides { config_file: self.config.clone(), listen, data_dir: self.data_dir.clone() };
        Ok(Config::load(&overrides)?)
    }
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { config, listen } => serve(config.load(listen)?),
        Command::Migrate { config } => run_migrate(&config.load(None)?),
        Command::Check { config } => check(&config.load(None)?),
        Command::DefaultConfig => {
            print!("{}", crate::config::default_toml());
            Ok(())
        }
        Command::Backup { out, config } => run_backup(&config.load(None)?, &out),
        Command::Restore { file, config, force } => run_restore(&config.load(None)?, &file, force),
        Command::Prune { config } => run_prune(&config.load(None)?),
        Command::Events(command) => run_events(command),
        Command::Demo { config, artists, fans, bops, heavy_follows, password } => {
            quiet_logs();
            let size = crate::demo::DemoSize { artists, fans, bops, heavy_follows, password };
            crate::demo::run(&config.load(None)?, &size)
        }
        Command::Admin(AdminCommand::CreateUser { email, role, password_stdin, display_name, config }) => {
            create_user(&config.load(None)?, &email, &role, display_name.as_deref(), password_stdin)
        }
        Command::Admin(AdminCommand::Invite { email, config }) => {
            quiet_logs();
            let mut config = config.load(None)?;
            let listen = config.server.listen;
            config.settle_public_url(listen);
            let db = Db::open_migrated(&config.database_path())?;
            let link = crate::identity::joining::create_invite(&db, &config, &email)?;
            println!("{link}");
            Ok(())
        }
        Command::Admin(AdminCommand::Applications { config }) => {
            quiet_logs();
            let db = Db::open_migrated(&config.load(None)?.database_path())?;
            let pending = db.read_blocking(|c| crate::identity::repo::list_applications(c, "pending"))?;
            if pending.is_empty() {
                println!("no applications are waiting");
            }
            for (email, name, at) in pending {
                let when =
                    chrono::DateTime::from_timestamp_millis(at).map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string());
                println!("{email}\t{name}\t{}", when.unwrap_or_default());
            }
            Ok(())
        }
        Command::Admin(AdminCommand::Approve { email, message, config }) => {
            quiet_logs();
            let db = Db::open_migrated(&config.load(None)?.database_path())?;
            crate::identity::joining::decide(&db, &email, true, &message)?;
            println!("{email} is accepted and was told by email");
            Ok(())
        }
        Command::Admin(AdminCommand::Decline { email, message, config }) => {
            quiet_logs();
            let db = Db::open_migrated(&config.load(None)?.database_path())?;
            crate::identity::joining::decide(&db, &email, false, &message)?;
            println!("{email} is declined and was told by email");
            Ok(())
        }
        Command::Admin(AdminCommand::ResetMfa { email, config }) => {
            quiet_logs();
            let db = Db::open_migrated(&config.load(None)?.database_path())?;
            crate::console::reset_for_email(&db, &email)?;
            println!("{email} will set up a new authenticator at the next sign-in");
            Ok(())
        }
        Command::Royalties(RoyaltiesCommand::Import { file, format, config }) => {
            quiet_logs();
            let report = crate::music::commands::import_royalties(&config.load(None)?, &file, &format)?;
            if report.already_imported {
                println!("{} was imported before (import {}): nothing changed", file.display(), report.import_uid);
            } else {
                println!(
                    "imported {} rows: {} matched into {} track payments, {} unmatched held for review (import {})",
                    report.rows, report.matched_rows, report.payments, report.unmatched_rows, report.import_uid
                );
            }
            Ok(())
        }
        Command::Shop(ShopCommand::ImportShopify { file, artist, skip_images, config }) => {
            quiet_logs();
            let report = crate::shop::commands::import_shopify(&config.load(None)?, &file, &artist, skip_images)?;
            print!("{}", crate::shop::commands::describe(&report));
            Ok(())
        }
        Command::Analytics(AnalyticsCommand::Rebuild { artist, config }) => {
            quiet_logs();
            let rebuilt = crate::analytics::commands::rebuild_command(&config.load(None)?, artist.as_deref())?;
            println!(
                "rebuilt {} artist-days, {} earning items and the loyalty of {} fan-artist pairs",
                rebuilt.days, rebuilt.items, rebuilt.fans
            );
            Ok(())
        }
        Command::Search(SearchCommand::Rebuild { config }) => {
            quiet_logs();
            let db = Db::open_migrated(&config.load(None)?.database_path())?;
            let rebuilt = db.write_blocking::<_, anyhow::Error, _>(crate::db::Durability::Normal, |tx| {
                Ok(crate::search::rebuild::rebuild(tx, crate::db::now_ms())?)
            })?;
            println!(
                "indexed {} artists, {} Bops, {} tracks and {} products",
                rebuilt.artists, rebuilt.bops, rebuilt.tracks, rebuilt.products
            );
            Ok(())
        }
        Command::Ddex(DdexCommand::Export { release, out, target, takedown, config }) => {
            quiet_logs();
            crate::music::commands::export_ddex(&config.load(None)?, &release, &out, target.as_deref(), takedown)?;
            println!("wrote {}", out.display());
            Ok(())
        }
        Command::Ddex(DdexCommand::Deliver { release, target, takedown, config }) => {
            quiet_logs();
            let batch = crate::music::commands::deliver_ddex(&config.load(None)?, &release, &target, takedown)?;
            println!("delivered to {target}: batch {batch}");
            Ok(())
        }
    }
}

fn quiet_logs() {
    telemetry::init(LogFormat::Text, "warn");
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}

fn serve(config: Config) -> anyhow::Result<()> {
    telemetry::init(config.log.format, &config.log.level);
    runtime()?.block_on(async {
        let app = Application::build(config).await?;
        let state = app.state();
        tracing::info!(
            url = %format!("http://{}", app.local_addr()),
            data_dir = %state.config.data_dir().display(),
            media = %state.media.describe(),
            payments = ?state.config.payments.provider,
            "boptone is serving"
        );
        app.run_until_stopped(shutdown_signal()).await
    })
}

fn run_migrate(config: &Config) -> anyhow::Result<()> {
    quiet_logs();
    let _lock = DataDirLock::acquire(config.data_dir())?;
    let db = Db::open(&config.database_path())?;
    for migration in db.migrate()? {
        println!("applied V{:03}__{}", migration.version, migration.name);
    }
    let version = db.read_blocking(migrate::current_version)?;
    println!(
        "database {} is at schema version {version} (latest known: {})",
        db.path().display(),
        migrate::latest_version()
    );
    Ok(())
}

fn check(config: &Config) -> anyhow::Result<()> {
    quiet_logs();
    let db_path = config.database_path();
    let schema = if db_path.exists() {
        let db = Db::open(&db_path)?;
        let version = db.read_blocking(migrate::current_version)?;
        let latest = migrate::latest_version();
        anyhow::ensure!(
            version <= latest,
            "database {} is at schema version {version}, newer than this binary knows ({latest})",
            db_path.display()
        );
        format!("schema version {version} of {latest}")
    } else {
        "not created yet (serve or migrate creates it)".to_owned()
    };
    let media = Media::from_config(config)?;
    runtime()?.block_on(media.probe()).with_context(|| format!("media store ({}) is not usable", media.describe()))?;
    let payments = match config.payments.provider {
        PaymentsProvider::Sandbox => "sandbox (test money, settled locally)".to_owned(),
        PaymentsProvider::Stripe => format!(
            "stripe at {} (secret key {}, webhook secret {})",
            config.payments.stripe.api_base,
            set_or_not(config.payments.stripe.secret_key.is_set()),
            set_or_not(config.payments.stripe.webhook_secret.is_set()),
        ),
    };
    println!("configuration ok");
    println!("  listen      {}", config.server.listen);
    let mut settled = config.clone();
    if settled.settle_public_url(config.server.listen) {
        println!("  public url  {} (derived from server.listen: set server.public_url)", settled.server.public_url);
    } else {
        println!("  public url  {}", config.server.public_url);
    }
    println!("  data dir    {}", config.data_dir().display());
    println!("  database    {} — {schema}", db_path.display());
    println!("  media       {} — reachable and writable", media.describe());
    println!("  payments    {payments}");
    println!("  logs        {:?} at {}", config.log.format, config.log.level);
    Ok(())
}

fn set_or_not(set: bool) -> &'static str {
    if set { "set" } else { "NOT set" }
}

fn run_backup(config: &Config, out: &std::path::Path) -> anyhow::Result<()> {
    quiet_logs();
    let manifest = backup::create(config, out)?;
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    println!("backup written to {} ({size} bytes, schema version {})", out.display(), manifest.schema_version);
    match manifest.media {
        backup::MediaManifest::Local { files } => println!("media: {files} files from the local store included"),
        backup::MediaManifest::S3 { bucket, .. } => println!("media: stays in S3 bucket {bucket} (not copied)"),
        backup::MediaManifest::Memory => println!("media: in-memory store, nothing to include"),
    }
    Ok(())
}

fn run_restore(config: &Config, file: &std::path::Path, force: bool) -> anyhow::Result<()> {
    quiet_logs();
    let manifest = backup::restore(file, config.data_dir(), force)?;
    println!(
        "restored {} into {} (schema version {}, taken by boptone {})",
        file.display(),
        config.data_dir().display(),
        manifest.schema_version,
        manifest.boptone_version
    );
    Ok(())
}

/// One janitor pass. It takes no lock: like the running server's own
/// janitor, it only deletes in short transactions, so it may run beside it.
fn run_prune(config: &Config) -> anyhow::Result<()> {
    quiet_logs();
    let path = config.database_path();
    if !path.exists() {
        println!("no database at {}: nothing to prune", path.display());
        return Ok(());
    }
    let db = Db::open_migrated(&path)?;
    let report = crate::janitor::prune_once(&db, &config.retention, now_ms())?;
    for (count, what) in report.lines(&config.retention) {
        println!("{count:>8}  {what}");
    }
    println!("removed {} rows from {}", report.total(), path.display());
    Ok(())
}

fn run_events(command: EventsCommand) -> anyhow::Result<()> {
    quiet_logs();
    match command {
        EventsCommand::List { dead, config } => {
            let db = Db::open_migrated(&config.load(None)?.database_path())?;
            let rows = db.read_blocking(|c| events_repo::list_undelivered(c, dead, 200))?;
            if rows.is_empty() {
                println!("{}", if dead { "no dead-lettered events" } else { "no undelivered events" });
                return Ok(());
            }
            println!(
                "{:>8}  {:<28}  {:<8}  {:>8}  {:<20}  LAST ERROR",
                "ID", "TYPE", "STATUS", "ATTEMPTS", "CREATED (UTC)"
            );
            for row in rows {
                let created = chrono::DateTime::from_timestamp_millis(row.created_at)
                    .map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M:%S").to_string());
                println!(
                    "{:>8}  {:<28}  {:<8}  {:>8}  {:<20}  {}",
                    row.id,
                    row.event_type,
                    row.status,
                    row.attempts,
                    created,
                    row.last_error.unwrap_or_default()
                );
            }
            Ok(())
        }
        EventsCommand::Retry { id, all_dead, config } => {
            let db = Db::open_migrated(&config.load(None)?.database_path())?;
            let target = if all_dead { None } else { id };
            if let Some(id) = target {
                let row = db.read_blocking(|c| events_repo::find_event(c, id))?;
                let row = row.with_context(|| format!("no event with ID {id}"))?;
                anyhow::ensure!(
                    row.status == "dead",
                    "event {id} is {}, not dead-lettered: nothing to retry",
                    row.status
                );
            }
            let count =
                db.write_blocking(Durability::Normal, |tx| events_repo::requeue_dead_events(tx, target, now_ms()))?;
            println!("{count} event(s) queued for another delivery");
            Ok(())
        }
    }
}

fn create_user(
    config: &Config,
    email: &str,
    role: &str,
    display_name: Option<&str>,
    password_stdin: bool,
) -> anyhow::Result<()> {
    quiet_logs();
    let role = Role::parse(role).context("--role must be artist, fan or admin")?;
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).context("cannot read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let first = rpassword::prompt_password("Password: ").context("cannot read the password")?;
        let second = rpassword::prompt_password("Repeat it: ").context("cannot read the password")?;
        anyhow::ensure!(first == second, "the passwords differ; nothing was created");
        first
    };
    let db = Db::open_migrated(&config.database_path())?;
    crate::identity::service::create_named_user_blocking(&db, email, &password, role, display_name)?;
    println!("created {} account {}", role.as_str(), email.trim().to_lowercase());
    Ok(())
}
