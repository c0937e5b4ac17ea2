//! The local run's stand-in for SES: each message an RFC 5322 `.eml` file in a folder.
use crate::ports::{MailError, Mailer, OutgoingEmail};
use async_trait::async_trait;
use std::time::Duration;

/// Writes each message as an RFC 5322 `.eml` file (text and HTML parts) into a folder: the local run's
/// stand-in for SES, readable by any mail client.
pub struct OutboxMailer {
    dir: std::path::PathBuf,
    from: String,
}

impl OutboxMailer {
    pub fn new(dir: std::path::PathBuf, from: String) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir, from })
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        let message = mail_builder::MessageBuilder::new()
            .from(self.from.as_str())
            .to(email.to.as_str())
            .subject(email.subject.as_str())
            .text_body(email.text.as_str())
            .html_body(email.html.as_str())
            .write_to_vec()
            .map_err(|e| MailError::Rejected(Box::new(e)))?;
        let now = crate::domain::Timestamp::now().millis();
        let name = format!("{now}-{}.eml", uuid::Uuid::new_v4().simple());
        tokio::fs::write(self.dir.join(&name), message).await.map_err(|e| MailError::Unavailable(Box::new(e)))?;
        tracing::info!(to = %email.to.masked(), file = %name, "email written to the outbox");
        Ok(())
    }

    fn longest_send(&self) -> Duration {
        Duration::from_secs(1)
    }
}
