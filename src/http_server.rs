//! The accept loop: HTTP/1.1 connections with a cap on how many are open, a
//! header-read timeout, an idle timeout, and graceful shutdown.
//!
//! `axum::serve` sets no timer on its connections, so a client that sends
//! half a request line (or nothing) holds a socket forever, and enough of
//! them starve everyone else. Here every connection has two clocks:
//! - the header-read timeout, hyper's own, which runs whenever the connection
//!   waits for a request head — on a new connection and between keep-alive
//!   requests alike — so it is also the keep-alive idle limit;
//! - the idle timeout, which closes a connection on which no byte has moved
//!   either way for that long (a request body that stalls, a reader that
//!   stopped reading a response).
//!
//! Accepting waits for a free slot, so past the cap new clients queue in the
//! kernel's backlog instead of taking file descriptors the server needs.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// The limits of [`serve`], from `server.*` in the configuration.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
}

/// File descriptors kept back from connections: the database, the media
/// store, the mail sender, logs.
const RESERVED_FDS: u64 = 256;

/// Raises the open-file limit to its hard maximum (the usual soft default of
/// 1024 is far below what a server needs) and returns how many connections
/// fit: `configured`, or less when the limit does not allow that many.
pub fn fit_connections(configured: usize) -> usize {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = rustix::process::Rlimit { current: limit.maximum, maximum: limit.maximum };
        if let Err(err) = setrlimit(Resource::Nofile, raised) {
            tracing::debug!(error = %err, "cannot raise the open-file limit");
        }
    }
    let Some(soft) = getrlimit(Resource::Nofile).current else { return configured };
    let fit = usize::try_from(soft.saturating_sub(RESERVED_FDS).max(16)).unwrap_or(usize::MAX);
    if fit < configured {
        tracing::warn!(
            configured,
            open_file_limit = soft,
            using = fit,
            "server.max_connections is above what the open-file limit allows; raise `ulimit -n`"
        );
    }
    configured.min(fit)
}

/// Serves `router` on `listener` until `shutdown` resolves; then stops
/// accepting, lets open connections finish their requests, and returns once
/// every connection is closed or `grace` has passed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> bool {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let (router, stop) = (router.clone(), stop_rx.clone());
        tokio::spawn(async move {
            serve_connection(stream, peer, router, limits, stop).await;
            drop(permit);
        });
    }
    tracing::info!("shutting down: no new connections");
    drop(listener);
    let _unused = stop_tx.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    tokio::time::timeout(grace, slots.acquire_many(all)).await.is_ok()
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
) {
    let _unused = stream.set_nodelay(true);
    let started = Instant::now();
    let activity = Arc::new(AtomicU64::new(0));
    let io = TokioIo::new(Watched { inner: stream, started, activity: activity.clone() });
    let service = TowerToHyperService::new(router.map_request(move |request: axum::http::Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    }));
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let mut closing = false;
    loop {
        let quiet_for = started.elapsed().saturating_sub(Duration::from_millis(activity.load(Ordering::Relaxed)));
        let wake_in = limits.idle_timeout.saturating_sub(quiet_for);
        tokio::select! {
            _ = connection.as_mut() => return,
            changed = stop.changed(), if !closing => {
                if changed.is_ok() {
                    closing = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
            () = tokio::time::sleep(wake_in) => {
                let quiet_for = started.elapsed().saturating_sub(Duration::from_millis(activity.load(Ordering::Relaxed)));
                if quiet_for < limits.idle_timeout {
                    continue;
                }
                if closing {
                    // Asked to close politely an idle period ago and still stuck: drop it.
                    return;
                }
                closing = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// A stream that records when a byte last moved, in ms since `started`.
struct Watched {
    inner: TcpStream,
    started: Instant,
    activity: Arc<AtomicU64>,
}

impl Watched {
    fn touch(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.activity.store(now, Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touch();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
