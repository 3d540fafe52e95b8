//! File-based delivery: the batch layout of DDEX's "ERN Choreography"
//! standard for (S)FTP, batch profile.
//!
//! ```text
//! <BatchId>/                          e.g. 20261206120000123/
//!     <ICPN>/                         one folder per release, named by its release id
//!         <ICPN>.xml                  the NewReleaseMessage
//!         resources/                  every file the message names in File/URI
//!             A1.flac
//!             A4.jpg
//!     BatchComplete_<BatchId>.xml     ManifestMessage, uploaded LAST
//! ```
//!
//! * The BatchId is the upload time `YYYYMMDDhhmmssnnn` (milliseconds
//!   included), which makes batch folders sort in delivery order.
//! * `File/URI` values in the message are relative to the release folder,
//!   so the message says `resources/A1.flac`.
//! * Recipients start ingesting when `BatchComplete_<BatchId>.xml` appears,
//!   so it must be written only after every other file is complete; the
//!   plan puts it last and the uploader must keep that order (and not upload
//!   in parallel across the marker).
//! * Choreography 1.6+ prefixes the batch folder with a priority flag
//!   (`N_<BatchId>`, `P_…`); many recipients still expect the plain BatchId.
//!   Agree this per recipient; the plan uses the plain id.

use std::collections::HashSet;

use super::codes::check_icpn;
use super::error::DdexError;
use super::model::{MessageControl, MessageHeader};
use super::reader::{read_header, read_summary};
use super::xml::XmlOut;

/// What to write where, in order. `files` ends with the batch-complete marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchPlan {
    pub batch_id: String,
    pub files: Vec<PlannedFile>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    /// Path relative to the recipient's drop folder, forward slashes,
    /// starting with the batch folder.
    pub path: String,
    pub source: FileSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSource {
    /// Bytes produced here (the message, the manifest).
    Inline(Vec<u8>),
    /// A file the integrator copies from the app's object store.
    External { key: String },
}

/// One NewReleaseMessage in a batch, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    pub message_id: String,
    /// Path of the message file from the drop folder, e.g. `20261206120000123/196589000011/196589000011.xml`.
    pub url: String,
    pub icpn: String,
}

/// The file name of the completion marker of batch `batch_id`.
pub fn batch_complete_name(batch_id: &str) -> String {
    format!("BatchComplete_{batch_id}.xml")
}

/// Plans the batch for one release: its message, its resource files, then
/// the `BatchComplete_<BatchId>.xml` manifest as the last entry.
///
/// `resources` pairs each `File/URI` used in the message (relative to the
/// release folder, under `resources/`) with the object-store key holding the
/// file. The plan is refused if a path is unsafe (absolute, `..`, empty
/// segments, backslashes), if the message's ICPN differs from
/// `release_icpn`, or if the message names a file that `resources` does not
/// provide — a recipient would reject such a delivery.
pub fn plan_batch(
    batch_id: &str,
    release_icpn: &str,
    message_xml: String,
    resources: Vec<(String, String)>,
) -> Result<BatchPlan, DdexError> {
    check_segment("batch id", batch_id)?;
    check_icpn(release_icpn)?;
    let header = read_header(&message_xml)?;
    let summary = read_summary(&message_xml)?;
    if summary.icpn != release_icpn {
        return Err(DdexError::invalid("message ICPN", &summary.icpn, "the same ICPN as the release folder"));
    }

    let uris = message_file_uris(&message_xml)?;

    let mut seen = HashSet::new();
    let mut files = Vec::with_capacity(resources.len() + 2);
    let message_path = format!("{batch_id}/{release_icpn}/{release_icpn}.xml");
    files.push(PlannedFile { path: message_path.clone(), source: FileSource::Inline(message_xml.into_bytes()) });
    for (uri, key) in resources {
        check_relative_path(&uri)?;
        if !uri.starts_with("resources/") {
            return Err(DdexError::invalid("resource path", &uri, "a path under resources/ (DDEX choreography)"));
        }
        if !seen.insert(uri.clone()) {
            return Err(DdexError::invalid("resource path", &uri, "each file only once"));
        }
        if key.trim().is_empty() {
            return Err(DdexError::missing(format!("object-store key for {uri}")));
        }
        files.push(PlannedFile {
            path: format!("{batch_id}/{release_icpn}/{uri}"),
            source: FileSource::External { key },
        });
    }
    let missing: Vec<String> = uris.into_iter().filter(|u| !seen.contains(u)).collect();
    if !missing.is_empty() {
        return Err(DdexError::invalid(
            "resources",
            &missing.join(", "),
            "every File/URI of the message must be delivered",
        ));
    }

    let entry =
        ManifestEntry { message_id: header.message_id.clone(), url: message_path, icpn: release_icpn.to_owned() };
    let manifest = batch_complete_manifest(batch_id, &header, &[entry])?;
    files.push(PlannedFile {
        path: format!("{batch_id}/{}", batch_complete_name(batch_id)),
        source: FileSource::Inline(manifest.into_bytes()),
    });
    Ok(BatchPlan { batch_id: batch_id.to_owned(), files })
}

