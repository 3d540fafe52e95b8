//! Writes the ERN 4.3 `NewReleaseMessage` XML (inputs already validated).
//!
//! The element order follows `release-notification.xsd` exactly (XSD
//! sequences are order-sensitive) and the choices follow DDEX's Audio release
//! profile and its sample `1-Audio.xml`:
//!
//! * one main `Release` (`R0`) whose `ResourceGroup` lists the tracks in
//!   order and links the cover image, plus one `TrackRelease` (`R1`…) per
//!   track so DSPs can sell or stream tracks on their own;
//! * sound recordings `A1`…`An` in track order, the cover `A{n+1}`;
//! * technical details `T…` mirror the resource numbers;
//! * parties `P1`… in order of first appearance, one per distinct name;
//! * a `ReleaseDeal` for each release reference, all with the same deals.
//!
//! Track releases are identified by a `ProprietaryId` made of the ICPN and
//! the ISRC (`<ICPN>_<ISRC>`, namespace = sender DPID): ERN 4.3 has no ISRC
//! field in `ReleaseId`, and the release-profile rules ask for an identifier
//! unique to the track *in the context of this release*, suggesting exactly
//! this concatenation.

use std::collections::HashMap;

use super::codes::iso_duration;
use super::error::DdexError;
use super::model::{Credit, CreditRole, Deal, MessageHeader, Release, Track};
use super::xml::XmlOut;

const ERN_NS: &str = "http://ddex.net/xml/ern/43";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const SCHEMA_LOCATION: &str = "http://ddex.net/xml/ern/43 http://ddex.net/xml/ern/43/release-notification.xsd";
/// The allowed-value-set version the 4.3 schema ships with
/// (`<xs:documentation source="AvsVersionId">3</…>` in allowed-value-sets.xsd).
const AVS_VERSION: &str = "3";
/// DDEX release profile for audio singles, EPs and albums.
const RELEASE_PROFILE: &str = "Audio";
const WORLDWIDE: &[(&str, &str)] = &[("ApplicableTerritoryCode", "Worldwide")];

/// Local anchors (P…) for parties, one per distinct name, in order of first use.
struct Parties {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Parties {
    fn new() -> Self {
        Parties { names: Vec::new(), index: HashMap::new() }
    }

    fn reference(&mut self, name: &str) -> String {
        let n = match self.index.get(name) {
            Some(&n) => n,
            None => {
                self.names.push(name.to_owned());
                self.index.insert(name.to_owned(), self.names.len());
                self.names.len()
            }
        };
        format!("P{n}")
    }
}

/// One contributor on a track: a party and all its roles there.
struct Contribution<'a> {
    party: String,
    roles: Vec<&'a CreditRole>,
    featured: bool,
}

/// Groups a track's credits by person, keeping first-appearance order, so
/// "Composer + Lyricist" becomes one `Contributor` with two `Role`s.
fn contributions<'a>(credits: &'a [Credit], parties: &mut Parties) -> Vec<Contribution<'a>> {
    let mut out: Vec<Contribution<'a>> = Vec::new();
    for c in credits {
        let party = parties.reference(&c.name);
        let featured = c.role == CreditRole::FeaturedArtist;
        match out.iter_mut().find(|x| x.party == party) {
            Some(x) => {
                if !x.roles.contains(&&c.role) {
                    x.roles.push(&c.role);
                }
                x.featured |= featured;
            }
            None => out.push(Contribution { party, roles: vec![&c.role], featured }),
        }
    }
    out
}

/// Track display title: "Title (Version)" when there is a version.
fn display_title(title: &str, version: &str) -> String {
    if version.trim().is_empty() { title.to_owned() } else { format!("{title} ({version})") }
}

