//! The email port, the invitation message (SPEC §7) and the SES v2 adapter.
use crate::config::MailSettings;
use crate::domain::{Email, Token};
use crate::store::{BoxError, Invitation};
use async_trait::async_trait;
use aws_sdk_sesv2::{
    error::SdkError,
    operation::send_email::SendEmailError,
    types::{Body, Content, Destination, EmailContent, Message},
    Client,
};

/// One message to one recipient, with both parts.
#[derive(Clone)]
pub struct OutgoingEmail {
    pub to: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The provider refused this message; sending it again unchanged will not help.
    #[error("the email was rejected")]
    Rejected(#[source] BoxError),
    /// The provider could not be reached or kept throttling; a later try may succeed.
    #[error("the email service is unavailable")]
    Unavailable(#[source] BoxError),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError>;
}

/// Composes the invitation email; the only place a raw token is read.
pub fn invitation_email(settings: &MailSettings, inv: &Invitation, token: &Token) -> OutgoingEmail {
    let mut link = settings.accept_url.clone();
    link.query_pairs_mut().append_pair("invitation", &inv.id.to_string()).append_pair("token", token.expose());
    let inviter = match &inv.inviter_email {
        Some(e) => e.clone(),
        None => "An administrator".to_owned(),
    };
    let account = inv.account_id.as_str();
    let expires = inv.expires_at.to_rfc3339();
    let access = inv.access.describe();
    let subject = format!("You are invited to join account {account}");
    let text = format!(
        "{inviter} invited you to join account {account}.\n\nAccess granted:\n{}\n\nAccept the invitation before {expires}:\n{link}\n\nIf you did not expect this email, you can ignore it.\n",
        access.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n"),
    );
    let esc = |v: &str| html_escape::encode_text(v).into_owned();
    let html = format!(
        "<!DOCTYPE html><html><body><p>{} invited you to join account <strong>{}</strong>.</p><p>Access granted:</p><ul>{}</ul><p><a href=\"{}\">Accept the invitation</a> before {}.</p><p>If you did not expect this email, you can ignore it.</p></body></html>",
        esc(&inviter),
        esc(account),
        access.iter().map(|l| format!("<li>{}</li>", esc(l))).collect::<String>(),
        html_escape::encode_double_quoted_attribute(link.as_str()),
        esc(&expires),
    );
    OutgoingEmail { to: inv.email.clone(), subject, text, html }
}

pub struct SesMailer {
    client: Client,
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, settings: &MailSettings) -> Self {
        Self { client, from: settings.sender.clone(), configuration_set: settings.configuration_set.clone() }
    }
}

fn content(data: &str) -> Content {
    Content::builder().data(data).charset("UTF-8").build().expect("data is set")
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        let message = Message::builder()
            .subject(content(&email.subject))
            .body(Body::builder().text(content(&email.text)).html(content(&email.html)).build())
            .build();
        // Throttling is retried with backoff by the client's retry policy (see `aws::ses_config`).
        let result = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(email.to.as_str()).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                e @ (SendEmailError::MessageRejected(_)
                | SendEmailError::MailFromDomainNotVerifiedException(_)
                | SendEmailError::BadRequestException(_)
                | SendEmailError::NotFoundException(_)) => Err(MailError::Rejected(Box::new(e))),
                e => Err(MailError::Unavailable(Box::new(e))),
            },
            Err(e) => Err(MailError::Unavailable(Box::new(e))),
        }
    }
}

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
}
