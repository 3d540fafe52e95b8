//! DDEX ERN 4.3 export: the XML a label sends to streaming services and
//! stores (DSPs) to deliver a release, and the folder layout it travels in.
//!
//! * [`new_release_message`] writes a `NewReleaseMessage` (Audio release
//!   profile: main release, one track release per track, front cover) with
//!   its deals; [`takedown_message`] writes the ERN 4 way of withdrawing one.
//! * [`validate_codes`] and [`check_references`] check what the XSD cannot:
//!   ISRC/ICPN correctness and that every P…/A…/R… reference resolves.
//! * [`read_summary`] reads the essentials back from any ERN 4 message.
//! * [`batch`] plans a file-based (SFTP) delivery batch.
//!
//! The input model ([`Release`], [`Track`], …) is plain data with no ties to
//! the rest of Boptone; the caller maps its own rows into it. Everything is
//! synchronous and pure (no I/O), so it can run anywhere, including in tests
//! that validate the output against DDEX's schema with `xmllint`.

pub mod batch;
mod codes;
mod dom;
mod ern;
mod error;
mod model;
mod reader;
mod refs;
mod validate;
mod write;
mod xml;

pub use codes::{is_dpid, validate_codes};
pub use ern::{new_release_message, takedown_message, takedown_message_with_deals};
pub use error::DdexError;
pub use model::{
    Advisory, AudioCodec, AudioFile, CommercialModel, Credit, CreditRole, Deal, ImageCodec, ImageFile, MessageControl,
    MessageHeader, Party, Release, ReleaseKind, Track, UseType, default_deals,
};
pub use reader::{Summary, TrackSummary, read_summary};
pub use refs::check_references;

#[cfg(test)]
mod tests;
