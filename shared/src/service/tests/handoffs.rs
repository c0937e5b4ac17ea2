//! Handing an email on, and taking it over: only the message an invitation was handed on with may claim
//! it, once; a slot the sender takes is recorded, so the sweep waits for it; a send that cannot keep its
//! slot within its invocation is handed on rather than waited for; a resend racing a cancel is a
//! conflict. On tokio's paused clock, with the stand-ins of `slow.rs` where time must pass.
use super::pacing::{interval, paced, send};
use super::slow::{SlowMailer, SlowStore, TokioClock};
use super::*;
use crate::domain::Status;
use crate::ports::{Clock, QueuedSend, Schedule};
use crate::service::resend::{resend, ResendError};
use crate::service::send::{send_queued, Delivery};
use crate::service::sweep::sweep;
use std::time::Duration;
use tokio::time::Instant;

/// The paced sender's invocation: 90 s, of which the last 45 are a claim's worst case.
const INVOCATION: Duration = Duration::from_secs(90);
const MARGIN: Duration = Duration::from_secs(45);
/// Slots a backlog of about ten minutes at 1 a second holds.
const BACKLOG: u32 = 560;

async fn stored(w: &World, q: &QueuedSend) -> Invitation {
    w.deps.store.get(&q.account, q.invitation).await.unwrap().expect("stored")
}

/// After `delay`, ten minutes of the shared schedule taken from then on, by other senders.
async fn backlog_after(w: &World, delay: Duration) {
    tokio::time::sleep(delay).await;
    w.deps.store.reserve_slots(Schedule::Shared, BACKLOG, interval(w), w.deps.clock.now(), None).await.unwrap();
}

/// Sends `q` as one invocation of the paced sender that ends [`INVOCATION`] from now.
async fn deliver(w: &World, q: &QueuedSend) -> (Delivery, Instant) {
    let deadline = Instant::now() + INVOCATION;
    let got = send_queued(&w.deps, &w.notifier, std::slice::from_ref(q), Some(deadline), MARGIN).await;
    (got.into_iter().next().unwrap().unwrap(), deadline)
}

#[tokio::test(start_paused = true)]
async fn a_message_delivered_again_while_its_email_is_on_its_way_sends_nothing() {
    let (mut w, queue) = paced(1.0);
    w.invite(&owner_of("acme"), json!(["a@x.io", "b@x.io"])).await;
    let [q]: [QueuedSend; 1] = queue.take().try_into().unwrap();
    w.notifier.mailer = Arc::new(SlowMailer(w.mailer.clone(), Duration::from_secs(2)));
    w.clock.advance(w.clock.now().until(q.at()));
    // SQS delivers at least once: the copy arrives while SES still has the first delivery's email.
    let copy = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        send(&w, &q).await
    };
    let (first, second) = tokio::join!(send(&w, &q), copy);
    assert_eq!((first, second), (Delivery::Sent, Delivery::Nothing));
    assert_eq!(w.mailer.sent_to(&email("b@x.io")).len(), 1, "one email");
    let inv = stored(&w, &q).await;
    assert_eq!((inv.status, inv.send_count), (Status::Pending, 1));
    assert_eq!(inv.token_hash, w.newest_token("b@x.io"), "its link works");
}

#[tokio::test(start_paused = true)]
async fn a_sender_with_no_turn_in_its_invocation_queues_the_email_again_and_keeps_it_from_the_sweep() {
    let (w, queue) = paced(1.0);
    let timeout = w.deps.policy.processing_timeout;
    w.invite(&owner_of("acme"), json!(["a@x.io", "b@x.io"])).await;
    let [q]: [QueuedSend; 1] = queue.take().try_into().unwrap();
    // A backlog: when the email reaches the sender, the schedule is taken for ten minutes.
    let first = w.deps.store.reserve_slots(Schedule::Shared, BACKLOG, interval(&w), q.at(), None).await.unwrap().first;
    w.clock.advance(w.clock.now().until(q.at()));
    let (got, deadline) = deliver(&w, &q).await;
    assert_eq!(got, Delivery::Requeued);
    assert!(Instant::now() <= deadline, "it waited {:?} past its invocation", Instant::now() - deadline);
    let [again]: [QueuedSend; 1] = queue.take().try_into().unwrap();
    assert_eq!(again, q, "far from the sweep's due time: queued again as it was, holding no slot");

    // Delivered again close to the sweep's due time and still without a turn: its new wait is named on
    // the invitation, so the sweep leaves it to the sender.
    w.clock.advance(w.clock.now().until(q.at().plus(timeout).minus(MARGIN / 2)));
    assert_eq!(deliver(&w, &again).await.0, Delivery::Requeued);
    let [renamed]: [QueuedSend; 1] = queue.take().try_into().unwrap();
    assert_eq!((renamed.held, renamed.at()), (false, w.clock.now()));
    w.clock.advance(w.clock.now().until(q.at().plus(timeout)) + Duration::from_secs(1));
    let s = sweep(&w.deps, &w.notifier, None).await.unwrap();
    assert_eq!((s.read, s.retried, s.handed_on), (0, 0, 0), "not the sweep's: {s:?}");
    let inv = stored(&w, &q).await;
    assert_eq!((inv.status, inv.failed_attempts), (Status::Processing, 0), "no attempt failed");
    assert_eq!(inv.due_at, Some(renamed.at().plus(timeout)));
    assert_eq!(deliver(&w, &q).await.0, Delivery::Nothing, "the old message claims nothing");

    // Once the backlog is past, it goes, once.
    w.clock.advance(w.clock.now().until(first.plus(interval(&w) * BACKLOG)));
    assert_eq!(deliver(&w, &renamed).await.0, Delivery::Sent);
    assert_eq!(w.mailer.sent_to(&email("b@x.io")).len(), 1, "one email");
}

