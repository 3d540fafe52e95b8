//! Bops: short vertical videos — posting, playback, likes, comments, views, tips.

pub mod probe;
