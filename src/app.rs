//! `App`: everything a request needs, built once at startup.

use std::ops::Deref;
use std::sync::Arc;

use crate::bops::tips::TipLimits;
use crate::bops::uploads::Uploads;
use crate::config::Config;
use crate::db::Db;
use crate::events::EventBus;
use crate::identity::IdentityState;
use crate::media::Media;
use crate::notify::{MailOutbox, Mailer};
use crate::ops::Metrics;
use crate::payments::Payments;
use crate::web::Views;

pub struct App {
    pub config: Config,
    pub db: Db,
    pub media: Media,
    pub views: Views,
    pub metrics: Metrics,
    pub events: Arc<EventBus>,
    pub payments: Payments,
    pub mailer: Arc<Mailer>,
    pub mail_outbox: Arc<MailOutbox>,
    pub identity: IdentityState,
    pub uploads: Uploads,
    pub tip_limits: TipLimits,
}

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}
