//! `boptone demo`: fills a data directory with onboarded sandbox artists,
//! fans, follows, playable Bops with posters, likes, comments, views,
//! sandbox tips, and published EPs with streams and royalties — a newcomer's first look, and the data set for benchmarks
//! (a million Bops load in minutes: rows go in through prepared statements
//! in large transactions, and the handful of demo clips are shared).

use crate::db::CachedSql;
use std::time::Instant;

use anyhow::Context;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString};
use bytes::Bytes;
use rusqlite::{Connection, params};

use crate::config::Config;
use crate::db::lock::DataDirLock;
use crate::db::{Db, now_ms};
use crate::media::{Media, MediaKey};

pub struct DemoSize {
    pub artists: u32,
    pub fans: u32,
    pub bops: u32,
    /// Artists the extra fan [`HEAVY_FAN`] follows (at most all of them); 0: no such fan.
    pub heavy_follows: u32,
    pub password: String,
}

/// The demo fan who follows many artists (`--heavy-follows`).
pub const HEAVY_FAN: &str = "heavy@demo.boptone.test";

/// A real, playable vertical video shared by many demo Bops.
struct Clip {
    key: &'static str,
    bytes: &'static [u8],
    width: u32,
    height: u32,
    duration_ms: i64,
    codec: &'static str,
}

const CLIPS: &[Clip] = &[
    Clip {
        key: "demo/clip-1.mp4",
        bytes: include_bytes!("../tests/fixtures/vertical.mp4"),
        width: 360,
        height: 640,
        duration_ms: 4000,
        codec: "h264",
    },
    Clip {
        key: "demo/clip-2.webm",
        bytes: include_bytes!("../tests/fixtures/vertical.webm"),
        width: 360,
        height: 640,
        duration_ms: 3000,
        codec: "vp9",
    },
];
const POSTER_COLOURS: &[[u8; 3]] =
    &[[109, 40, 217], [219, 39, 119], [5, 150, 105], [234, 88, 12], [37, 99, 235], [202, 138, 4]];
const GENRES: &[&str] = &["Pop", "Hip-Hop", "Electronic", "Indie", "R&B", "Afrobeats", "House", "Soul"];
const CAPTIONS: &[&str] = &[
    "New one from the studio #newmusic",
    "Rehearsal night, turn it up #live",
    "Hook I can't stop humming #demo",
    "Sunday session #acoustic",
    "Drop coming Friday #release",
];
const DAY_MS: i64 = 86_400_000;

