//! Outgoing email: through SMTP when `mail.smtp_url` is set, otherwise each
//! message is written as an `.eml` file under `DATA/mail` and logged, so
//! every flow (welcome, password reset) works on the embedded defaults.

use std::path::PathBuf;

use anyhow::Context;
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::repo::{QueuedMail, SitePaths};
use crate::config::Config;
use crate::web::brand::BrandCell;

/// Per SMTP command: a server that stops answering fails the attempt, which
/// the outbox retries later.
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub struct Mailer {
    from: Mailbox,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    outbox: PathBuf,
    /// `server.public_url` without a trailing slash: site paths in notice
    /// emails are made absolute with it when they are sent.
    public_url: String,
    /// The label's branding: its name is the sender's display name and
    /// signs every email, read when each email is sent.
    brand: std::sync::Arc<BrandCell>,
    runtime: tokio::runtime::Handle,
}

impl Mailer {
    /// Must be called inside the Tokio runtime (SMTP sends run on it).
    pub fn from_config(config: &Config, brand: std::sync::Arc<BrandCell>) -> anyhow::Result<Mailer> {
        let from: Mailbox = config.mail.from.parse().context("mail.from is not an email address")?;
        let smtp = if config.mail.smtp_url.is_set() {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(config.mail.smtp_url.expose())
                .context("mail.smtp_url is not a valid SMTP URL")?
                .timeout(Some(SMTP_TIMEOUT))
                .build();
            Some(transport)
        } else {
            None
        };
        let outbox = config.mail_dir();
        std::fs::create_dir_all(&outbox).with_context(|| format!("cannot create {}", outbox.display()))?;
        let public_url = config.server.public_url.as_str().trim_end_matches('/').to_owned();
        Ok(Mailer { from, smtp, outbox, public_url, brand, runtime: tokio::runtime::Handle::current() })
    }

    /// `unsubscribe`: the absolute one-click URL, sent as `List-Unsubscribe`
    /// with `List-Unsubscribe-Post` (RFC 8058). The sender is `mail.from`'s
    /// address under the label's name, and the body ends with its signature.
    fn message(&self, to: &str, subject: &str, body: &str, unsubscribe: Option<&str>) -> anyhow::Result<Message> {
        let to: Mailbox = to.parse().with_context(|| format!("cannot send mail to {to}"))?;
        let from = Mailbox::new(Some(self.brand.get().name.clone()), self.from.email.clone());
        let mut builder = Message::builder().from(from).to(to).subject(subject).header(ContentType::TEXT_PLAIN);
        if let Some(url) = unsubscribe {
            builder = builder
                .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{url}>")))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        Ok(builder.body(body.to_owned())?)
    }

    /// The body signed with the label's name and address, after the usual
    /// "-- " separator (ASCII, so a plain mail stays 7-bit).
    fn signed(&self, body: &str) -> String {
        format!("{}\n\n-- \n{}\n{}\n", body.trim_end(), self.brand.get().name, self.public_url)
    }

    /// A queued mail as sent: a notice email gets its link and, last, its
    /// one-click unsubscribe link, both made absolute.
    fn queued_message(&self, mail: &QueuedMail) -> anyhow::Result<Message> {
        let SitePaths { link, unsubscribe } = &mail.paths;
        let mut body = mail.body.clone();
        if let Some(link) = link {
            body.push_str(&format!("\nOpen it on {}: {}{link}\n", self.brand.get().name, self.public_url));
        }
        let mut body = self.signed(&body);
        let unsubscribe = unsubscribe.as_ref().map(|path| format!("{}{path}", self.public_url));
        if let Some(url) = &unsubscribe {
            body.push_str(&format!(
                "\n--\nAll your notification settings: {}/account/notifications\nUnsubscribe from these emails: {url}\n",
                self.public_url
            ));
        }
        self.message(&mail.to, &mail.subject, &body, unsubscribe.as_deref())
    }

    pub async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let message = self.message(to, subject, &self.signed(body), None)?;
        self.deliver(message, to, subject).await
    }

    async fn deliver(&self, message: Message, to: &str, subject: &str) -> anyhow::Result<()> {
        match &self.smtp {
            Some(smtp) => {
                smtp.send(message).await.context("the SMTP server refused the message")?;
                tracing::info!(to, subject, "mail sent");
            }
            None => self.write_file(&message, to, subject)?,
        }
        Ok(())
    }

    /// For the mail sender, which runs on its own thread, outside the runtime.
    pub fn send_blocking(&self, mail: &QueuedMail) -> anyhow::Result<()> {
        let message = self.queued_message(mail)?;
        if self.smtp.is_none() {
            return self.write_file(&message, &mail.to, &mail.subject);
        }
        self.runtime.block_on(self.deliver(message, &mail.to, &mail.subject))
    }

    fn write_file(&self, message: &Message, to: &str, subject: &str) -> anyhow::Result<()> {
        let name = format!("{}-{}.eml", crate::db::now_ms(), uuid::Uuid::new_v4().simple());
        let path = self.outbox.join(name);
        std::fs::write(&path, message.formatted()).with_context(|| format!("cannot write {}", path.display()))?;
        tracing::info!(to, subject, file = %path.display(), "mail written (no SMTP server configured)");
        Ok(())
    }
}
