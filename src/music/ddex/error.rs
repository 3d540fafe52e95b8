//! The one error type of the DDEX module.
//!
//! Messages name the offending value and say what DDEX expects, because the
//! person reading them is usually a label manager fixing a release form, not
//! someone who has read the ERN standard.

/// Everything that can go wrong while building, checking or reading a DDEX
/// message or planning a delivery batch.
#[derive(Debug, thiserror::Error)]
pub enum DdexError {
    /// An ISRC is not 2 letters + 3 alphanumerics + 2 digits + 5 digits.
    #[error(
        "ISRC {isrc:?} of track {track} is malformed: expected 12 characters CCXXXYYNNNNN (2 letters, 3 letters/digits, 2 digits, 5 digits), uppercase, without dashes"
    )]
    BadIsrc { track: usize, isrc: String },

    /// The same ISRC appears on two tracks of one release.
    #[error("ISRC {isrc} is used by more than one track; each recording needs its own ISRC")]
    DuplicateIsrc { isrc: String },

    /// The UPC/EAN is not 12 or 13 digits.
    #[error("ICPN (UPC/EAN) {icpn:?} is malformed: expected 12 (UPC-A) or 13 (EAN-13) digits")]
    BadIcpn { icpn: String },

    /// The UPC/EAN has the right shape but a wrong GS1 check digit.
    #[error("ICPN (UPC/EAN) {icpn} has a wrong check digit: expected {expected}, found {found}")]
    BadIcpnCheckDigit { icpn: String, expected: char, found: char },

    /// A release without tracks cannot be delivered.
    #[error("the release has no tracks")]
    NoTracks,

    /// A track with a zero or negative duration.
    #[error("track {track} ({isrc}) has duration {duration_ms} ms; it must be greater than zero")]
    BadDuration { track: usize, isrc: String, duration_ms: i64 },

    /// A required text field is empty.
    #[error("{field} must not be empty")]
    Missing { field: String },

    /// A value does not have the shape DDEX requires (dates, DPIDs, years…).
    #[error("{field} is invalid ({value:?}): {expected}")]
    Invalid { field: String, value: String, expected: &'static str },

    /// The DDEX Audio release profile requires a front cover image.
    #[error(
        "the release has no front cover image: the DDEX Audio release profile (and every streaming service) requires one FrontCoverImage per release"
    )]
    MissingFrontCover,

    /// References (P…, A…, R…, T…) that point at nothing, or at the wrong kind of thing.
    #[error("the message has unresolved references: {}", .0.join("; "))]
    DanglingReferences(Vec<String>),

    /// The same P…/A…/R… anchor is declared twice.
    #[error("reference {0} is declared more than once")]
    DuplicateReference(String),

    /// A relative path in a delivery batch tries to leave the batch folder.
    #[error("unsafe path {path:?} in delivery batch: {reason}")]
    UnsafePath { path: String, reason: &'static str },

    /// The XML could not be parsed.
    #[error("malformed XML: {0}")]
    Xml(String),

    /// The XML parsed but does not look like an ERN 4 NewReleaseMessage.
    #[error("not a usable ERN message: {0}")]
    NotErn(String),
}

impl DdexError {
    pub(super) fn missing(field: impl Into<String>) -> Self {
        DdexError::Missing { field: field.into() }
    }

    pub(super) fn invalid(field: impl Into<String>, value: &str, expected: &'static str) -> Self {
        DdexError::Invalid { field: field.into(), value: value.to_owned(), expected }
    }
}

impl From<quick_xml::Error> for DdexError {
    fn from(e: quick_xml::Error) -> Self {
        DdexError::Xml(e.to_string())
    }
}

impl From<std::io::Error> for DdexError {
    /// Writing into a `Vec<u8>` cannot fail; this exists so `?` works on the
    /// quick-xml writer without an `unwrap`.
    fn from(e: std::io::Error) -> Self {
        DdexError::Xml(e.to_string())
    }
}
