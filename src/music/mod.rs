//! Music: releases, tracks, ISRC/UPC, DDEX ERN 4.3 delivery, streaming,
//! royalties and splits, playlists.

pub mod audio;
pub mod codes;
pub mod ddex;
pub mod royalties;

use crate::pillar::Pillar;

pub struct MusicPillar;

pub static PILLAR: MusicPillar = MusicPillar;

impl Pillar for MusicPillar {
    fn name(&self) -> &'static str {
        "music"
    }
}