/// The `BatchComplete_<BatchId>.xml` content: an ERN choreography
/// `ManifestMessage` (namespace `http://ddex.net/xml/ern-c/15`, version 1.5,
/// the one most recipients implement) listing each message of the batch.
/// Sender, recipient, creation time and test flag come from `header`.
///
/// Recipients that only want the zero-byte semaphore variant of the marker
/// can be sent an empty file under [`batch_complete_name`] instead.
pub fn batch_complete_manifest(
    batch_id: &str,
    header: &MessageHeader,
    entries: &[ManifestEntry],
) -> Result<String, DdexError> {
    check_segment("batch id", batch_id)?;
    if entries.is_empty() {
        return Err(DdexError::missing("messages of the batch manifest"));
    }
    let mut x = XmlOut::new()?;
    x.open("ern-c:ManifestMessage", &[("xmlns:ern-c", "http://ddex.net/xml/ern-c/15"), ("MessageVersionId", "1.5")])?;
    x.open("MessageHeader", &[])?;
    x.leaf("MessageId", &format!("BatchComplete_{batch_id}"))?;
    for (tag, party) in [("MessageSender", &header.sender), ("MessageRecipient", &header.recipient)] {
        x.open(tag, &[])?;
        x.leaf("PartyId", &party.dpid)?;
        x.open("PartyName", &[])?;
        x.leaf("FullName", &party.name)?;
        x.close("PartyName")?;
        x.close(tag)?;
    }
    x.leaf("MessageCreatedDateTime", &header.created)?;
    x.close("MessageHeader")?;
    x.leaf("IsTestFlag", if header.control == MessageControl::Test { "true" } else { "false" })?;
    x.leaf("RootDirectory", batch_id)?;
    x.leaf("NumberOfMessages", &entries.len().to_string())?;
    for e in entries {
        check_relative_path(&e.url)?;
        x.open("MessageInBatch", &[])?;
        x.leaf("MessageType", "NewReleaseMessage")?;
        x.leaf("MessageId", &e.message_id)?;
        x.leaf("URL", &e.url)?;
        x.open("IncludedReleaseId", &[])?;
        x.leaf("ICPN", &e.icpn)?;
        x.close("IncludedReleaseId")?;
        x.leaf("DeliveryType", "NewReleaseDelivery")?;
        x.leaf("ProductType", "AudioProduct")?;
        x.close("MessageInBatch")?;
    }
    x.close("ern-c:ManifestMessage")?;
    x.finish()
}

/// A path that stays inside the folder it is relative to: not empty, not
/// absolute (`/x`, `C:x`), no backslashes, no `..`, `.` or empty segments,
/// no control characters.
pub fn check_relative_path(path: &str) -> Result<(), DdexError> {
    let unsafe_path = |reason| Err(DdexError::UnsafePath { path: path.to_owned(), reason });
    if path.is_empty() {
        return unsafe_path("empty path");
    }
    if path.starts_with('/') {
        return unsafe_path("absolute paths are not allowed");
    }
    if path.contains('\\') {
        return unsafe_path("use forward slashes");
    }
    if path.contains(':') {
        return unsafe_path("no drive letters or URL schemes");
    }
    if path.chars().any(char::is_control) {
        return unsafe_path("no control characters");
    }
    for seg in path.split('/') {
        match seg {
            ".." => return unsafe_path("'..' would leave the batch folder"),
            "." | "" => return unsafe_path("no empty or '.' segments"),
            _ => {}
        }
    }
    Ok(())
}

/// A single folder name.
fn check_segment(field: &'static str, s: &str) -> Result<(), DdexError> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
        return Err(DdexError::invalid(field, s, "letters, digits, '_' or '-' only (DDEX: YYYYMMDDhhmmssnnn)"));
    }
    Ok(())
}

/// Every `File/URI` the message names.
fn message_file_uris(xml: &str) -> Result<Vec<String>, DdexError> {
    let root = super::dom::parse(xml)?;
    let mut uris = Vec::new();
    root.walk("", &mut |el, parent| {
        if el.name == "URI" && parent == "File" {
            uris.push(el.text.trim().to_owned());
        }
    });
    Ok(uris)
}
