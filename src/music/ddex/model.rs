//! The input model: plain owned structs the integrator fills from Boptone's
//! release and track rows. Nothing here refers to the rest of the app, so the
//! builder can be tested (and reasoned about) on its own.
//!
//! Enums carry their DDEX spelling in `as_ddex()`; the values come from the
//! ERN 4.3 allowed-value sets (AVS version 3), so a new variant must be checked
//! against `allowed-value-sets.xsd` before it is added.

/// Who sends and who receives the message, plus identifiers of this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader {
    /// Unique per message (DDEX: "MessageId"). A retry of the same delivery
    /// may reuse it; an update must not.
    pub message_id: String,
    /// Groups messages that belong together (DDEX: "MessageThreadId").
    pub thread_id: String,
    /// RFC 3339 timestamp, e.g. `2026-12-06T12:00:00Z`; becomes `MessageCreatedDateTime`.
    pub created: String,
    pub sender: Party,
    pub recipient: Party,
    pub control: MessageControl,
}

/// A messaging party: its DDEX Party Identifier and display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// DDEX Party ID, `PADPIDA` followed by letters/digits (e.g. `PADPIDA2014120301J`).
    pub dpid: String,
    pub name: String,
}

/// Whether the recipient should treat the message as a test or put it live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageControl {
    Test,
    Live,
}

impl MessageControl {
    pub fn as_ddex(self) -> &'static str {
        match self {
            MessageControl::Test => "TestMessage",
            MessageControl::Live => "LiveMessage",
        }
    }
}

/// One product (the "main release" of the message) with its tracks.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    /// The UPC/EAN (DDEX: ICPN), 12 or 13 digits with a valid GS1 check digit.
    pub upc: String,
    pub kind: ReleaseKind,
    pub title: String,
    /// Version or edition ("Deluxe", "Remastered 2024"); empty for none.
    pub version: String,
    pub display_artist: String,
    pub featured_artists: Vec<String>,
    pub label_name: String,
    pub genre: String,
    /// Empty for none.
    pub subgenre: String,
    /// ℗ year and text, e.g. `(2026, "2026 Boptone Records")`.
    pub p_line: (i32, String),
    /// © year and text.
    pub c_line: (i32, String),
    /// `YYYY-MM-DD`.
    pub release_date: String,
    /// `YYYY-MM-DD`, for reissues.
    pub original_release_date: Option<String>,
    pub parental_advisory: Advisory,
    /// ISO 639 language of the metadata (e.g. `en`); becomes `LanguageAndScriptCode`.
    pub language: String,
    /// The front cover. Required by the DDEX Audio profile; the builder refuses without it.
    pub image: Option<ImageFile>,
    pub tracks: Vec<Track>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseKind {
    Single,
    Ep,
    Album,
}

impl ReleaseKind {
    pub fn as_ddex(self) -> &'static str {
        match self {
            ReleaseKind::Single => "Single",
            ReleaseKind::Ep => "EP",
            ReleaseKind::Album => "Album",
        }
    }
}

/// Parental advisory of the whole release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advisory {
    Explicit,
    /// The edited ("clean") version of an explicit release.
    Clean,
    None,
}

impl Advisory {
    pub fn as_ddex(self) -> &'static str {
        match self {
            Advisory::Explicit => "Explicit",
            Advisory::Clean => "ExplicitContentEdited",
            Advisory::None => "NotExplicit",
        }
    }
}

/// The artwork file delivered with the release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFile {
    /// Path relative to the release folder of the batch, e.g. `resources/A4.jpg`.
    pub uri: String,
    /// Lowercase hex MD5 of the file, 32 characters.
    pub md5_hex: String,
    pub width: u32,
    pub height: u32,
    pub codec: ImageCodec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageCodec {
    Jpeg,
    Png,
}

impl ImageCodec {
    pub fn as_ddex(self) -> &'static str {
        match self {
            ImageCodec::Jpeg => "JPEG",
            ImageCodec::Png => "PNG",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub isrc: String,
    pub title: String,
    /// Version ("Radio Edit", "Live"); empty for none.
    pub version: String,
    pub display_artist: String,
    pub duration_ms: i64,
    pub explicit: bool,
    pub credits: Vec<Credit>,
    /// Empty to use the release genre.
    pub genre: String,
    pub file: AudioFile,
}

/// A person or group credited on a track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    pub name: String,
    pub role: CreditRole,
}

/// Credit roles Boptone offers, mapped onto the ERN 4.3 `ContributorRole` set.
///
/// ERN 4.3 has no plain "Producer" or "MainArtist" contributor role: the
/// record producer is `StudioProducer`, an artist is `Artist`, and a featured
/// artist is an `Artist` contributor flagged `HasMadeFeaturedContribution`
/// (and also shown as a `FeaturedArtist` display artist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditRole {
    MainArtist,
    FeaturedArtist,
    Performer,
    Vocalist,
    Composer,
    Lyricist,
    ComposerLyricist,
    Arranger,
    Producer,
    CoProducer,
    ExecutiveProducer,
    MixingEngineer,
    MasteringEngineer,
    RecordingEngineer,
    Remixer,
    Conductor,
    /// Anything else; sent as `UserDefined` with this text as `UserDefinedValue`.
    Other(String),
}

