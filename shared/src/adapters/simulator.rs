//! The local run's stand-in for SES's events: after the outbox took an email, what SES would report
//! of it is recorded by the use case the `delivery` function runs on SES's events, so the invitation
//! shows it and its account's sending record counts it (a list that bounces pauses the account locally
//! too). The addresses of SES's mailbox simulator behave as their names say; any other is sent.
use crate::domain::{Delivery, DeliveryStatus, Email, SendRef};
use crate::ports::{MailError, Mailer, OutgoingEmail};
use crate::service::{delivery, Deps};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

const DOMAIN: &str = "simulator.amazonses.com";

pub struct MailboxSimulator {
    inner: Arc<dyn Mailer>,
    deps: Deps,
}

impl MailboxSimulator {
    pub fn new(inner: Arc<dyn Mailer>, deps: Deps) -> Self {
        Self { inner, deps }
    }
}

/// What SES's mailbox simulator reports of an email to `to`, after its send event: `(status, detail,
/// undeliverable)`. `None` for an address outside the simulator, which is only sent.
pub fn simulated(to: &Email) -> Option<(DeliveryStatus, Option<&'static str>, bool)> {
    let (local, domain) = to.as_str().split_once('@')?;
    if domain != DOMAIN {
        return None;
    }
    // A label after `+` (`bounce+ann@…`) keeps the behaviour, as on SES.
    Some(match local.split('+').next()? {
        "success" | "ooto" => (DeliveryStatus::Delivered, None, false),
        "bounce" => (DeliveryStatus::Bounced, Some("permanent: general"), true),
        "complaint" => (DeliveryStatus::Complained, Some("complaint: abuse"), true),
        "suppressionlist" => (DeliveryStatus::Suppressed, Some("permanent: on account suppression list"), true),
        _ => return None,
    })
}

impl MailboxSimulator {
    async fn report(&self, send: &SendRef, delivery: Delivery) {
        let status = delivery.status;
        if let Err(e) = delivery::record(&self.deps, &send.account, send.invitation, delivery).await {
            // The email went; its report is what is lost, as when SES's event finds the table down.
            tracing::warn!(invitation = %send.invitation, delivery = %status, error = %crate::logging::chain(&e), "delivery not recorded");
        }
    }
}

#[async_trait]
impl Mailer for MailboxSimulator {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        self.inner.send(email).await?;
        let Some(send) = &email.send else { return Ok(()) };
        let now = self.deps.clock.now();
        let sent =
            Delivery { status: DeliveryStatus::Sent, at: now, detail: None, send: send.send, undeliverable: false };
        self.report(send, sent).await;
        if let Some((status, detail, undeliverable)) = simulated(&email.to) {
            // A moment after the send, as SES's report follows its send event.
            let at = now.plus(Duration::from_millis(1));
            let detail = detail.map(str::to_owned);
            self.report(send, Delivery { status, at, detail, send: send.send, undeliverable }).await;
        }
        Ok(())
    }

    fn longest_send(&self) -> Duration {
        self.inner.longest_send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryStore;
    use crate::adapters::recording::RecordingMailer;
    use crate::domain::{Invitation, Timestamp};
    use crate::ports::clock::ManualClock;
    use crate::ports::store::InvitationStore;

    #[tokio::test]
    async fn each_simulator_address_records_what_ses_would_report() {
        let cases = [
            ("success@simulator.amazonses.com", DeliveryStatus::Delivered, false),
            ("ooto@simulator.amazonses.com", DeliveryStatus::Delivered, false),
            ("bounce@simulator.amazonses.com", DeliveryStatus::Bounced, true),
            ("complaint+ann@simulator.amazonses.com", DeliveryStatus::Complained, true),
            ("suppressionlist@simulator.amazonses.com", DeliveryStatus::Suppressed, true),
            ("ada@example.com", DeliveryStatus::Sent, false),
        ];
        let store = Arc::new(MemoryStore::new());
        let clock = ManualClock::at(Timestamp::from_millis(1_800_000_000_000));
        let deps = Deps { store: store.clone(), clock, policy: Default::default() };
        let simulator = MailboxSimulator::new(Arc::new(RecordingMailer::new()), deps);
        for (address, status, undeliverable) in cases {
            let inv = Invitation {
                email: Email::parse(address).unwrap(),
                ..crate::domain::invitation::sample(Timestamp::from_millis(1_800_000_000_000))
            };
            store.create(&inv).await.unwrap();
            let send = SendRef { account: inv.account_id.clone(), invitation: inv.id, send: 1 };
            let email = OutgoingEmail {
                to: inv.email.clone(),
                subject: "s".into(),
                text: "t".into(),
                html: "h".into(),
                send: Some(send),
            };
            simulator.send(&email).await.unwrap();
            let stored = store.get(&inv.account_id, inv.id).await.unwrap().unwrap().delivery.unwrap();
            assert_eq!((stored.status, stored.undeliverable), (status, undeliverable), "{address}");
        }
    }
}