pub fn run(config: &Config, size: &DemoSize) -> anyhow::Result<()> {
    anyhow::ensure!(size.artists > 0, "--artists must be at least 1");
    anyhow::ensure!(size.password.chars().count() >= 10, "--password needs at least 10 characters");
    let started = Instant::now();
    let _lock = DataDirLock::acquire(config.data_dir())?;
    let db = Db::open_migrated(&config.database_path())?;
    let accounts: i64 = db.read_blocking(|c| c.query_row_cached("SELECT COUNT(*) FROM users", [], |r| r.get(0)))?;
    anyhow::ensure!(
        accounts == 0,
        "{} already holds {accounts} accounts; demo data goes into a fresh data directory (--data-dir)",
        config.data_dir().display()
    );
    drop(db);
    let media = Media::from_config(config)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (clip_keys, poster_keys, avatar_keys) = runtime.block_on(store_media(&media))?;

    let mut conn = Connection::open(config.database_path())?;
    // Demo data can be regenerated: trade durability for speed while loading.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON; PRAGMA cache_size = -262144;",
    )?;
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash = Argon2::default()
        .hash_password(size.password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .to_string();

    let tx = conn.transaction()?;
    let artists = insert_artists(&tx, size.artists, &hash, &avatar_keys)?;
    let fans = insert_fans(&tx, size.fans, &hash, &avatar_keys)?;
    insert_follows(&tx, &fans, &artists)?;
    let heavy = insert_heavy_fan(&tx, size.heavy_follows, &hash, &artists)?;
    tx.commit()?;
    println!(
        "{} artists and {} fans (password {:?}) in {:.1?}",
        artists.len(),
        fans.len(),
        size.password,
        started.elapsed()
    );
    if let Some(follows) = heavy {
        println!("{HEAVY_FAN} follows {follows} artists");
    }

    let bops = insert_bops(&mut conn, size.bops, &artists, &clip_keys, &poster_keys)?;
    println!("{bops} Bops in {:.1?}", started.elapsed());
    let timelines = fill_timelines(&mut conn)?;
    println!("{timelines} timeline rows in {:.1?}", started.elapsed());
    let (likes, views) = insert_engagement(&mut conn, &fans, &artists)?;
    println!("{likes} likes and {views} views in {:.1?}", started.elapsed());
    let tracks = crate::music::demo::seed(config, &conn, &media, &runtime, &artists)?;
    println!("{tracks} tracks on published EPs, with streams, in {:.1?}", started.elapsed());
    let orders = crate::shop::demo::seed(&conn, &media, &runtime, &artists, &fans)?;
    println!("shops with a tee, a poster and an EP download, and {orders} orders, in {:.1?}", started.elapsed());
    conn.execute_batch("PRAGMA synchronous = NORMAL; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);")?;
    drop(conn);
    let db = Db::open_migrated(&config.database_path())?;
    let report = crate::music::demo::import_statement(&db)?;
    println!("a royalty statement of {} rows imported and split into the ledger", report.rows);
    let analytics = crate::analytics::AnalyticsConfig::from_config(config)?;
    let rebuilt = db.write_blocking::<_, anyhow::Error, _>(crate::db::Durability::Full, |tx| {
        let mut rebuilt = crate::analytics::rebuild::rebuild(tx, None, analytics.currency())?;
        rebuilt.fans = crate::analytics::loyalty_rebuild::rebuild_loyalty(tx, None, &analytics.loyalty)?;
        let launches = crate::toney::rebuild::rebuild_bop_launches(tx)?;
        let currency = analytics.currency();
        let per_minor = crate::core::Money::new(1, currency).to_micros();
        crate::toney::rebuild::rebuild_month_items(tx, currency.code(), per_minor)?;
        crate::bops::rank::rebuild(tx, &analytics.loyalty)?;
        let searchable = crate::search::rebuild::rebuild(tx, now_ms())?;
        Ok((rebuilt, launches, searchable))
    })?;
    let (rebuilt, launches, searchable) = rebuilt;
    println!("{} artist-days of analytics snapshots, loyalty of {} fans", rebuilt.days, rebuilt.fans);
    println!("{launches} Bop launches for Toney (Tuesday Bops get three times the views)");
    println!(
        "search index: {} artists, {} Bops, {} tracks, {} products",
        searchable.artists, searchable.bops, searchable.tracks, searchable.products
    );
    // The rebuilds leave hundreds of MiB of WAL at full size (1M Bops: 480
    // MiB), which the server's checkpointer would otherwise copy back during
    // its first minutes, beside the first requests.
    db.checkpoint()?;
    println!(
        "demo data ready in {:.1?}: sign in as artist1@demo.boptone.test or fan1@demo.boptone.test",
        started.elapsed()
    );
    Ok(())
}

async fn store_media(media: &Media) -> anyhow::Result<(Vec<String>, Vec<String>, Vec<String>)> {
    let mut clips = Vec::new();
    for clip in CLIPS {
        let media_key = MediaKey::parse(clip.key).expect("valid demo key");
        media
            .put_bytes_as(&media_key, Bytes::from_static(clip.bytes), "video/mp4")
            .await
            .context("cannot store the demo clips")?;
        clips.push(clip.key.to_owned());
    }
    let (mut posters, mut avatars) = (Vec::new(), Vec::new());
    for (i, colour) in POSTER_COLOURS.iter().enumerate() {
        posters.push(store_gradient(media, &format!("demo/poster-{i}.jpg"), *colour, 360, 640).await?);
        avatars.push(store_gradient(media, &format!("demo/avatar-{i}.jpg"), *colour, 512, 512).await?);
    }
    Ok((clips, posters, avatars))
}

/// A JPEG gradient in `colour`: a stand-in for a poster frame or a photo.
async fn store_gradient(media: &Media, key: &str, colour: [u8; 3], width: u32, height: u32) -> anyhow::Result<String> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let shade = |c: u8| (u32::from(c) * (height - y / 2) / height + x / 12).min(255) as u8;
        image::Rgb([shade(colour[0]), shade(colour[1]), shade(colour[2])])
    });
    let jpeg = crate::identity::photo::encode_jpeg(&image).map_err(|e| anyhow::anyhow!("{e}"))?;
    media.put_bytes_as(&MediaKey::parse(key).expect("valid demo key"), jpeg.into(), "image/jpeg").await?;
    Ok(key.to_owned())
}

