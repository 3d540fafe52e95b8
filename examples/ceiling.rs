//! The ceiling server: a bare axum app over a Boptone database doing the
//! minimum for `/healthz` and for a feed page, and nothing else (no
//! middleware, no sessions, no templates). `scripts/bench-bops` runs it
//! beside Boptone on the same database, so every figure has its ceiling in
//! the same run on the same (possibly loaded) machine.
//!
//!   cargo run --release --example ceiling -- DATA_DIR/boptone.db 127.0.0.1:PORT
//!
//! - `GET /healthz`: `SELECT 1` on a pooled reader, on a blocking thread.
//! - `GET /api/v1/feed?limit=N`: the bearer token's user, then the newest N
//!   rows of their timeline with the artist and "liked by me", as JSON (N
//!   written into the SQL, not bound: see `page`).
//!
//! Read-only: the readers are opened `query_only`.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type Readers = Pool<SqliteConnectionManager>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(db), Some(listen)) = (args.first(), args.get(1)) else {
        anyhow::bail!("usage: ceiling DATABASE LISTEN_ADDRESS");
    };
    let listen: SocketAddr = listen.parse()?;
    anyhow::ensure!(listen.ip().is_loopback(), "the ceiling server only listens on loopback");
    let manager = SqliteConnectionManager::file(db).with_init(|c| {
        c.pragma_update(None, "busy_timeout", 5000)?;
        c.pragma_update(None, "query_only", true)
    });
    let readers = Pool::builder().max_size(8).connection_timeout(Duration::from_secs(10)).build(manager)?;
    let app = Router::new().route("/healthz", get(health)).route("/api/v1/feed", get(feed)).with_state(readers);
    axum::serve(tokio::net::TcpListener::bind(listen).await?, app).await?;
    Ok(())
}

async fn health(State(readers): State<Readers>) -> Response {
    let ping = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        Ok(readers.get()?.query_row("SELECT 1", [], |_| Ok(()))?)
    })
    .await;
    match ping {
        Ok(Ok(())) => (StatusCode::OK, "ok\n").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response(),
    }
}

#[derive(Deserialize)]
struct FeedQuery {
    limit: Option<i64>,
}

#[derive(Serialize)]
struct Artist {
    id: String,
    handle: String,
    name: String,
}

#[derive(Serialize)]
struct Item {
    id: String,
    artist: Artist,
    caption: String,
    video_key: String,
    poster_key: Option<String>,
    width: i64,
    height: i64,
    duration_ms: i64,
    like_count: i64,
    comment_count: i64,
    view_count: i64,
    published_at: i64,
    liked_by_me: bool,
}

async fn feed(State(readers): State<Readers>, Query(query): Query<FeedQuery>, headers: HeaderMap) -> Response {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| hex::encode(Sha256::digest(t.trim().as_bytes())))
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let limit = query.limit.unwrap_or(20).clamp(1, 50);
    let page = tokio::task::spawn_blocking(move || page(&readers, &token, limit)).await;
    match page {
        Ok(Ok(Some(items))) => Json(items).into_response(),
        Ok(Ok(None)) => StatusCode::UNAUTHORIZED.into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn page(readers: &Readers, token_hash: &str, limit: i64) -> anyhow::Result<Option<Vec<Item>>> {
    let conn = readers.get()?;
    let user: Option<i64> = conn
        .prepare_cached("SELECT user_id FROM api_tokens WHERE token_hash = ?1 AND expires_at > unixepoch() * 1000")?
        .query_row([token_hash], |r| r.get(0))
        .optional()?;
    let Some(user) = user else { return Ok(None) };
    // The limit is written into the SQL, as Boptone's hot lists do: a bound
    // LIMIT makes SQLite compile the cached statement again on every use,
    // which would make this "minimum" slower than it needs to be. `limit` is
    // a clamped integer, so the text is safe, and one statement per limit is cached.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT b.uid, a.uid, COALESCE(a.handle, ''), COALESCE(a.stage_name, ''), b.caption, b.video_key, b.poster_key,
             b.width, b.height, b.duration_ms, b.like_count, b.comment_count, b.view_count, b.published_at,
             EXISTS (SELECT 1 FROM bops_likes l WHERE l.bop_id = b.id AND l.user_id = ?1)
         FROM bops_timeline t JOIN bops_videos b ON b.id = t.bop_id JOIN artist_profiles a ON a.id = b.artist_id
         WHERE t.fan_user_id = ?1 AND b.deleted_at IS NULL
         ORDER BY t.published_at DESC, t.bop_id DESC LIMIT {limit}"
    ))?;
    let items = stmt.query_map(params![user], |r| {
        Ok(Item {
            id: r.get(0)?,
            artist: Artist { id: r.get(1)?, handle: r.get(2)?, name: r.get(3)? },
            caption: r.get(4)?,
            video_key: r.get(5)?,
            poster_key: r.get(6)?,
            width: r.get(7)?,
            height: r.get(8)?,
            duration_ms: r.get(9)?,
            like_count: r.get(10)?,
            comment_count: r.get(11)?,
            view_count: r.get(12)?,
            published_at: r.get(13)?,
            liked_by_me: r.get(14)?,
        })
    })?;
    Ok(Some(items.collect::<rusqlite::Result<_>>()?))
}
