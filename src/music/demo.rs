//! Music for `boptone demo`: each of the first demo artists gets a
//! published EP of short generated lossless tracks (playable at once), with
//! codes assigned from the label's series (demo ones when none are set), a
//! 70/30 split on its first track, a month of streams, and an imported
//! DistroKid statement split into the ledger.

use std::path::Path;

use anyhow::Context;
use rusqlite::Connection;

use super::MusicConfig;
use super::artwork;
use super::codes::{Isrc, assign_icpn, parse_registrant};
use super::domain::{ReleaseDraft, ReleaseInput, ReleaseStatus};
use super::repo::{self, ArtworkKeys, MasterFacts, SplitRow};
use super::track::TrackDraft;
use crate::core::ids::ArtistId;
use crate::db::{Db, now_ms};
use crate::media::{Media, MediaKey};

/// Demo artists that get music (each EP is a few MB of masters).
const MUSIC_ARTISTS: usize = 12;
const TRACKS: &[(&str, f64)] = &[("Night Bus", 220.0), ("Depot Lights", 277.2), ("Last Stop", 329.6)];
/// Codes when the label has none configured: GS1's and IFPI's example-like series.
const DEMO_PREFIX: &str = "0614141";
const DEMO_REGISTRANT: &str = "QZ-DM0";
const DAY_MS: i64 = 86_400_000;

/// A demo EP's track: what was stored and measured.
struct Stored {
    facts: MasterFacts,
    stream_key: String,
    stream_bytes: i64,
}

pub fn seed(
    config: &crate::config::Config,
    conn: &Connection,
    media: &Media,
    runtime: &tokio::runtime::Runtime,
    artists: &[(i64, i64)],
) -> anyhow::Result<usize> {
    let music = MusicConfig::from_config(config)?;
    let prefix = if music.gs1_prefix.is_empty() { DEMO_PREFIX } else { &music.gs1_prefix };
    let registrant = if music.isrc_registrant.is_empty() { DEMO_REGISTRANT } else { &music.isrc_registrant };
    let registrant = parse_registrant(registrant).context("bad ISRC registrant")?;
    let scratch = tempfile::tempdir()?;
    let art = runtime.block_on(store_artwork(media))?;
    let year = super::domain::Date::of_ms(now_ms()).year();
    let mut count = 0;
    for (n, &(artist, user)) in artists.iter().take(MUSIC_ARTISTS).enumerate() {
        let release = insert_release(conn, ArtistId(artist), n, &art, prefix)?;
        for (position, (title, freq)) in TRACKS.iter().enumerate() {
            let track_uid = crate::core::new_uid();
            let stored = runtime.block_on(store_master(media, scratch.path(), &track_uid, *freq, n))?;
            let isrc = Isrc::assign(
                &registrant,
                year,
                repo::take_next_code(conn, &format!("isrc:{}{}:{year}", registrant.0, registrant.1))?,
            )?;
            let draft = TrackDraft {
                title: (*title).to_owned(),
                version: String::new(),
                isrc: Some(isrc),
                explicit: false,
                genre: String::new(),
                moods: vec!["chill".into()],
                preview_start_ms: 0,
                credits: vec![super::track::Credit {
                    name: format!("Demo Artist {}", n + 1),
                    role: "performer".into(),
                }],
            };
            let id = repo::insert_track(
                conn,
                release,
                &track_uid,
                &draft,
                &stored.facts,
                (&stored.stream_key, stored.stream_bytes),
                now_ms(),
            )?;
            if position == 0 {
                let split = |name: &str, email: &str, user_id, basis_points| SplitRow {
                    id: 0,
                    name: name.to_owned(),
                    email: email.to_owned(),
                    user_id,
                    basis_points,
                };
                let artist_email = format!("artist{}@demo.boptone.test", n + 1);
                let splits = [
                    split(&format!("Demo Artist {}", n + 1), &artist_email, Some(user), 7000),
                    split("Demo Producer", "producer@demo.boptone.test", None, 3000),
                ];
                repo::replace_splits(conn, id, &splits, now_ms())?;
            }
            insert_streams(conn, id, n + position)?;
            count += 1;
        }
        repo::transition(conn, release, &[ReleaseStatus::Draft], ReleaseStatus::Published, None, "demo", now_ms())?;
    }
    Ok(count)
}

async fn store_artwork(media: &Media) -> anyhow::Result<(String, String, String, u32)> {
    let side = artwork::MIN_SIDE;
    let image = image::RgbImage::from_fn(side, side, |x, y| image::Rgb([(x / 12) as u8, (y / 12) as u8, 140]));
    let jpeg = crate::identity::photo::encode_jpeg(&image).map_err(|e| anyhow::anyhow!("{e}"))?;
    let art = tokio::task::spawn_blocking(move || artwork::process(jpeg)).await?.map_err(|e| anyhow::anyhow!("{e}"))?;
    let keys = [art.original_key(), art.web_key(), art.thumb_key()];
    let bodies = [art.original.clone(), art.web_jpeg.clone(), art.thumb_jpeg.clone()];
    for (key, body) in keys.iter().zip(bodies) {
        media.put_bytes_as(&MediaKey::parse(key).expect("artwork keys are valid"), body.into(), "image/jpeg").await?;
    }
    let [original, web, thumb] = keys;
    Ok((original, web, thumb, art.side))
}

