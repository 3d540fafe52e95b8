//! Building and running the application: lock the data directory, open and
//! migrate the database, reach the media store, start the event worker, bind
//! the listener; then serve until a shutdown signal and stop in order.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::app::{App, AppState};
use crate::auth::TokenCaches;
use crate::config::{Config, PaymentsProvider};
use crate::core::Clock;
use crate::db::lock::DataDirLock;
use crate::db::{Db, Durability, now_ms, server_secret};
use crate::events::{EventBus, Registry, RetryPolicy, Worker};
use crate::http_server::ConnectionLimits;
use crate::janitor::Janitor;
use crate::media::{Media, UrlSigner};
use crate::notify::{MailOutbox, MailSender, Mailer, PushOutbox, PushSender};
use crate::ops::Metrics;
use crate::payments::{Payments, Settlers};
use crate::pillar::{Install, Substates};
use crate::pillars;
use crate::web::Views;
use crate::web::brand::{Brand, BrandCell};
use crate::web::csrf::CsrfKey;
use crate::web::views::Globals;

pub struct Application {
    state: AppState,
    router: Router,
    listener: TcpListener,
    worker: Worker,
    mail_sender: MailSender,
    push_sender: PushSender,
    janitor: Janitor,
    _lock: DataDirLock,
}

/// The event handlers of every pillar.
pub fn registry(config: &Config) -> Registry {
    let mut registry = Registry::new();
    for pillar in pillars::ALL {
        pillar.events(&mut registry, config);
    }
    registry
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        Self::build_with(config, None, None).await
    }

    /// As [`Application::build`], optionally with other event handlers and
    /// another media store (tests use both).
    pub async fn build_with(
        mut config: Config,
        registry: Option<Registry>,
        media: Option<Media>,
    ) -> anyhow::Result<Application> {
        let started = Instant::now();
        let lock = DataDirLock::acquire(config.data_dir())?;
        let listener = TcpListener::bind(config.server.listen)
            .await
            .with_context(|| format!("cannot listen on {} (server.listen)", config.server.listen))?;
        if config.settle_public_url(listener.local_addr()?) {
            tracing::warn!(
                public_url = %config.server.public_url,
                "server.public_url is not set: links, emails and QR codes use the listen address; \
                 set it to the address people reach this server at"
            );
        }
        let db = Db::open_migrated(&config.database_path())?;
        let mut media = match media {
            Some(media) => media,
            None => Media::from_config(&config)?,
        };
        let link_key = db.write_blocking(Durability::Normal, |tx| server_secret(tx, "media_links", now_ms()))?;
        media.set_link_signer(UrlSigner::new(link_key, Duration::from_secs(config.media.signed_url_ttl_secs)));
        // The branding pillar composes the label's brand when it installs;
        // pages and emails read it from here, and a console save replaces it.
        let brand = BrandCell::new(Brand::default_brand());
        let mailer = Arc::new(Mailer::from_config(&config, brand.clone())?);
        let payments = Payments::from_config(&config)?;
        let registry = registry.unwrap_or_else(|| self::registry(&config));
        let secret = db.write_blocking(Durability::Normal, |tx| server_secret(tx, "csrf", now_ms()))?;
        let (mut settlers, mut substates) = (Settlers::default(), Substates::default());
        for pillar in pillars::ALL {
            let mut install = Install {
                config: &config,
                db: &db,
                media: &media,
                brand: &brand,
                settlers: &mut settlers,
                substates: &mut substates,
            };
            pillar.install(&mut install).with_context(|| format!("cannot install the {} pillar", pillar.name()))?;
        }
        let metrics = Metrics::new();
        let events = EventBus::new(db.clone(), registry, RetryPolicy::from_config(&config.events));
        events.time_handlers(metrics.handler_timer());
        let worker = Worker::start(events.clone()).context("cannot start the event worker")?;
        let mail_outbox = MailOutbox::new(db.clone(), mailer.clone(), RetryPolicy::from_config(&config.events));
        let mail_sender = MailSender::start(mail_outbox.clone()).context("cannot start the mail sender")?;
        let push_outbox = PushOutbox::new(db.clone(), &config)?;
        let push_sender = PushSender::start(push_outbox.clone()).context("cannot start the push sender")?;
        let janitor = Janitor::start(db.clone(), config.retention.clone()).context("cannot start the janitor")?;
        let views = Views::new(
            Globals {
                public_url: config.server.public_url.as_str().trim_end_matches('/').to_owned(),
                sandbox_payments: config.payments.provider == PaymentsProvider::Sandbox,
                version: env!("CARGO_PKG_VERSION"),
                push_public_key: push_outbox.public_key().to_owned(),
            },
            brand,
        );
        let app = App {
            config,
            db,
            media,
            views,
            metrics,
            events,
            payments,
            settlers,
            mailer,
            mail_outbox,
            push_outbox,
            csrf: CsrfKey::new(secret),
            token_caches: TokenCaches::default(),
            clock: Clock::system(),
            substates,
        };
        let state = AppState(Arc::new(app));
        let router = crate::router::build(state.clone());
        tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "application built");
        Ok(Application { state, router, listener, worker, mail_sender, push_sender, janitor, _lock: lock })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `shutdown` resolves; then stops accepting, gives
    /// in-flight requests `server.shutdown_grace_secs`, drains the event
    /// worker, stops the janitor and checkpoints the WAL.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Application { state, router, listener, worker, mail_sender, push_sender, janitor, _lock } = self;
        let jobs: Vec<_> = pillars::ALL.iter().flat_map(|pillar| pillar.jobs(&state)).collect();
        let server = &state.config.server;
        let grace = Duration::from_secs(server.shutdown_grace_secs);
        let limits = ConnectionLimits {
            max_connections: crate::http_server::fit_connections(
                usize::try_from(server.max_connections).unwrap_or(usize::MAX),
            ),
            header_read_timeout: Duration::from_secs(server.header_read_timeout_secs),
            idle_timeout: Duration::from_secs(server.idle_timeout_secs),
        };
        if !crate::http_server::serve(listener, router, limits, shutdown, grace).await {
            tracing::warn!(grace_secs = grace.as_secs(), "in-flight requests did not finish in time");
        }
        for job in jobs {
            job.abort();
        }
        let db = state.db.clone();
        tokio::task::spawn_blocking(move || {
            janitor.shutdown();
            worker.shutdown(grace);
            mail_sender.shutdown(grace);
            push_sender.shutdown(grace);
            db.checkpoint()
        })
        .await??;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _unused = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
