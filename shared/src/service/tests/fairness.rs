//! Sharing the rate between accounts: the sender takes slots only just ahead of now, so another
//! account's request finds one within its budget behind any backlog; and each account's handed-on
//! emails are expected in a lane of their own, so accounts handing on at once are delivered side by
//! side. On tokio's paused clock, which the sends' times follow.
use super::pacing::{interval, paced};
use super::slow::TokioClock;
use super::*;
use crate::domain::{Status, Timestamp};
use crate::ports::{Clock, MailError, Mailer, OutgoingEmail, QueuedSend};
use crate::service::send::{send_queued, Delivery};
use std::sync::Mutex;
use std::time::Duration;

/// Records when each email went, on the clock the world runs on.
struct Timed {
    inner: Arc<RecordingMailer>,
    clock: Arc<dyn crate::ports::Clock>,
    at: Mutex<Vec<(Timestamp, String)>>,
}

#[async_trait::async_trait]
impl Mailer for Timed {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        self.at.lock().unwrap().push((self.clock.now(), email.to.as_str().to_owned()));
        self.inner.send(email).await
    }
    fn longest_send(&self) -> Duration {
        Duration::ZERO
    }
}

fn addresses(n: usize, domain: &str) -> Value {
    json!((0..n).map(|i| format!("u{i}@{domain}")).collect::<Vec<_>>())
}

#[tokio::test(start_paused = true)]
async fn another_accounts_invitation_goes_within_its_request_behind_any_backlog() {
    let (mut w, queue) = paced(5.0);
    w.deps.clock = TokioClock::from(w.clock.now());
    let timed = Arc::new(Timed { inner: w.mailer.clone(), clock: w.deps.clock.clone(), at: Mutex::new(Vec::new()) });
    w.notifier.mailer = timed.clone();
    w.invite(&owner_of("big"), addresses(60, "big.io")).await;
    let backlog = queue.take();
    assert!(backlog.len() >= 50, "{}", backlog.len());

    // The sender works through the backlog (in one batch, as its invocations together would) while,
    // three seconds in, another account invites one person.
    let sender = send_queued(&w.deps, &w.notifier, &backlog, None, Duration::ZERO);
    let small = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let invited = w.deps.clock.now();
        let result = w.invite(&owner_of("small"), json!(["one@small.io"])).await;
        (invited, result)
    };
    let (sent, (invited, result)) = tokio::join!(sender, small);
    assert!(sent.into_iter().all(|s| matches!(s, Ok(Delivery::Sent))), "the backlog is sent");
    let [(_, Outcome::Invited(inv))] = &result[..] else { panic!("{result:?}") };
    assert_eq!(inv.status, Status::Pending, "sent within its request, not queued behind the backlog");
    let at = timed.at.lock().unwrap().clone();
    let (small_at, _) = at.iter().find(|(_, to)| to == "one@small.io").unwrap();
    assert!(invited.until(*small_at) <= crate::service::pace::REQUEST_BUDGET, "{:?}", invited.until(*small_at));

    // And the rate held for everyone: no two emails closer than the schedule's interval.
    let mut times: Vec<Timestamp> = at.iter().map(|(t, _)| *t).collect();
    times.sort();
    assert_eq!(times.len(), 61);
    for pair in times.windows(2) {
        assert!(pair[0].until(pair[1]) >= interval(&w), "{pair:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn accounts_handing_on_at_once_are_expected_side_by_side_each_in_its_own_order() {
    let (w, queue) = paced(5.0);
    let now = w.clock.now();
    w.invite(&owner_of("first"), addresses(30, "first.io")).await;
    let first = queue.take();
    w.invite(&owner_of("second"), addresses(30, "second.io")).await;
    let second = queue.take();
    let step = interval(&w);
    // The second account's emails are not expected after the first's: each lane starts now, a turn for
    // each invitee, those sent at once or held (one past the budget) included.
    let expected =
        |queued: &[QueuedSend]| -> Vec<Timestamp> { queued.iter().filter(|q| !q.held).map(|q| q.at()).collect() };
    for queued in [&first, &second] {
        let at = expected(queued);
        assert!(at.len() >= 20, "{queued:?}");
        let lane: Vec<Timestamp> = (30 - at.len() as u32..30).map(|i| now.plus(step * i)).collect();
        assert_eq!(at, lane);
    }
    // A later request of the first account, whose emails still wait, goes behind them in its lane, even
    // with a slot free: its emails keep their order and its requests never crowd out the queue.
    w.clock.advance(Duration::from_secs(2));
    w.invite(&owner_of("first"), json!(["late@first.io"])).await;
    assert!(w.mailer.sent_to(&email("late@first.io")).is_empty());
    assert_eq!(expected(&queue.take()), [now.plus(step * 30)]);
    // Another account's one invitation, at the same moment, goes at once.
    w.invite(&owner_of("third"), json!(["one@third.io"])).await;
    assert_eq!(w.mailer.sent_to(&email("one@third.io")).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_request_on_a_busy_schedule_sends_one_and_hands_the_rest_on() {
    let (w, queue) = paced(5.0);
    // Alone, a request sends what its budget holds: five at 5 a second.
    w.invite(&owner_of("first"), addresses(5, "first.io")).await;
    assert_eq!((w.mailer.sent().len(), queue.take().len()), (5, 0));
    // Another account's, while the first's slots are still ahead (the clock has not moved): one slot
    // within its budget, the rest to the queue in its lane, where the accounts take turns.
    let before = w.clock.now();
    w.clock.advance(Duration::from_millis(200));
    let results = w.invite(&owner_of("second"), addresses(5, "second.io")).await;
    let pending =
        results.iter().filter(|(_, o)| matches!(o, Outcome::Invited(i) if i.status == Status::Pending)).count();
    let queued = queue.take();
    assert_eq!((pending, queued.len()), (1, 4), "{queued:?}");
    assert!(queued.iter().all(|q| !q.held && q.at() >= before), "{queued:?}");
}