pub(super) fn write_message(header: &MessageHeader, release: &Release, deals: &[Deal]) -> Result<String, DdexError> {
    let n_tracks = release.tracks.len();
    let image_ref = format!("A{}", n_tracks + 1);
    let dpid = header.sender.dpid.as_str();

    // Assign every party reference up front so the PartyList can come first.
    let mut parties = Parties::new();
    let release_artist = parties.reference(&release.display_artist);
    let mut featured: Vec<String> = Vec::new();
    for name in &release.featured_artists {
        let p = parties.reference(name);
        if p != release_artist && !featured.contains(&p) {
            featured.push(p);
        }
    }
    let label = parties.reference(&release.label_name);
    let track_parties: Vec<(String, Vec<Contribution<'_>>)> = release
        .tracks
        .iter()
        .map(|t| {
            let artist = parties.reference(&t.display_artist);
            (artist, contributions(&t.credits, &mut parties))
        })
        .collect();

    let mut x = XmlOut::new()?;
    x.open(
        "ern:NewReleaseMessage",
        &[
            ("xmlns:ern", ERN_NS),
            ("xmlns:xsi", XSI_NS),
            ("xsi:schemaLocation", SCHEMA_LOCATION),
            ("ReleaseProfileVersionId", RELEASE_PROFILE),
            ("LanguageAndScriptCode", &release.language),
            ("AvsVersionId", AVS_VERSION),
        ],
    )?;

    write_header(&mut x, header)?;

    x.open("PartyList", &[])?;
    for (i, name) in parties.names.iter().enumerate() {
        x.open("Party", &[])?;
        x.leaf("PartyReference", &format!("P{}", i + 1))?;
        x.open("PartyName", &[])?;
        x.leaf("FullName", name)?;
        x.close("PartyName")?;
        x.close("Party")?;
    }
    x.close("PartyList")?;

    x.open("ResourceList", &[])?;
    for (i, (track, (artist, contribs))) in release.tracks.iter().zip(&track_parties).enumerate() {
        write_sound_recording(&mut x, release, track, i + 1, artist, contribs, dpid)?;
    }
    write_image(&mut x, release, &image_ref, dpid)?;
    x.close("ResourceList")?;

    x.open("ReleaseList", &[])?;
    write_main_release(&mut x, release, &release_artist, &featured, &label, &image_ref)?;
    for (i, track) in release.tracks.iter().enumerate() {
        let n = i + 1;
        x.open("TrackRelease", &[])?;
        x.leaf("ReleaseReference", &format!("R{n}"))?;
        x.open("ReleaseId", &[])?;
        x.leaf_with("ProprietaryId", &[("Namespace", dpid)], &format!("{}_{}", release.upc, track.isrc))?;
        x.close("ReleaseId")?;
        x.leaf("ReleaseResourceReference", &format!("A{n}"))?;
        x.leaf("LinkedReleaseResourceReference", &image_ref)?;
        x.leaf_with("ReleaseLabelReference", WORLDWIDE, &label)?;
        write_genre(&mut x, if track.genre.trim().is_empty() { &release.genre } else { &track.genre }, "")?;
        x.close("TrackRelease")?;
    }
    x.close("ReleaseList")?;

    if !deals.is_empty() {
        x.open("DealList", &[])?;
        for r in 0..=n_tracks {
            x.open("ReleaseDeal", &[])?;
            x.leaf("DealReleaseReference", &format!("R{r}"))?;
            for deal in deals {
                write_deal(&mut x, deal)?;
            }
            x.close("ReleaseDeal")?;
        }
        x.close("DealList")?;
    }

    x.close("ern:NewReleaseMessage")?;
    x.finish()
}

fn write_header(x: &mut XmlOut, h: &MessageHeader) -> Result<(), DdexError> {
    x.open("MessageHeader", &[])?;
    x.leaf("MessageThreadId", &h.thread_id)?;
    x.leaf("MessageId", &h.message_id)?;
    for (tag, party) in [("MessageSender", &h.sender), ("MessageRecipient", &h.recipient)] {
        x.open(tag, &[])?;
        x.leaf("PartyId", &party.dpid)?;
        x.open("PartyName", &[])?;
        x.leaf("FullName", &party.name)?;
        x.close("PartyName")?;
        x.close(tag)?;
    }
    x.leaf("MessageCreatedDateTime", &h.created)?;
    x.leaf("MessageControlType", h.control.as_ddex())?;
    x.close("MessageHeader")
}

/// `DisplayTitleText` + `DisplayTitle` (version as a `SubTitle` of type Version).
fn write_titles(x: &mut XmlOut, title: &str, version: &str) -> Result<(), DdexError> {
    x.leaf("DisplayTitleText", &display_title(title, version))?;
    x.open("DisplayTitle", &[("ApplicableTerritoryCode", "Worldwide"), ("IsDefault", "true")])?;
    x.leaf("TitleText", title)?;
    if !version.trim().is_empty() {
        x.leaf_with("SubTitle", &[("SubTitleType", "Version")], version)?;
    }
    x.close("DisplayTitle")
}

fn write_display_artist(x: &mut XmlOut, seq: usize, party: &str, role: &str) -> Result<(), DdexError> {
    x.open("DisplayArtist", &[("SequenceNumber", &seq.to_string())])?;
    x.leaf("ArtistPartyReference", party)?;
    x.leaf("DisplayArtistRole", role)?;
    x.close("DisplayArtist")
}

fn write_sound_recording(
    x: &mut XmlOut,
    release: &Release,
    track: &Track,
    n: usize,
    artist: &str,
    contribs: &[Contribution<'_>],
    dpid: &str,
) -> Result<(), DdexError> {
    let f = &track.file;
    x.open("SoundRecording", &[])?;
    x.leaf("ResourceReference", &format!("A{n}"))?;
    x.leaf("Type", "MusicalWorkSoundRecording")?;
    x.open("SoundRecordingEdition", &[])?;
    x.open("ResourceId", &[])?;
    x.leaf("ISRC", &track.isrc)?;
    x.close("ResourceId")?;
    x.open("PLine", &[])?;
    x.leaf("Year", &release.p_line.0.to_string())?;
    x.leaf("PLineText", &release.p_line.1)?;
    x.close("PLine")?;
    x.open("TechnicalDetails", &[])?;
    x.leaf("TechnicalResourceDetailsReference", &format!("T{n}"))?;
    x.open("DeliveryFile", &[])?;
    x.leaf("Type", "AudioFile")?;
    if let Some(container) = f.codec.container() {
        x.leaf("ContainerFormat", container)?;
    }
    x.leaf("AudioCodecType", f.codec.as_ddex())?;
    x.leaf("NumberOfChannels", &f.channels.to_string())?;
    x.leaf_with("SamplingRate", &[("UnitOfMeasure", "Hz")], &f.sample_rate.to_string())?;
    x.leaf("BitsPerSample", &f.bits_per_sample.to_string())?;
    write_file(x, &f.uri, &f.md5_hex)?;
    x.close("DeliveryFile")?;
    x.close("TechnicalDetails")?;
    x.close("SoundRecordingEdition")?;

    write_titles(x, &track.title, &track.version)?;
    x.leaf_with(
        "DisplayArtistName",
        &[("ApplicableTerritoryCode", "Worldwide"), ("IsDefault", "true")],
        &track.display_artist,
    )?;
    write_display_artist(x, 1, artist, "MainArtist")?;
    let mut seq = 1;
    for c in contribs.iter().filter(|c| c.featured && c.party != artist) {
        seq += 1;
        write_display_artist(x, seq, &c.party, "FeaturedArtist")?;
    }
    for (i, c) in contribs.iter().enumerate() {
        x.open("Contributor", &[("SequenceNumber", &(i + 1).to_string())])?;
        x.leaf("ContributorPartyReference", &c.party)?;
        for role in &c.roles {
            match (role.as_ddex(), role) {
                (Some(v), _) => x.leaf("Role", v)?,
                (None, CreditRole::Other(text)) => {
                    x.leaf_with("Role", &[("Namespace", dpid), ("UserDefinedValue", text)], "UserDefined")?
                }
                (None, _) => {}
            }
        }
        if c.featured {
            x.leaf("HasMadeFeaturedContribution", "true")?;
        }
        x.close("Contributor")?;
    }
    x.leaf("Duration", &iso_duration(track.duration_ms))?;
    x.leaf("ParentalWarningType", if track.explicit { "Explicit" } else { "NotExplicit" })?;
    x.close("SoundRecording")
}

fn write_file(x: &mut XmlOut, uri: &str, md5: &str) -> Result<(), DdexError> {
    x.open("File", &[])?;
    x.leaf("URI", uri)?;
    x.open("HashSum", &[])?;
    x.leaf("Algorithm", "MD5")?;
    x.leaf("HashSumValue", &md5.to_ascii_lowercase())?;
    x.close("HashSum")?;
    x.close("File")
}

fn write_image(x: &mut XmlOut, release: &Release, image_ref: &str, dpid: &str) -> Result<(), DdexError> {
    let Some(img) = &release.image else { return Err(DdexError::MissingFrontCover) };
    x.open("Image", &[])?;
    x.leaf("ResourceReference", image_ref)?;
    x.leaf("Type", "FrontCoverImage")?;
    // ERN 4.3 requires an id on images; there is no public identifier for
    // artwork, so the sender issues one from the release's ICPN.
    x.open("ResourceId", &[])?;
    x.leaf_with("ProprietaryId", &[("Namespace", dpid)], &format!("{}_FrontCover", release.upc))?;
    x.close("ResourceId")?;
    x.open("TechnicalDetails", &[])?;
    x.leaf("TechnicalResourceDetailsReference", &format!("T{}", &image_ref[1..]))?;
    x.leaf("ImageCodecType", img.codec.as_ddex())?;
    x.leaf_with("ImageHeight", &[("UnitOfMeasure", "Pixel")], &img.height.to_string())?;
    x.leaf_with("ImageWidth", &[("UnitOfMeasure", "Pixel")], &img.width.to_string())?;
    write_file(x, &img.uri, &img.md5_hex)?;
    x.close("TechnicalDetails")?;
    x.close("Image")
}

fn write_genre(x: &mut XmlOut, genre: &str, subgenre: &str) -> Result<(), DdexError> {
    x.open("Genre", WORLDWIDE)?;
    x.leaf("GenreText", genre)?;
    if !subgenre.trim().is_empty() {
        x.leaf("SubGenre", subgenre)?;
    }
    x.close("Genre")
}

fn write_main_release(
    x: &mut XmlOut,
    release: &Release,
    artist: &str,
    featured: &[String],
    label: &str,
    image_ref: &str,
) -> Result<(), DdexError> {
    x.open("Release", &[])?;
    x.leaf("ReleaseReference", "R0")?;
    x.leaf("ReleaseType", release.kind.as_ddex())?;
    x.open("ReleaseId", &[])?;
    x.leaf("ICPN", &release.upc)?;
    x.close("ReleaseId")?;
    write_titles(x, &release.title, &release.version)?;
    x.leaf_with(
        "DisplayArtistName",
        &[("ApplicableTerritoryCode", "Worldwide"), ("IsDefault", "true")],
        &release.display_artist,
    )?;
    write_display_artist(x, 1, artist, "MainArtist")?;
    for (i, f) in featured.iter().enumerate() {
        write_display_artist(x, i + 2, f, "FeaturedArtist")?;
    }
    // One label reference valid in every territory a deal can name.
    x.leaf_with("ReleaseLabelReference", WORLDWIDE, label)?;
    x.open("PLine", &[])?;
    x.leaf("Year", &release.p_line.0.to_string())?;
    x.leaf("PLineText", &release.p_line.1)?;
    x.close("PLine")?;
    x.open("CLine", &[])?;
    x.leaf("Year", &release.c_line.0.to_string())?;
    x.leaf("CLineText", &release.c_line.1)?;
    x.close("CLine")?;
    x.leaf("Duration", &iso_duration(release.tracks.iter().map(|t| t.duration_ms).sum()))?;
    write_genre(x, &release.genre, &release.subgenre)?;
    x.leaf_with("ReleaseDate", WORLDWIDE, &release.release_date)?;
    if let Some(original) = &release.original_release_date {
        x.leaf_with("OriginalReleaseDate", WORLDWIDE, original)?;
    }
    x.leaf("ParentalWarningType", release.parental_advisory.as_ddex())?;
    x.open("ResourceGroup", &[])?;
    x.leaf("SequenceNumber", "1")?;
    for n in 1..=release.tracks.len() {
        x.open("ResourceGroupContentItem", &[])?;
        x.leaf("SequenceNumber", &n.to_string())?;
        x.leaf("ReleaseResourceReference", &format!("A{n}"))?;
        x.close("ResourceGroupContentItem")?;
    }
    x.leaf_with("LinkedReleaseResourceReference", &[("LinkDescription", "CoverArt")], image_ref)?;
    x.close("ResourceGroup")?;
    x.close("Release")
}

fn write_deal(x: &mut XmlOut, deal: &Deal) -> Result<(), DdexError> {
    x.open("Deal", &[])?;
    x.open("DealTerms", &[])?;
    for t in &deal.territories {
        x.leaf("TerritoryCode", t)?;
    }
    x.open("ValidityPeriod", &[])?;
    x.leaf("StartDate", &deal.start_date)?;
    if let Some(end) = &deal.end_date {
        x.leaf("EndDate", end)?;
    }
    x.close("ValidityPeriod")?;
    for m in &deal.commercial_models {
        x.leaf("CommercialModelType", m.as_ddex())?;
    }
    for u in &deal.use_types {
        x.leaf("UseType", u.as_ddex())?;
    }
    x.close("DealTerms")?;
    x.close("Deal")
}