fn insert_release(
    conn: &Connection,
    artist: ArtistId,
    n: usize,
    art: &(String, String, String, u32),
    prefix: &str,
) -> anyhow::Result<i64> {
    let year = super::domain::Date::of_ms(now_ms()).year();
    let input = ReleaseInput {
        kind: "ep".into(),
        title: format!("Demo EP {}", n + 1),
        label_name: "Boptone Demo Records".into(),
        genre: "Pop".into(),
        release_date: super::domain::Date::of_ms(now_ms() - 30 * DAY_MS).as_string(),
        p_line: format!("{year} Demo Artist {}", n + 1),
        c_line: format!("{year} Boptone Demo Records"),
        parental_advisory: "none".into(),
        language: "en".into(),
        ..ReleaseInput::default()
    };
    let draft = ReleaseDraft::parse(&input, crate::identity::domain::GENRES).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let uid = repo::insert_release(conn, artist, &draft, now_ms())?;
    let id = repo::find_release_id(conn, artist, &uid)?.context("the demo release vanished")?;
    let keys = ArtworkKeys { original: &art.0, web: &art.1, thumb: &art.2, side: art.3 };
    repo::set_artwork(conn, id, &keys, now_ms())?;
    let upc = loop {
        let code = assign_icpn(prefix, repo::take_next_code(conn, &format!("upc:{prefix}"))?)?;
        if !repo::upc_taken(conn, &code)? {
            break code;
        }
    };
    repo::set_upc(conn, id, &upc, now_ms())?;
    Ok(id)
}

/// A six-second stereo master, probed and rendered as the upload path does.
async fn store_master(media: &Media, dir: &Path, uid: &str, freq: f64, n: usize) -> anyhow::Result<Stored> {
    let master = dir.join(format!("{uid}.wav"));
    let rendition = dir.join(format!("{uid}.flac"));
    let (m, r) = (master.clone(), rendition.clone());
    let freq = freq * (1.0 + n as f64 / 24.0);
    let (info, encoded) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        super::audio::synth::write_wav(&m, super::audio::synth::WavSpec::CD, 6.0, freq, 0.25)?;
        Ok((super::audio::probe_master(&m)?, super::audio::encode_flac_rendition(&m, &r)?))
    })
    .await??;
    let master_key = format!("music/masters/{uid}/master.wav");
    let stream_key = super::masters::stream_key(uid);
    media.put_file(&MediaKey::parse(&master_key).expect("valid key"), &master, "audio/wav").await?;
    media.put_file(&stream_key, &rendition, "audio/flac").await?;
    let facts = super::masters::facts(master_key, &info);
    Ok(Stored { facts, stream_key: stream_key.as_str().to_owned(), stream_bytes: encoded.bytes as i64 })
}

/// A month of daily streams from the app, the web and Bops.
fn insert_streams(conn: &Connection, track: i64, seed: usize) -> rusqlite::Result<()> {
    let mut stmt =
        conn.prepare_cached("INSERT INTO streaming_metrics (day, track_id, source, streams) VALUES (?1, ?2, ?3, ?4)")?;
    for day in 1..=30 {
        let date = super::domain::Date::of_ms(now_ms() - day * DAY_MS).as_string();
        for (k, source) in ["app", "web", "bop"].iter().enumerate() {
            let streams = ((seed as i64 * 7 + day * 3 + k as i64 * 5) % 40) + 1;
            stmt.execute(rusqlite::params![date, track, source, streams])?;
        }
    }
    Ok(())
}

/// A DistroKid statement for last month's streams of every demo track,
/// imported as the label would (split into the ledger).
pub fn import_statement(db: &Db) -> anyhow::Result<super::royalties::ImportReport> {
    let tracks = db.read_blocking(repo::list_coded_tracks)?;
    let month = super::domain::Date::of_ms(now_ms() - 30 * DAY_MS).as_string()[..7].to_owned();
    let mut tsv = String::from(
        "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)\n",
    );
    for (i, (title, isrc)) in tracks.iter().enumerate() {
        for (store, rate) in [("Spotify", 0.003_184), ("Apple Music", 0.007_35)] {
            let quantity = 300 + (i * 37) % 900;
            let earnings = quantity as f64 * rate;
            tsv.push_str(&format!(
                "{month}-28\t{month}\t{store}\tDemo\t{title}\t{isrc}\t\t{quantity}\t100\tSong\tUS\t0\t{earnings:.6}\n"
            ));
        }
    }
    let mapping = super::royalties::reader::ColumnMapping::distrokid();
    Ok(super::royalties::import_blocking(db, tsv.as_bytes(), "demo-distrokid.tsv", ("distrokid", &mapping), None)?)
}
