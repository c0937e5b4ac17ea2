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

/// Each handed-on email's message group is its account, so a standard queue's fair queueing serves a
/// quiet account's emails ahead of another account's large backlog (SQS does the serving; here, on moto,
/// only the grouping is seen).
#[tokio::test]
async fn a_handed_on_email_is_grouped_by_its_account() {
    use invitations::ports::SendQueue;
    let sdk = e2e::sdk().await;
    let queue = e2e::queue::Queue::new(&sdk).await;
    let sqs = invitations::adapters::sqs::SqsQueue::new(queue.client.clone(), &queue.url);
    let now = invitations::domain::Timestamp::now();
    let sends: Vec<QueuedSend> = ["acme", "globex.eu", "acme"]
        .iter()
        .map(|a| QueuedSend::held(invitations::domain::AccountId::parse(a).unwrap(), InvitationId::new(), now))
        .collect();
    sqs.hand_on(&sends, now).await.unwrap();
    let mut groups = Vec::new();
    while groups.len() < 3 {
        let Some((event, _)) = queue.poll().await else { continue };
        for r in event["Records"].as_array().unwrap() {
            let body: QueuedSend = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
            assert_eq!(r["attributes"]["MessageGroupId"], body.account.as_str(), "{r}");
            groups.push(body.account.as_str().to_owned());
        }
    }
    groups.sort();
    assert_eq!(groups, ["acme", "acme", "globex.eu"]);
}