fn uid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Onboarded sandbox artists: paid plan, complete profile, payouts enabled.
fn insert_artists(tx: &Connection, count: u32, hash: &str, posters: &[String]) -> anyhow::Result<Vec<(i64, i64)>> {
    let now = now_ms();
    let mut artists = Vec::new();
    for n in 1..=count {
        let email = format!("artist{n}@demo.boptone.test");
        tx.execute_cached(
            "INSERT INTO users (uid, email, password_hash, role, display_name, created_at) VALUES (?1, ?2, ?3, 'artist', ?4, ?5)",
            params![uid(), email, hash, format!("Demo Artist {n}"), now],
        )?;
        let user = tx.last_insert_rowid();
        let genres =
            serde_json::to_string(&[GENRES[n as usize % GENRES.len()], GENRES[(n as usize + 3) % GENRES.len()]])?;
        tx.execute_cached(
            "INSERT INTO artist_profiles (uid, user_id, stage_name, handle, bio, location, genres, photo_key, onboarding_completed, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'Demo artist on Boptone.', 'Lagos · London · LA', ?5, ?6, 1, ?7, ?7)",
            params![uid(), user, format!("Demo Artist {n}"), format!("demo_artist_{n}"), genres, posters[n as usize % posters.len()], now],
        )?;
        let artist = tx.last_insert_rowid();
        tx.execute_cached(
            "INSERT INTO subscriptions (artist_id, tier, status, provider, checkout_ref, subscription_ref, amount_minor, currency, created_at, updated_at)
             VALUES (?1, 'pro', 'active', 'sandbox', ?2, ?3, 2900, 'USD', ?4, ?4)",
            params![artist, format!("sbx_cs_demo_{n}"), format!("sbx_sub_demo_{n}"), now],
        )?;
        // The plan's first month, paid: the platform's income in the ledger.
        tx.execute_cached(
            "INSERT INTO ledger_entries (artist_id, source, reference, share_key, collaborator_user_id, basis_points,
                 description, gross_micros, fee_micros, net_micros, currency, occurred_at, created_at)
             VALUES (?1, 'subscription', ?2, 'artist', ?3, 10000, 'pro plan', 0, 29000000, -29000000, 'USD', ?4, ?4)",
            params![artist, format!("subscription:sbx_cs_demo_{n}"), user, now],
        )?;
        tx.execute_cached(
            "INSERT INTO stripe_connect_accounts (artist_id, account_ref, provider, charges_enabled, payouts_enabled, details_submitted, created_at, updated_at)
             VALUES (?1, ?2, 'sandbox', 1, 1, 1, ?3, ?3)",
            params![artist, format!("sbx_acct_demo_{n}"), now],
        )?;
        artists.push((artist, user));
    }
    Ok(artists)
}

/// Fans, two in three with an avatar (the demo's stand-in pictures).
fn insert_fans(tx: &Connection, count: u32, hash: &str, avatars: &[String]) -> anyhow::Result<Vec<i64>> {
    let now = now_ms();
    let mut stmt = tx.prepare_cached(
        "INSERT INTO users (uid, email, password_hash, role, display_name, avatar_key, created_at)
         VALUES (?1, ?2, ?3, 'fan', ?4, ?5, ?6)",
    )?;
    let mut fans = Vec::new();
    for n in 1..=count {
        let avatar = (n % 3 != 0).then(|| avatars.get(n as usize % avatars.len().max(1))).flatten();
        stmt.execute(params![uid(), format!("fan{n}@demo.boptone.test"), hash, fan_name(n), avatar, now])?;
        fans.push(tx.last_insert_rowid());
    }
    Ok(fans)
}

const FIRST_NAMES: &[&str] = &[
    "Maya", "Leo", "Ines", "Kofi", "Aiko", "Sam", "Noor", "Tomas", "Priya", "Jonah", "Zoe", "Mateo", "Lena", "Kai",
    "Ada", "Yusuf", "Clara", "Rafa", "Mei", "Theo",
];

/// A fan's display name, as people choose them: "Maya R.".
fn fan_name(n: u32) -> String {
    let first = FIRST_NAMES[(n as usize - 1) % FIRST_NAMES.len()];
    let initial = char::from(b'A' + ((n as usize - 1) / FIRST_NAMES.len() % 26) as u8);
    format!("{first} {initial}.")
}

