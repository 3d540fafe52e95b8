//! The pillar list: the one line a new pillar adds outside its own folder.

use crate::pillar::Pillar;

pub static ALL: &[&dyn Pillar] = &[
    &crate::identity::PILLAR,
    &crate::bops::PILLAR,
    &crate::music::PILLAR,
    &crate::shop::PILLAR,
    &crate::analytics::PILLAR,
    &crate::toney::PILLAR,
    &crate::search::PILLAR,
    &crate::moderation::PILLAR,
    &crate::console::PILLAR,
];
