//! Outgoing email: through SMTP when `mail.smtp_url` is set, otherwise each
//! message is written as an `.eml` file under `DATA/mail` and logged, so
//! every flow (welcome, password reset) works on the embedded defaults.

use std::path::PathBuf;

use anyhow::Context;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

/// Per SMTP command: a server that stops answering fails the attempt, which
/// the outbox retries later.
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub struct Mailer {
    from: Mailbox,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    outbox: PathBuf,
    runtime: tokio::runtime::Handle,
}

impl Mailer {
    /// Must be called inside the Tokio runtime (SMTP sends run on it).
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
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
        Ok(Mailer { from, smtp, outbox, runtime: tokio::runtime::Handle::current() })
    }

    fn message(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<Message> {
        let to: Mailbox = to.parse().with_context(|| format!("cannot send mail to {to}"))?;
        Ok(Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())?)
    }

    pub async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let message = self.message(to, subject, body)?;
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
    pub fn send_blocking(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        if self.smtp.is_none() {
            return self.write_file(&self.message(to, subject, body)?, to, subject);
        }
        self.runtime.block_on(self.send(to, subject, body))
    }

    fn write_file(&self, message: &Message, to: &str, subject: &str) -> anyhow::Result<()> {
        let name = format!("{}-{}.eml", crate::db::now_ms(), uuid::Uuid::new_v4().simple());
        let path = self.outbox.join(name);
        std::fs::write(&path, message.formatted()).with_context(|| format!("cannot write {}", path.display()))?;
        tracing::info!(to, subject, file = %path.display(), "mail written (no SMTP server configured)");
        Ok(())
    }
}
