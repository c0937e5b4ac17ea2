//! The paced sender's hand-offs on DynamoDB Local, in process: the message an invitation was handed on
//! with is the one that may claim it, once, and that condition is part of the claim's one conditional
//! write, so a copy of the message that comes while the first delivery's email is with SES sends nothing.
use e2e::{access_infra, App, Options};
use invitations::adapters::memory::queue::MemoryQueue;
use invitations::domain::{InvitationId, Status, TokenHash};
use invitations::ports::{QueuedSend, SendRate};
use invitations::service::pace::Pacing;
use invitations::service::send::{send_queued, Delivery};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn a_message_delivered_again_while_its_email_is_on_its_way_sends_nothing() {
    let queue = Arc::new(MemoryQueue::new());
    let pacing = Pacing { rate: SendRate::new(1.0).unwrap(), queue: queue.clone() };
    let app = App::with(Options { pacing: Some(pacing), ..Default::default() }).await;
    let answer = app.invite(json!({"invitees": ["a@x.io", "b@x.io"], "access": access_infra()})).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let [q]: [QueuedSend; 1] = queue.take().try_into().unwrap();
    // Each email takes 3 s to reach SES. The first delivery claims half a second before its slot; the
    // copy takes the next slot and claims a second later, while the first email is on its way.
    app.backend.mail.set_delay(Duration::from_secs(3));
    let (b, n) = (&app.backend, &app.backend.notifier);
    let (first, copy) = tokio::join!(
        send_queued(&b.deps, n, std::slice::from_ref(&q), None, Duration::ZERO),
        send_queued(&b.deps, n, std::slice::from_ref(&q), None, Duration::ZERO)
    );
    let mut got = [*first[0].as_ref().unwrap(), *copy[0].as_ref().unwrap()];
    got.sort_by_key(|d| *d != Delivery::Sent);
    assert_eq!(got, [Delivery::Sent, Delivery::Nothing]);
    assert_eq!(b.mail.accepted_to("b@x.io"), 1, "one email");
    let mail = b.ses.sent().await;
    let (id, token) = mail.iter().find(|m| m.to == ["b@x.io"]).expect("b's email").link();
    let stored = app.stored(InvitationId::parse(&id).unwrap()).await;
    assert_eq!((stored.status, stored.send_count), (Status::Pending, 1));
    assert_eq!(stored.token_hash, TokenHash::of(&token), "its link works");
}