/// Each fan follows a few artists.
fn insert_follows(tx: &Connection, fans: &[i64], artists: &[(i64, i64)]) -> anyhow::Result<()> {
    let now = now_ms();
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO fan_relationships (fan_user_id, artist_id, following, loyalty_score, followed_at, updated_at) VALUES (?1, ?2, 1, 10, ?3, ?3)",
    )?;
    for (i, fan) in fans.iter().enumerate() {
        for k in 0..3.min(artists.len()) {
            stmt.execute(params![fan, artists[(i * 7 + k) % artists.len()].0, now])?;
        }
    }
    Ok(())
}

/// The heavy fan, following the first `follows` artists (or all of them,
/// when there are fewer); returns how many they follow. Left out of the
/// likes and views, so the other figures do not depend on it.
fn insert_heavy_fan(
    tx: &Connection,
    follows: u32,
    hash: &str,
    artists: &[(i64, i64)],
) -> anyhow::Result<Option<usize>> {
    if follows == 0 {
        return Ok(None);
    }
    let now = now_ms();
    tx.execute_cached(
        "INSERT INTO users (uid, email, password_hash, role, display_name, created_at) VALUES (?1, ?2, ?3, 'fan', 'Demo Heavy Fan', ?4)",
        params![uid(), HEAVY_FAN, hash, now],
    )?;
    let fan = tx.last_insert_rowid();
    let mut stmt = tx.prepare_cached(
        "INSERT INTO fan_relationships (fan_user_id, artist_id, following, loyalty_score, followed_at, updated_at) VALUES (?1, ?2, 1, 10, ?3, ?3)",
    )?;
    let followed = artists.len().min(follows as usize);
    for (artist, _) in &artists[..followed] {
        stmt.execute(params![fan, artist, now])?;
    }
    Ok(Some(followed))
}

/// Bops spread over the last 90 days, oldest first so ids follow time.
fn insert_bops(
    conn: &mut Connection,
    count: u32,
    artists: &[(i64, i64)],
    clips: &[String],
    posters: &[String],
) -> anyhow::Result<u32> {
    let now = now_ms();
    let span = 90 * DAY_MS;
    let step = if count == 0 { 0 } else { span / i64::from(count) };
    for chunk_start in (0..count).step_by(100_000) {
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO bops_videos (uid, artist_id, caption, hashtags, visibility, video_key, poster_key, width, height, duration_ms,
                     codec, size_bytes, published_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'public', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
            )?;
            for n in chunk_start..(chunk_start + 100_000).min(count) {
                let i = n as usize;
                let clip = &CLIPS[i % CLIPS.len()];
                let caption = CAPTIONS[i % CAPTIONS.len()];
                let tag = caption.rsplit('#').next().unwrap_or("demo");
                let published = toney_pattern(now - span + step * i64::from(n), n, artists.len());
                stmt.execute(params![
                    uid(),
                    artists[i % artists.len()].0,
                    caption,
                    format!("[\"{tag}\"]"),
                    clips[i % clips.len()],
                    posters[i % posters.len()],
                    clip.width,
                    clip.height,
                    clip.duration_ms,
                    clip.codec,
                    clip.bytes.len() as i64,
                    published
                ])?;
            }
        }
        tx.commit()?;
    }
    Ok(count)
}

/// Every fourth Bop of each artist goes up on the Tuesday before its slot
/// (same hour), so each artist has a handful of Tuesday Bops for Toney to
/// compare; [`insert_engagement`] gives those more views.
fn toney_pattern(published: i64, n: u32, artists: usize) -> i64 {
    if !(n as usize / artists.max(1)).is_multiple_of(4) {
        return published;
    }
    let (weekday, _) = crate::toney::repo::weekday_hour(published);
    published - (i64::from(weekday) + 6) % 7 * DAY_MS
}

/// Views a demo Bop gets in its first hours: Tuesday Bops clearly more.
fn demo_views(published: i64, per_bop: usize) -> usize {
    if crate::toney::repo::weekday_hour(published).0 == 1 { per_bop * 3 } else { per_bop }
}

/// Each follow backfills its fan's timeline, as a follow in the app does
/// (the feed reads these rows).
fn fill_timelines(conn: &mut Connection) -> anyhow::Result<i64> {
    let follows: Vec<(crate::core::ids::UserId, crate::core::ids::ArtistId, i64)> = {
        let mut stmt = conn
            .prepare_cached("SELECT fan_user_id, artist_id, followed_at FROM fan_relationships WHERE following = 1")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?
    };
    for chunk in follows.chunks(1_000) {
        let tx = conn.transaction()?;
        for &(fan, artist, since) in chunk {
            crate::bops::repo::backfill_timeline(&tx, fan, artist, since)?;
        }
        tx.commit()?;
    }
    Ok(conn.query_row_cached("SELECT COALESCE(SUM(len), 0) FROM bops_timeline_state", [], |r| r.get(0))?)
}

