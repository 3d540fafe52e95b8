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
use crate::bops::tips::TipLimits;
use crate::bops::uploads::Uploads;
use crate::config::{Config, PaymentsProvider};
use crate::db::lock::DataDirLock;
use crate::db::{Db, Durability, now_ms};
use crate::events::{EventBus, Registry, RetryPolicy, Worker};
use crate::identity::IdentityState;
use crate::identity::limits::LoginLimits;
use crate::identity::repo::server_secret;
use crate::media::Media;
use crate::notify::Mailer;
use crate::ops::Metrics;
use crate::payments::Payments;
use crate::web::Views;
use crate::web::csrf::CsrfKey;
use crate::web::views::Globals;

pub struct Application {
    state: AppState,
    router: Router,
    listener: TcpListener,
    worker: Worker,
    _lock: DataDirLock,
}

/// The event handlers of every pillar.
pub fn registry(mailer: &Arc<Mailer>, config: &Config) -> Registry {
    let mut registry = Registry::new();
    let public_url = config.server.public_url.as_str().trim_end_matches('/').to_owned();
    crate::notify::register(&mut registry, mailer.clone(), public_url);
    crate::bops::register(&mut registry);
    registry
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        Self::build_with(config, None, None).await
    }

    /// As [`Application::build`], optionally with other event handlers and
    /// another media store (tests use both).
    pub async fn build_with(
        config: Config,
        registry: Option<Registry>,
        media: Option<Media>,
    ) -> anyhow::Result<Application> {
        let started = Instant::now();
        let lock = DataDirLock::acquire(config.data_dir())?;
        let db = Db::open_migrated(&config.database_path())?;
        let media = match media {
            Some(media) => media,
            None => Media::from_config(&config)?,
        };
        let mailer = Arc::new(Mailer::from_config(&config)?);
        let payments = Payments::from_config(&config)?;
        let registry = registry.unwrap_or_else(|| self::registry(&mailer, &config));
        let identity = IdentityState {
            csrf: CsrfKey::new(db.write_blocking(Durability::Normal, |tx| server_secret(tx, "csrf", now_ms()))?),
            login_limits: LoginLimits::new(&config.accounts),
        };
        let events = EventBus::new(db.clone(), registry, RetryPolicy::from_config(&config.events));
        let worker = Worker::start(events.clone()).context("cannot start the event worker")?;
        let views = Views::new(Globals {
            public_url: config.server.public_url.as_str().trim_end_matches('/').to_owned(),
            sandbox_payments: config.payments.provider == PaymentsProvider::Sandbox,
            version: env!("CARGO_PKG_VERSION"),
        });
        let listener = TcpListener::bind(config.server.listen)
            .await
            .with_context(|| format!("cannot listen on {} (server.listen)", config.server.listen))?;
        let metrics = Metrics::new();
        let uploads = Uploads::new();
        let tip_limits = TipLimits::new(&config.tips);
        let app = App { config, db, media, views, metrics, events, payments, mailer, identity, uploads, tip_limits };
        let state = AppState(Arc::new(app));
        let router = crate::router::build(state.clone());
        tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "application built");
        Ok(Application { state, router, listener, worker, _lock: lock })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `shutdown` resolves; then stops accepting, gives
    /// in-flight requests `server.shutdown_grace_secs`, drains the event
    /// worker and checkpoints the WAL.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Application { state, router, listener, worker, _lock } = self;
        let grace = Duration::from_secs(state.config.server.shutdown_grace_secs);
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                shutdown.await;
                tracing::info!("shutting down: no new connections");
                let _unused = stopping_tx.send(());
            });
        let forced = async move {
            if stopping_rx.await.is_ok() {
                tokio::time::sleep(grace).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            result = server => result.context("the HTTP server failed")?,
            () = forced => tracing::warn!(grace_secs = grace.as_secs(), "in-flight requests did not finish in time"),
        }
        let db = state.db.clone();
        tokio::task::spawn_blocking(move || {
            worker.shutdown(grace);
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
