//! Reads the essentials back out of an ERN 4.x `NewReleaseMessage` — ours or
//! anyone's (DDEX's samples parse). Used to check round trips and to let the
//! batch planner describe a message it is handed as text.

use std::collections::HashMap;

use super::codes::parse_iso_duration;
use super::dom::{self, Element};
use super::error::DdexError;
use super::model::{MessageControl, MessageHeader, Party};

/// The fields a human checks first on a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The main release's ICPN (UPC/EAN).
    pub icpn: String,
    pub title: String,
    pub display_artist: String,
    /// Sound recordings of the main release, in track order.
    pub tracks: Vec<TrackSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackSummary {
    pub isrc: String,
    pub title: String,
    pub display_artist: String,
    pub duration_ms: i64,
}

/// Reads ICPN, title and display artist of the main release and ISRC,
/// title, display artist and duration of each of its sound recordings.
///
/// Titles are the default `DisplayTitle/TitleText` (without version), falling
/// back to `DisplayTitleText`. The ICPN is taken from the main release's
/// `ReleaseId`; DDEX's SimpleAudioSingle sample identifies its release by GRid
/// and carries the ICPN only in a `RelatedRelease`, so that is the fallback.
pub fn read_summary(xml: &str) -> Result<Summary, DdexError> {
    let root = dom::parse(xml)?;
    if root.name != "NewReleaseMessage" {
        return Err(DdexError::NotErn(format!("root element is {}, not NewReleaseMessage", root.name)));
    }
    let release = root
        .find(&["ReleaseList", "Release"])
        .ok_or_else(|| DdexError::NotErn("no main Release in ReleaseList".into()))?;
    let icpn = release
        .text_at(&["ReleaseId", "ICPN"])
        .or_else(|| release.children_named("RelatedRelease").find_map(|r| r.text_at(&["ReleaseId", "ICPN"])))
        .ok_or_else(|| DdexError::NotErn("the main release has no ICPN".into()))?;

    let recordings: Vec<&Element> =
        root.child("ResourceList").map(|l| l.children_named("SoundRecording").collect()).unwrap_or_default();
    let by_ref: HashMap<String, &Element> =
        recordings.iter().filter_map(|r| r.text_at(&["ResourceReference"]).map(|k| (k, *r))).collect();
    // Track order is the main release's resource group order.
    let mut ordered: Vec<&Element> = Vec::new();
    if let Some(group) = release.child("ResourceGroup") {
        group.walk("", &mut |el, _| {
            if el.name == "ReleaseResourceReference"
                && let Some(r) = by_ref.get(el.text.trim())
                && !ordered.iter().any(|o| std::ptr::eq(*o, *r))
            {
                ordered.push(r);
            }
        });
    }
    if ordered.is_empty() {
        ordered = recordings;
    }
    let tracks = ordered.into_iter().map(track_summary).collect::<Result<Vec<_>, _>>()?;

    Ok(Summary { icpn, title: title(release)?, display_artist: artist(release)?, tracks })
}

fn track_summary(rec: &Element) -> Result<TrackSummary, DdexError> {
    let isrc = rec
        .children_named("SoundRecordingEdition")
        .find_map(|e| e.text_at(&["ResourceId", "ISRC"]))
        .ok_or_else(|| DdexError::NotErn("a sound recording has no ISRC".into()))?;
    let duration = rec.text_at(&["Duration"]).unwrap_or_default();
    let duration_ms = parse_iso_duration(&duration)
        .ok_or_else(|| DdexError::NotErn(format!("sound recording {isrc} has an unreadable Duration {duration:?}")))?;
    Ok(TrackSummary { title: title(rec)?, display_artist: artist(rec)?, isrc, duration_ms })
}

fn is_default(e: &Element) -> bool {
    e.attrs.iter().any(|(k, v)| k == "IsDefault" && v == "true")
}

/// The `IsDefault` one of several repeated elements, else the first.
fn default_of<'a>(parent: &'a Element, name: &'a str) -> Option<&'a Element> {
    parent.children_named(name).find(|e| is_default(e)).or_else(|| parent.child(name))
}

fn title(e: &Element) -> Result<String, DdexError> {
    default_of(e, "DisplayTitle")
        .and_then(|t| t.text_at(&["TitleText"]))
        .or_else(|| default_of(e, "DisplayTitleText").map(|t| t.text.trim().to_owned()))
        .ok_or_else(|| DdexError::NotErn(format!("{} without a title", e.name)))
}

fn artist(e: &Element) -> Result<String, DdexError> {
    default_of(e, "DisplayArtistName")
        .map(|t| t.text.trim().to_owned())
        .ok_or_else(|| DdexError::NotErn(format!("{} without a DisplayArtistName", e.name)))
}

/// The `MessageHeader` of a message. A missing `MessageControlType` means a
/// live message, as in ERN.
pub(super) fn read_header(xml: &str) -> Result<MessageHeader, DdexError> {
    let root = dom::parse(xml)?;
    let h = root.child("MessageHeader").ok_or_else(|| DdexError::NotErn("no MessageHeader".into()))?;
    let text = |path: &[&str]| {
        h.text_at(path).ok_or_else(|| DdexError::NotErn(format!("no {} in MessageHeader", path.join("/"))))
    };
    let party = |tag: &str| -> Result<Party, DdexError> {
        Ok(Party {
            dpid: text(&[tag, "PartyId"])?,
            name: h.text_at(&[tag, "PartyName", "FullName"]).unwrap_or_default(),
        })
    };
    Ok(MessageHeader {
        message_id: text(&["MessageId"])?,
        thread_id: h.text_at(&["MessageThreadId"]).unwrap_or_default(),
        created: text(&["MessageCreatedDateTime"])?,
        sender: party("MessageSender")?,
        recipient: party("MessageRecipient")?,
        control: match h.text_at(&["MessageControlType"]).as_deref() {
            Some("TestMessage") => MessageControl::Test,
            _ => MessageControl::Live,
        },
    })
}
