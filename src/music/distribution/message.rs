//! A release as an ERN 4.3 message: Boptone's rows mapped onto the DDEX
//! model, with the resource files (masters, front cover) the message names.

use md5::{Digest, Md5};

use crate::db::Db;
use crate::media::{Media, MediaKey};
use crate::music::MusicConfig;
use crate::music::ddex::{self, MessageControl, MessageHeader, Party};
use crate::music::domain::ReleaseKind;
use crate::music::repo::{self, ReleaseRow, TrackRow};
use crate::music::track::Credit;

/// A message ready to send, and the store keys of the files it names.
pub struct Prepared {
    pub icpn: String,
    pub xml: String,
    /// (File/URI in the message, object-store key).
    pub resources: Vec<(String, String)>,
}

/// What the message says: a release going out, or its deals ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    New,
    Takedown,
}

impl MessageKind {
    pub fn parse(raw: &str) -> Option<MessageKind> {
        match raw {
            "new" => Some(MessageKind::New),
            "takedown" => Some(MessageKind::Takedown),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::New => "new",
            MessageKind::Takedown => "takedown",
        }
    }
}

/// Who a message goes to, and whether it is live.
pub struct Recipient {
    pub party: Party,
    pub control: MessageControl,
}

/// The label as the sender; refuses when `music.ddex_dpid` is not set.
pub fn sender(config: &MusicConfig) -> Result<Party, String> {
    if config.ddex_dpid.is_empty() {
        return Err("set music.ddex_dpid (the label's DDEX Party ID) to send DDEX messages".into());
    }
    let name = if config.ddex_party_name.is_empty() { &config.label_name } else { &config.ddex_party_name };
    Ok(Party { dpid: config.ddex_dpid.clone(), name: name.clone() })
}

struct Gathered {
    release: ReleaseRow,
    artist: String,
    tracks: Vec<(TrackRow, Vec<Credit>)>,
    artwork_side: i64,
}

/// What to build: which release, for whom, what kind, under which id.
pub struct Request<'a> {
    pub release_id: i64,
    pub recipient: &'a Recipient,
    pub kind: MessageKind,
    pub message_id: &'a str,
    pub now_ms: i64,
}

/// Builds the message for a release.
pub async fn prepare(db: &Db, media: &Media, config: &MusicConfig, request: Request<'_>) -> Result<Prepared, String> {
    let Request { release_id, recipient, kind, message_id, now_ms } = request;
    let gathered = db
        .read(move |c| {
            let Some(release) = repo::find_release_by_id(c, release_id)? else { return Ok(None) };
            let artist = crate::identity::service::artist_stage_name(c, release.artist_id)?;
            let mut tracks = Vec::new();
            for track in repo::list_tracks(c, release.id)? {
                let credits = repo::list_credits(c, track.id)?;
                tracks.push((track, credits));
            }
            let artwork_side = repo::find_artwork_side(c, release.id)?.unwrap_or(0);
            Ok(Some(Gathered { release, artist, tracks, artwork_side }))
        })
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the release is gone")?;
    let icpn = gathered.release.upc.clone().ok_or("the release has no UPC yet (publish it first)")?;
    let artwork_key = gathered.release.artwork_key.clone().ok_or("the release has no artwork")?;
    let key = MediaKey::parse(&artwork_key).ok_or("the artwork's key is malformed")?;
    let artwork = media.get_bytes(&key).await.map_err(|e| format!("cannot read the artwork: {e}"))?;
    let image_uri = format!("resources/{icpn}_cover.{}", if artwork_key.ends_with(".png") { "png" } else { "jpg" });
    let image = ddex::ImageFile {
        uri: image_uri.clone(),
        md5_hex: hex::encode(Md5::digest(&artwork)),
        width: gathered.artwork_side as u32,
        height: gathered.artwork_side as u32,
        codec: if artwork_key.ends_with(".png") { ddex::ImageCodec::Png } else { ddex::ImageCodec::Jpeg },
    };
    let mut resources = vec![(image_uri, artwork_key)];
    let (release, tracks) = model(&gathered, image, &mut resources)?;
    let header = MessageHeader {
        message_id: message_id.to_owned(),
        thread_id: gathered.release.uid.clone(),
        created: chrono::DateTime::from_timestamp_millis(now_ms)
            .unwrap_or_default()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        sender: sender(config)?,
        recipient: recipient.party.clone(),
        control: recipient.control,
    };
    let release = ddex::Release { tracks, ..release };
    let xml = match kind {
        MessageKind::New => ddex::new_release_message(&header, &release, &ddex::default_deals(&release.release_date)),
        MessageKind::Takedown => {
            let today = crate::music::domain::Date::of_ms(now_ms).as_string();
            ddex::takedown_message(&header, &release, &today)
        }
    }
    .map_err(|e| format!("the ERN message could not be built: {e}"))?;
    Ok(Prepared { icpn, xml, resources })
}