impl CreditRole {
    /// The `ContributorRole` value, or `None` for [`CreditRole::Other`]
    /// (which is written as `UserDefined`).
    pub fn as_ddex(&self) -> Option<&'static str> {
        Some(match self {
            CreditRole::MainArtist | CreditRole::FeaturedArtist => "Artist",
            CreditRole::Performer => "Performer",
            CreditRole::Vocalist => "Vocalist",
            CreditRole::Composer => "Composer",
            CreditRole::Lyricist => "Lyricist",
            CreditRole::ComposerLyricist => "ComposerLyricist",
            CreditRole::Arranger => "Arranger",
            CreditRole::Producer => "StudioProducer",
            CreditRole::CoProducer => "CoProducer",
            CreditRole::ExecutiveProducer => "ExecutiveProducer",
            CreditRole::MixingEngineer => "MixingEngineer",
            CreditRole::MasteringEngineer => "MasteringEngineer",
            CreditRole::RecordingEngineer => "RecordingEngineer",
            CreditRole::Remixer => "Remixer",
            CreditRole::Conductor => "Conductor",
            CreditRole::Other(_) => return None,
        })
    }
}

/// The master audio file of a track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioFile {
    /// Path relative to the release folder of the batch, e.g. `resources/A1.flac`.
    pub uri: String,
    /// Lowercase hex MD5 of the file, 32 characters.
    pub md5_hex: String,
    pub codec: AudioCodec,
    /// In Hz, e.g. 44100.
    pub sample_rate: u32,
    pub bits_per_sample: u32,
    pub channels: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioCodec {
    Flac,
    /// Uncompressed PCM in a WAV container (`AudioCodecType` PCM, `ContainerFormat` WAV).
    Wav,
}

impl AudioCodec {
    pub fn as_ddex(self) -> &'static str {
        match self {
            AudioCodec::Flac => "FLAC",
            AudioCodec::Wav => "PCM",
        }
    }

    /// DDEX `ContainerFormat`; FLAC files carry none.
    pub fn container(self) -> Option<&'static str> {
        match self {
            AudioCodec::Flac => None,
            AudioCodec::Wav => Some("WAV"),
        }
    }
}

/// One set of commercial terms under which DSPs may offer the release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deal {
    /// `Worldwide` or ISO 3166-1 alpha-2 codes.
    pub territories: Vec<String>,
    pub commercial_models: Vec<CommercialModel>,
    pub use_types: Vec<UseType>,
    /// `YYYY-MM-DD`; should not be later than the release date.
    pub start_date: String,
    /// `YYYY-MM-DD`, inclusive (the last day the deal applies); `None` = until further notice.
    pub end_date: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommercialModel {
    SubscriptionModel,
    AdvertisementSupportedModel,
    PayAsYouGoModel,
    FreeOfChargeModel,
}

impl CommercialModel {
    pub fn as_ddex(self) -> &'static str {
        match self {
            CommercialModel::SubscriptionModel => "SubscriptionModel",
            CommercialModel::AdvertisementSupportedModel => "AdvertisementSupportedModel",
            CommercialModel::PayAsYouGoModel => "PayAsYouGoModel",
            CommercialModel::FreeOfChargeModel => "FreeOfChargeModel",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UseType {
    Stream,
    OnDemandStream,
    NonInteractiveStream,
    ConditionalDownload,
    PermanentDownload,
}

impl UseType {
    pub fn as_ddex(self) -> &'static str {
        match self {
            UseType::Stream => "Stream",
            UseType::OnDemandStream => "OnDemandStream",
            UseType::NonInteractiveStream => "NonInteractiveStream",
            UseType::ConditionalDownload => "ConditionalDownload",
            UseType::PermanentDownload => "PermanentDownload",
        }
    }
}

/// The deal set most independent labels want: worldwide ad-supported and
/// subscription streaming (with offline caching for subscribers) and
/// worldwide pay-as-you-go permanent downloads.
///
/// It mirrors the deals in DDEX's own SimpleAudioSingle sample, one
/// commercial model per deal, which DDEX recommends over mixing several models
/// in one deal. `start_date` should be on or before the release date: deals
/// whose start date lies in the future keep the release off sale until then.
pub fn default_deals(start_date: &str) -> Vec<Deal> {
    let deal = |model, use_types: &[UseType]| Deal {
        territories: vec!["Worldwide".to_owned()],
        commercial_models: vec![model],
        use_types: use_types.to_vec(),
        start_date: start_date.to_owned(),
        end_date: None,
    };
    vec![
        deal(CommercialModel::AdvertisementSupportedModel, &[UseType::OnDemandStream, UseType::NonInteractiveStream]),
        deal(
            CommercialModel::SubscriptionModel,
            &[UseType::OnDemandStream, UseType::NonInteractiveStream, UseType::ConditionalDownload],
        ),
        deal(CommercialModel::PayAsYouGoModel, &[UseType::PermanentDownload]),
    ]
}
