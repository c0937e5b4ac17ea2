//! The local server's events: the in-memory store tells its listener of each change, and the same
//! mapping as the stream's turns them into JSON lines, for whole lives driven through the use cases.
use super::*;
use crate::adapters::event_log::EventLog;
use crate::domain::{Claimant, ClaimedEmail, UserId};
use crate::service::accept::accept;
use crate::service::cancel::cancel;
use crate::service::resend::resend;
use crate::service::sweep::sweep;
use crate::service::users::remove;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    fn events(&self) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }
}

#[tokio::test]
async fn the_in_memory_store_tells_each_change_as_the_stream_would() {
    let lines = Lines::default();
    let mut w = world();
    w.deps.store = Arc::new(MemoryStore::new().with_listener(Arc::new(EventLog::new(lines.clone()))));
    let auth = owner_of("acme");
    let ann = w.invited(&auth, "ann@example.com").await;
    w.mailer.refuse(Some(crate::adapters::recording::Refusal::Unavailable));
    let bob = w.invited(&auth, "bob@example.com").await;
    w.mailer.refuse(None);
    cancel(&w.deps, &auth, bob.id).await.unwrap();
    w.clock.advance(Duration::from_secs(61));
    resend(&w.deps, &w.notifier, &auth, ann.id).await.unwrap();
    let who = Claimant {
        user_id: UserId::parse("ann-sub").unwrap(),
        email: ClaimedEmail::Verified(email("ann@example.com")),
    };
    accept(&w.deps, &who, auth.account(), ann.id, &w.newest_token("ann@example.com")).await.unwrap();
    remove(&w.deps, &auth, &who.user_id).await.unwrap();
    let cy = w.invited(&auth, "cy@example.com").await;
    w.clock.advance(Duration::from_secs(31 * 86_400));
    assert_eq!(sweep(&w.deps, &w.notifier, None).await.unwrap().expired, 1);

    let got: Vec<(String, String, Value)> = lines
        .events()
        .iter()
        .map(|e| {
            let subject = e["detail"]["id"].as_str().or(e["detail"]["invitation_id"].as_str()).unwrap().to_owned();
            (subject, e["detail-type"].as_str().unwrap().to_owned(), e["detail"]["previous_status"].clone())
        })
        .collect();
    let (a, b, c) = (ann.id.to_string(), bob.id.to_string(), cy.id.to_string());
    let row = |s: &str, t: &str, p: Value| (s.to_owned(), t.to_owned(), p);
    assert_eq!(
        got,
        [
            row(&a, "invitation.created", Value::Null),
            row(&a, "invitation.sent", json!("processing")),
            row(&b, "invitation.created", Value::Null),
            row(&b, "invitation.cancelled", json!("processing")),
            row(&a, "invitation.sent", json!("processing")),
            row(&a, "invitation.accepted", json!("pending")),
            row(&a, "member.added", Value::Null),
            row(&a, "member.removed", json!("active")),
            row(&c, "invitation.created", Value::Null),
            row(&c, "invitation.sent", json!("processing")),
            row(&c, "invitation.expired", json!("pending")),
        ]
    );
    let events = lines.events();
    assert!(events
        .iter()
        .all(|e| e["source"] == "invitations" && e["detail"]["event_id"].as_str().unwrap().len() == 32));
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    assert!(!text.contains("token") && !text.contains(ann.token_hash.as_str()), "{text}");
}

/// The events each change of the in-memory store makes, as the stream's mapping makes them.
#[derive(Default)]
struct Recorded(Mutex<Vec<crate::events::Event>>);

impl crate::ports::bus::ChangeListener for Recorded {
    fn changed(&self, change: &crate::events::Change) {
        self.0.lock().unwrap().extend(crate::events::events(change));
    }
}

impl Recorded {
    /// The `invitation.sent` events of `inv`: the email number each says and its id.
    fn sent(&self, inv: &Invitation) -> Vec<(u64, String)> {
        let events = self.0.lock().unwrap();
        let sent = events.iter().filter(|e| e.event_type == crate::events::EventType::InvitationSent);
        let detail = |e: &crate::events::Event| serde_json::from_str::<Value>(&e.detail).unwrap();
        sent.map(detail)
            .filter(|d| d["id"] == inv.id.to_string())
            .map(|d| (d["send_count"].as_u64().unwrap(), d["event_id"].as_str().unwrap().to_owned()))
            .collect()
    }
}

#[tokio::test(start_paused = true)]
async fn a_resend_the_paced_sender_sends_makes_one_sent_event() {
    let (mut w, queue) = super::pacing::paced(1.0);
    let recorded = Arc::new(Recorded::default());
    w.deps.store = Arc::new(MemoryStore::new().with_listener(recorded.clone()));
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    w.clock.advance(Duration::from_secs(60));
    // Another invite takes the next slots: the resend's is beyond its budget, so the sender sends it.
    w.invite(&auth, json!(["b@x.io", "c@x.io"])).await;
    queue.take();
    assert_eq!(resend(&w.deps, &w.notifier, &auth, inv.id).await.unwrap().status, crate::domain::Status::Processing);
    let [q]: [crate::ports::QueuedSend; 1] = queue.take().try_into().unwrap();
    w.clock.advance(crate::ports::Clock::now(&*w.clock).until(q.at()));
    assert_eq!(super::pacing::send(&w, &q).await, crate::service::send::Delivery::Sent);
    assert_eq!(w.mailer.sent_to(&inv.email).len(), 2);
    let sent = recorded.sent(&inv);
    assert_eq!(sent.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 2], "one event per email: {sent:?}");
}

#[tokio::test]
async fn a_refused_resend_makes_no_sent_event_and_its_retry_makes_one() {
    let mut w = world();
    let recorded = Arc::new(Recorded::default());
    w.deps.store = Arc::new(MemoryStore::new().with_listener(recorded.clone()));
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    w.clock.advance(Duration::from_secs(61));
    w.mailer.refuse(Some(crate::adapters::recording::Refusal::Unavailable));
    assert!(resend(&w.deps, &w.notifier, &auth, inv.id).await.is_err());
    assert_eq!(recorded.sent(&inv).len(), 1, "SES refused the resend: only the first email's event");
    w.mailer.refuse(None);
    w.clock.advance(w.deps.policy.processing_timeout);
    assert_eq!(sweep(&w.deps, &w.notifier, None).await.unwrap().retried, 1);
    assert_eq!(w.mailer.sent_to(&inv.email).len(), 2);
    let sent = recorded.sent(&inv);
    assert_eq!(sent.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 2], "one event per email: {sent:?}");
    assert_ne!(sent[0].1, sent[1].1, "each its own id");
}
