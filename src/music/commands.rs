//! Music's admin commands (`boptone royalties …`, `boptone ddex …`): they
//! open the data directory themselves, beside a running server or not.

use std::path::Path;

use anyhow::Context;

use super::MusicConfig;
use super::distribution::message::{self, MessageKind, Recipient};
use super::royalties::{self, ImportReport};
use crate::config::Config;
use crate::db::Db;
use crate::media::Media;
use crate::music::ddex::{MessageControl, Party};

/// `boptone royalties import FILE [--format NAME]`.
pub fn import_royalties(config: &Config, file: &Path, format: &str) -> anyhow::Result<ImportReport> {
    let db = Db::open_migrated(&config.database_path())?;
    let (name, mapping) = royalties::mapping_named(&db, format)?;
    let input = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let file_name = file.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let report = royalties::import_blocking(&db, std::io::BufReader::new(input), &file_name, (&name, &mapping), None)
        .with_context(|| format!("{} was not imported (nothing changed)", file.display()))?;
    Ok(report)
}

/// The release's row id from its public id.
async fn release_id(db: &Db, uid: &str) -> anyhow::Result<i64> {
    let lookup = uid.to_owned();
    db.read(move |c| super::repo::find_release_id_by_uid(c, &lookup))
        .await?
        .with_context(|| format!("no release has the id {uid}"))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}

/// `boptone ddex export --release ID --out FILE [--target NAME] [--takedown]`:
/// the message a delivery to that target would carry (without a target,
/// a test message addressed to the label itself).
pub fn export_ddex(
    config: &Config,
    release: &str,
    out: &Path,
    target: Option<&str>,
    takedown: bool,
) -> anyhow::Result<()> {
    let music = MusicConfig::from_config(config)?;
    let sender = message::sender(&music).map_err(anyhow::Error::msg)?;
    let recipient = match target {
        Some(name) => {
            let target = music
                .delivery
                .iter()
                .find(|t| t.name == name)
                .with_context(|| format!("no delivery target is called {name:?}"))?;
            Recipient {
                party: Party { dpid: target.recipient_dpid.clone(), name: target.recipient_name.clone() },
                control: if target.live { MessageControl::Live } else { MessageControl::Test },
            }
        }
        None => Recipient { party: sender, control: MessageControl::Test },
    };
    let kind = if takedown { MessageKind::Takedown } else { MessageKind::New };
    runtime()?.block_on(async {
        let db = Db::open_migrated(&config.database_path())?;
        let media = Media::from_config(config)?;
        let id = release_id(&db, release).await?;
        let message_id = format!("export-{}", crate::core::new_uid());
        let request = message::Request {
            release_id: id,
            recipient: &recipient,
            kind,
            message_id: &message_id,
            now_ms: crate::db::now_ms(),
        };
        let prepared = message::prepare(&db, &media, &music, request).await.map_err(anyhow::Error::msg)?;
        std::fs::write(out, prepared.xml).with_context(|| format!("cannot write {}", out.display()))?;
        Ok(())
    })
}

/// `boptone ddex deliver --release ID --target NAME [--takedown]`: sends now
/// and logs the attempt like the server's job does.
pub fn deliver_ddex(config: &Config, release: &str, target: &str, takedown: bool) -> anyhow::Result<String> {
    let music = MusicConfig::from_config(config)?;
    let kind = if takedown { MessageKind::Takedown } else { MessageKind::New };
    runtime()?.block_on(async {
        let db = Db::open_migrated(&config.database_path())?;
        let media = Media::from_config(config)?;
        let id = release_id(&db, release).await?;
        let outcome = super::distribution::deliver_now(&db, &media, &music, id, target, kind).await?;
        outcome.map_err(|why| anyhow::anyhow!("the delivery to {target} failed: {why} (the server retries it)"))
    })
}
