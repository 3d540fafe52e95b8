//! `App`: everything a request needs, built once at startup — the shared
//! rooms, and each pillar's own part in [`Substates`].

use std::ops::Deref;
use std::sync::Arc;

use crate::auth::TokenCaches;
use crate::config::Config;
use crate::core::Clock;
use crate::db::Db;
use crate::events::EventBus;
use crate::media::Media;
use crate::notify::{MailOutbox, Mailer, PushOutbox};
use crate::ops::Metrics;
use crate::payments::{Payments, Settlers};
use crate::pillar::Substates;
use crate::web::Views;
use crate::web::csrf::CsrfKey;

pub struct App {
    pub config: Config,
    pub db: Db,
    pub media: Media,
    pub views: Views,
    pub metrics: Metrics,
    pub events: Arc<EventBus>,
    pub payments: Payments,
    pub settlers: Settlers,
    pub mailer: Arc<Mailer>,
    pub mail_outbox: Arc<MailOutbox>,
    pub push_outbox: Arc<PushOutbox>,
    pub csrf: CsrfKey,
    /// Sign-in tokens recently seen (see `auth::TokenCaches`).
    pub token_caches: TokenCaches,
    pub clock: Clock,
    pub substates: Substates,
}

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}
