//! All SQL of the music pillar, one file per part of it.

mod releases;
mod royalties;
mod streams;
mod tracks;

pub use releases::*;
pub use royalties::*;
pub use streams::*;
pub use tracks::*;
