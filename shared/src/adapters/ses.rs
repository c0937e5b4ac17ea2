//! The SES v2 adapter of the email port. Errors stay typed: a refused message is `Rejected`, anything a
//! later try may cure is `Unavailable`.
use crate::ports::{MailError, Mailer, OutgoingEmail};
use async_trait::async_trait;
use aws_sdk_sesv2::{
    error::SdkError,
    operation::send_email::SendEmailError,
    types::{Body, Content, Destination, EmailContent, Message, MessageTag},
    Client,
};
use std::time::Duration;

pub struct SesMailer {
    client: Client,
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, from: String, configuration_set: Option<String>) -> Self {
        Self { client, from, configuration_set }
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
        let tags = email.send.as_ref().map(|send| {
            send.tags()
                .into_iter()
                .map(|(name, value)| {
                    MessageTag::builder().name(name).value(value).build().expect("name and value are set")
                })
                .collect()
        });
        // Unpaced, throttling is retried with backoff by the client; paced, it is answered for the schedule
        // to give the email a fresh slot (see `aws::ses_client`).
        let result = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(email.to.as_str()).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .set_email_tags(tags)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                e @ (SendEmailError::MessageRejected(_)
                | SendEmailError::MailFromDomainNotVerifiedException(_)
                | SendEmailError::BadRequestException(_)
                | SendEmailError::NotFoundException(_)) => Err(MailError::Rejected(Box::new(e))),
                e @ SendEmailError::TooManyRequestsException(_) => Err(MailError::Throttled(Box::new(e))),
                e => Err(MailError::Unavailable(Box::new(e))),
            },
            Err(e) => Err(MailError::Unavailable(Box::new(e))),
        }
    }

    fn longest_send(&self) -> Duration {
        super::aws::SES_OPERATION_TIMEOUT
    }
}
