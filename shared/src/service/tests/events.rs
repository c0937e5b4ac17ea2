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
            row(&a, "invitation.sent", json!("pending")),
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
