//! `boptone analytics …`: admin commands that open the data directory
//! themselves, beside a running server or not.

use anyhow::Context;

use super::AnalyticsConfig;
use super::loyalty_rebuild::rebuild_loyalty;
use super::rebuild::{Rebuilt, rebuild};
use crate::config::Config;
use crate::core::ids::ArtistId;
use crate::db::{Db, Durability};

/// `boptone analytics rebuild [--artist ID]`: ID is the artist's public id
/// (as in their URLs) or their account email.
pub fn rebuild_command(config: &Config, artist: Option<&str>) -> anyhow::Result<Rebuilt> {
    let analytics = AnalyticsConfig::from_config(config)?;
    let db = Db::open_migrated(&config.database_path())?;
    let artist = match artist {
        None => None,
        Some(key) => Some(find_artist(&db, key)?),
    };
    let (currency, weights) = (analytics.currency(), analytics.loyalty);
    db.write_blocking::<_, anyhow::Error, _>(Durability::Full, move |tx| {
        let mut rebuilt = rebuild(tx, artist, currency)?;
        rebuilt.fans = rebuild_loyalty(tx, artist, &weights)?;
        Ok(rebuilt)
    })
}

fn find_artist(db: &Db, key: &str) -> anyhow::Result<ArtistId> {
    let wanted = key.trim().to_owned();
    let found = db.read_blocking(move |c| {
        if wanted.contains('@') {
            return crate::identity::service::artist_by_email(c, &wanted);
        }
        crate::identity::service::artist_by_uid(c, &wanted)
    })?;
    found.map(|a| a.id).with_context(|| format!("no artist has the id or email {key:?}"))
}
