//! The email port: one message to one recipient, and the three ways a send can fail.
use super::store::BoxError;
use crate::domain::{Email, SendRef};
use async_trait::async_trait;
use std::time::Duration;

/// One message to one recipient, with both parts.
#[derive(Clone)]
pub struct OutgoingEmail {
    pub to: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Which send of which invitation it is: the tags SES shows back in the events of the email.
    pub send: Option<SendRef>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The provider refused this message; sending it again unchanged will not help.
    #[error("the email was rejected")]
    Rejected(#[source] BoxError),
    /// The provider could not be reached; a later try may succeed.
    #[error("the email service is unavailable")]
    Unavailable(#[source] BoxError),
    /// The provider refused it for its sending rate; the same email in a later slot will go.
    #[error("the email service throttled the send")]
    Throttled(#[source] BoxError),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError>;

    /// The longest one send may take, retries included: the sweep claims nothing it could not send
    /// before its invocation ends.
    fn longest_send(&self) -> Duration;
}
