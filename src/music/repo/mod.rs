//! All SQL of the music pillar, one file per part of it.

mod deliveries;
mod playlists;
mod releases;
mod royalties;
mod streams;
mod tracks;

pub use deliveries::*;
pub use playlists::*;
pub use releases::*;
pub use royalties::*;
pub use streams::*;
pub use tracks::*;