/// Likes and views (five of each per Bop where there are enough fans), a
/// comment on every 50th Bop and a sandbox tip on every 100th, with the
/// counters to match.
fn insert_engagement(conn: &mut Connection, fans: &[i64], artists: &[(i64, i64)]) -> anyhow::Result<(u64, u64)> {
    if fans.is_empty() {
        return Ok((0, 0));
    }
    let per_bop = 5.min(fans.len());
    // Every seventh Bop catches on (three times the likes), so For You
    // ranks visibly apart from newest first.
    let hot_likes = 15.min(fans.len());
    let ids: Vec<(i64, i64, i64)> = {
        let mut stmt = conn.prepare_cached("SELECT id, artist_id, published_at FROM bops_videos ORDER BY id")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?
    };
    let artist_user = |artist: i64| artists.iter().find(|(a, _)| *a == artist).map_or(0, |(_, u)| *u);
    let (mut likes, mut views) = (0u64, 0u64);
    for chunk in ids.chunks(50_000) {
        let tx = conn.transaction()?;
        {
            let mut like = tx
                .prepare_cached("INSERT OR IGNORE INTO bops_likes (bop_id, user_id, created_at) VALUES (?1, ?2, ?3)")?;
            let mut view = tx.prepare_cached(
                "INSERT INTO bops_views (bop_id, viewer_key, watched_ms, viewed_at) VALUES (?1, ?2, 4000, ?3)",
            )?;
            let mut counts = tx.prepare_cached("UPDATE bops_videos SET like_count = ?2, view_count = ?3, comment_count = ?4, tip_count = ?5, tip_total_minor = ?6 WHERE id = ?1")?;
            let mut comment = tx.prepare_cached("INSERT INTO bops_comments (uid, bop_id, user_id, body, created_at) VALUES (?1, ?2, ?3, 'This one is on repeat', ?4)")?;
            let mut reply = tx.prepare_cached(
                "INSERT INTO bops_comments (uid, bop_id, user_id, parent_id, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'Thank you! More soon', ?5)",
            )?;
            let mut tip = tx.prepare_cached(
                "INSERT INTO bops_tips (uid, bop_id, artist_id, fan_user_id, amount_minor, currency, fee_minor, provider, payment_ref, status, created_at, succeeded_at)
                 VALUES (?1, ?2, ?3, ?4, 500, 'USD', 50, 'sandbox', ?5, 'succeeded', ?6, ?6)",
            )?;
            for &(bop, artist, at) in chunk {
                let first = (bop as usize * 13) % fans.len();
                let mut inserted = 0;
                let likers = if bop % 7 == 0 { hot_likes } else { per_bop };
                for k in 0..likers {
                    let fan = fans[(first + k) % fans.len()];
                    inserted += like.execute(params![bop, fan, at + 1000])?;
                    if k < per_bop {
                        view.execute(params![bop, format!("u:{fan}"), at + 500])?;
                    }
                }
                let viewed = demo_views(at, per_bop);
                for k in per_bop..viewed {
                    view.execute(params![bop, format!("demo:{k}"), at + 600 + k as i64 * 60_000])?;
                }
                let commented = if bop % 10 == 0 { 2 } else { 0 };
                if commented > 0 {
                    comment.execute(params![uid(), bop, fans[first], at + 2000])?;
                    let parent = tx.last_insert_rowid();
                    reply.execute(params![uid(), bop, artist_user(artist), parent, at + 60_000])?;
                }
                let tipped = bop % 20 == 0 && artist_user(artist) != fans[first];
                if tipped {
                    tip.execute(params![uid(), bop, artist, fans[first], format!("sbx_pi_demo_{bop}"), at + 3000])?;
                }
                counts.execute(params![
                    bop,
                    inserted as i64,
                    viewed as i64,
                    commented,
                    i64::from(tipped),
                    if tipped { 500 } else { 0 }
                ])?;
                likes += inserted as u64;
                views += viewed as u64;
            }
        }
        tx.commit()?;
    }
    // The tips in the ledger, as paid tips are: the migration that brought
    // earlier tips into it says how.
    conn.execute_batch(include_str!("../migrations/V021__tips_in_ledger.sql"))?;
    Ok((likes, views))
}