#[tokio::test(start_paused = true)]
async fn a_send_late_at_its_gate_with_no_slot_left_in_its_invocation_is_handed_on() {
    let (mut w, queue) = paced(1.0);
    let store = Arc::new(SlowStore::new(Duration::ZERO));
    w.deps.store = store.clone();
    w.deps.clock = TokioClock::from(w.clock.now());
    w.invite(&owner_of("acme"), json!(["a@x.io", "b@x.io"])).await;
    let [q]: [QueuedSend; 1] = queue.take().try_into().unwrap();
    // Its claim takes a second, so it reaches its gate half a second after its slot; meanwhile ten
    // minutes of the schedule were taken after that slot.
    store.set_write(Duration::from_secs(1));
    let backlog = backlog_after(&w, Duration::from_millis(900));
    let ((got, deadline), _) = tokio::join!(deliver(&w, &q), backlog);
    assert_eq!(got, Delivery::Requeued);
    assert!(Instant::now() <= deadline, "it waited {:?} past its invocation", Instant::now() - deadline);
    assert!(w.mailer.sent_to(&email("b@x.io")).is_empty());
    // No slot before the backlog's end: handed on holding none, expected in its account's lane.
    let [again]: [QueuedSend; 1] = queue.take().try_into().unwrap();
    assert!(!again.held && again.at() <= w.deps.clock.now(), "{again:?}");
    let inv = stored(&w, &q).await;
    let timeout = w.deps.policy.processing_timeout;
    assert_eq!((inv.status, inv.due_at), (Status::Processing, Some(again.at().plus(timeout))));

    store.set_write(Duration::ZERO);
    tokio::time::sleep(w.deps.clock.now().until(again.at())).await;
    assert_eq!(send(&w, &again).await, Delivery::Sent);
    assert_eq!(w.mailer.sent_to(&email("b@x.io")).len(), 1, "one email");
    assert_eq!(stored(&w, &q).await.token_hash, w.newest_token("b@x.io"), "its link works");
}

#[tokio::test(start_paused = true)]
async fn a_resend_the_sweep_cannot_send_within_its_run_is_handed_on_not_waited_for() {
    let (mut w, queue) = paced(1.0);
    let store = Arc::new(SlowStore::new(Duration::ZERO));
    w.deps.store = store.clone();
    w.deps.clock = TokioClock::from(w.clock.now());
    let inv = w.invited(&owner_of("acme"), "ada@example.com").await;
    tokio::time::sleep(w.deps.policy.resend_after).await;
    // Its claim takes a second and the schedule fills for ten minutes meanwhile, as above.
    store.set_write(Duration::from_secs(1));
    let backlog = backlog_after(&w, Duration::from_millis(500));
    let deadline = Instant::now() + INVOCATION;
    let (s, _) = tokio::join!(sweep(&w.deps, &w.notifier, Some(deadline)), backlog);
    let s = s.unwrap();
    assert_eq!((s.resent, s.handed_on), (0, 1), "{s:?}");
    assert!(Instant::now() <= deadline, "it waited {:?} past its invocation", Instant::now() - deadline);
    assert_eq!(w.mailer.sent_to(&inv.email).len(), 1, "not resent yet");
    let [q]: [QueuedSend; 1] = queue.take().try_into().unwrap();
    let handed = stored(&w, &q).await;
    let timeout = w.deps.policy.processing_timeout;
    assert_eq!((handed.status, handed.send_count), (Status::Processing, 1), "waiting, its resend not counted");
    assert_eq!(handed.due_at, Some(q.at().plus(timeout)));

    store.set_write(Duration::ZERO);
    tokio::time::sleep(w.deps.clock.now().until(q.at())).await;
    assert_eq!(send(&w, &q).await, Delivery::Sent);
    let resent = stored(&w, &q).await;
    assert_eq!((resent.status, resent.send_count), (Status::Pending, 2));
    assert_eq!(resent.token_hash, w.newest_token("ada@example.com"), "the newest link works");
    assert_eq!(w.mailer.sent_to(&inv.email).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_resend_cancelled_while_it_takes_its_slot_is_a_conflict_and_sends_nothing() {
    let (mut w, queue) = paced(1.0);
    let store = Arc::new(SlowStore::new(Duration::ZERO));
    w.deps.store = store.clone();
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    w.clock.advance(Duration::from_secs(60));
    // Another invite takes the next slots, so the resend's is beyond its budget and it hands the email on.
    w.invite(&auth, json!(["b@x.io", "c@x.io"])).await;
    queue.take();
    store.cancel_at_next_reservation(&inv);
    match resend(&w.deps, &w.notifier, &auth, inv.id).await {
        Err(ResendError::InvalidState(Status::Cancelled)) => {}
        other => panic!("{other:?}"),
    }
    assert!(queue.take().is_empty(), "nothing handed on");
    assert_eq!(w.mailer.sent_to(&inv.email).len(), 1, "no resend");
    assert_eq!(w.stored(&inv).await.status, Status::Cancelled);
}