fn model(
    gathered: &Gathered,
    image: ddex::ImageFile,
    resources: &mut Vec<(String, String)>,
) -> Result<(ddex::Release, Vec<ddex::Track>), String> {
    let row = &gathered.release;
    let mut tracks = Vec::new();
    for (track, credits) in &gathered.tracks {
        let master = track.master.as_ref().ok_or_else(|| format!("track {:?} has no master", track.title))?;
        let isrc = track.isrc.clone().ok_or_else(|| format!("track {:?} has no ISRC", track.title))?;
        let uri = format!("resources/{:02}_{isrc}.{}", track.position, master.format);
        resources.push((uri.clone(), master.key.clone()));
        tracks.push(ddex::Track {
            isrc,
            title: track.title.clone(),
            version: track.version.clone(),
            display_artist: gathered.artist.clone(),
            duration_ms: master.duration_ms,
            explicit: track.explicit,
            credits: credits.iter().map(credit).collect(),
            genre: track.genre.clone(),
            file: ddex::AudioFile {
                uri,
                md5_hex: master.md5.clone(),
                codec: if master.format == "flac" { ddex::AudioCodec::Flac } else { ddex::AudioCodec::Wav },
                sample_rate: master.sample_rate as u32,
                bits_per_sample: master.bits_per_sample as u32,
                channels: master.channels as u32,
            },
        });
    }
    let release = ddex::Release {
        upc: row.upc.clone().unwrap_or_default(),
        kind: match row.kind {
            ReleaseKind::Single => ddex::ReleaseKind::Single,
            ReleaseKind::Ep => ddex::ReleaseKind::Ep,
            ReleaseKind::Album => ddex::ReleaseKind::Album,
        },
        title: row.title.clone(),
        version: row.version.clone(),
        display_artist: gathered.artist.clone(),
        featured_artists: row.featured_artists.clone(),
        label_name: row.label_name.clone(),
        genre: row.genre.clone(),
        subgenre: row.subgenre.clone(),
        p_line: (line_year(&row.p_line, &row.release_date), row.p_line.clone()),
        c_line: (line_year(&row.c_line, &row.release_date), row.c_line.clone()),
        release_date: row.release_date.clone(),
        original_release_date: row.original_release_date.clone(),
        parental_advisory: match row.parental_advisory.as_str() {
            "explicit" => ddex::Advisory::Explicit,
            "clean" => ddex::Advisory::Clean,
            _ => ddex::Advisory::None,
        },
        language: row.language.clone(),
        image: Some(image),
        tracks: Vec::new(),
    };
    Ok((release, tracks))
}

/// The year a ℗/© line starts with, else the release's year.
fn line_year(line: &str, release_date: &str) -> i32 {
    let leading: String = line.chars().take_while(char::is_ascii_digit).collect();
    leading.parse().ok().filter(|_| leading.len() == 4).unwrap_or_else(|| release_date[..4].parse().unwrap_or(2000))
}

fn credit(c: &Credit) -> ddex::Credit {
    let role = match c.role.as_str() {
        "performer" => ddex::CreditRole::Performer,
        "featured_artist" => ddex::CreditRole::FeaturedArtist,
        "composer" => ddex::CreditRole::Composer,
        "lyricist" => ddex::CreditRole::Lyricist,
        "producer" => ddex::CreditRole::Producer,
        "mixing_engineer" => ddex::CreditRole::MixingEngineer,
        "mastering_engineer" => ddex::CreditRole::MasteringEngineer,
        "arranger" => ddex::CreditRole::Arranger,
        other => ddex::CreditRole::Other(other.to_owned()),
    };
    ddex::Credit { name: c.name.clone(), role }
}
