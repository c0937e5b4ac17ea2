//! Pacing on the in-memory store and queue: a request sends what its budget allows and hands on the
//! rest, the paced sender sends each handed-on email once, in its slot or a fresh one, and the sweep
//! and manual resends take their slots from the same schedule.
use super::*;
use crate::adapters::memory::queue::MemoryQueue;
use crate::domain::{Status, Timestamp};
use crate::ports::{Clock, QueuedSend, Schedule, SendRate};
use crate::service::pace::Pacing;
use crate::service::resend::resend;
use crate::service::send::{send_queued, Delivery};
use crate::service::sweep::sweep;
use std::time::Duration;
use tokio::time::Instant;

/// The world, paced at `rate` emails a second, with the queue it hands on to.
pub(super) fn paced(rate: f64) -> (World, Arc<MemoryQueue>) {
    let mut w = world();
    let queue = Arc::new(MemoryQueue::new());
    w.notifier.pacing = Some(Pacing { rate: SendRate::new(rate).unwrap(), queue: queue.clone() });
    (w, queue)
}

pub(super) fn interval(w: &World) -> Duration {
    w.notifier.pacing.as_ref().unwrap().interval()
}

/// Delivers one handed-on email to the paced sender, with all the time it needs.
pub(super) async fn send(w: &World, q: &QueuedSend) -> Delivery {
    send_queued(&w.deps, &w.notifier, std::slice::from_ref(q), None, Duration::ZERO).await.remove(0).unwrap()
}

fn statuses(results: &[(String, Outcome)]) -> Vec<Status> {
    results
        .iter()
        .map(|(_, o)| match o {
            Outcome::Invited(inv) => inv.status,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn an_invite_sends_what_its_budget_allows_and_hands_on_the_rest_in_their_slots() {
    // 2 a second at 93 %: slots 538 ms apart, so the budget of 1 s holds two.
    let (w, queue) = paced(2.0);
    let now = w.clock.now();
    let results = w.invite(&owner_of("acme"), json!(["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io"])).await;
    use Status::{Pending, Processing};
    assert_eq!(statuses(&results), [Pending, Pending, Processing, Processing, Processing]);
    assert_eq!(w.mailer.sent().len(), 2);
    let queued = queue.take();
    let step = interval(&w);
    assert_eq!(step, Duration::from_millis(538));
    // Expected at their turns in the account's lane (the request took a turn for each of the five, from
    // now), holding no slot: the sender takes theirs when it receives them.
    let expected: Vec<Timestamp> = queued.iter().map(|q| q.at()).collect();
    assert_eq!(expected, [now.plus(step * 2), now.plus(step * 3), now.plus(step * 4)]);
    assert!(queued.iter().all(|q| !q.held), "{queued:?}");
    for (q, (_, outcome)) in queued.iter().zip(&results[2..]) {
        let Outcome::Invited(inv) = outcome else { unreachable!() };
        assert_eq!(q.invitation, inv.id);
        // The sweep leaves it to the sender until a processing timeout after its slot.
        let stored = w.stored(inv).await;
        assert_eq!(stored.due_at, Some(q.at().plus(w.deps.policy.processing_timeout)));
    }

    // The sender sends each in its slot, once: a message delivered twice sends nothing the second time.
    for q in &queued {
        w.clock.advance(w.clock.now().until(q.at()));
        let sent = send(&w, q).await;
        assert_eq!(sent, Delivery::Sent);
        assert_eq!(send(&w, q).await, Delivery::Nothing);
    }
    assert_eq!(w.mailer.sent().len(), 5);
    for (to, _) in &results {
        assert_eq!(w.mailer.sent_to(&email(to)).len(), 1, "{to}");
        let inv = w
            .stored(&match &results.iter().find(|(t, _)| t == to).unwrap().1 {
                Outcome::Invited(inv) => inv.clone(),
                _ => unreachable!(),
            })
            .await;
        assert_eq!(inv.status, Pending);
        assert_eq!(inv.token_hash, w.newest_token(to), "the link sent works");
    }
}

#[tokio::test(start_paused = true)]
async fn a_repeated_invite_takes_no_slots() {
    let (w, _queue) = paced(1.0);
    let auth = owner_of("acme");
    w.invite(&auth, json!(["a@x.io", "b@x.io", "c@x.io"])).await;
    let now = w.clock.now();
    let next = w.deps.store.reserve_slots(Schedule::Shared, 1, interval(&w), now, None).await.unwrap().first;
    w.invite(&auth, json!(["a@x.io", "b@x.io", "c@x.io"])).await;
    let after = w.deps.store.reserve_slots(Schedule::Shared, 1, interval(&w), now, None).await.unwrap().first;
    assert_eq!(after, next.plus(interval(&w)), "only the reservation in between moved the schedule");
}

#[tokio::test(start_paused = true)]
async fn emails_delivered_late_take_their_slots_on_arrival_and_waste_none() {
    let (w, queue) = paced(1.0);
    let first = w.clock.now().plus(crate::service::pace::RESERVE_LEAD);
    w.invite(&owner_of("acme"), json!(["a@x.io", "b@x.io", "c@x.io"])).await;
    let queued = queue.take();
    assert_eq!(queued.len(), 2);
    // The invite reserved the one slot its budget holds, none for the two it handed on.
    let probe = w.deps.store.reserve_slots(Schedule::Shared, 1, interval(&w), w.clock.now(), None).await.unwrap().first;
    assert_eq!(probe, first.plus(interval(&w)));
    // A minute late, both at once: they take the next two slots together, from now, in one reservation,
    // and the schedule continues right after them.
    w.clock.advance(Duration::from_secs(60));
    let start = w.clock.now().plus(crate::service::pace::RESERVE_LEAD);
    let sent = send_queued(&w.deps, &w.notifier, &queued, None, Duration::ZERO).await;
    assert_eq!(sent.into_iter().map(Result::unwrap).collect::<Vec<_>>(), [Delivery::Sent, Delivery::Sent]);
    assert_eq!(w.mailer.sent().len(), 3);
    let next = w.deps.store.reserve_slots(Schedule::Shared, 1, interval(&w), start, None).await.unwrap().first;
    assert_eq!(next, start.plus(interval(&w) * 2), "no slot lost to the late delivery");
}

/// `q`'s email handed on again for `slot`, as a sender queueing it again for that slot does.
async fn held(w: &World, q: &QueuedSend, slot: Timestamp) -> QueuedSend {
    let write = crate::rules::handed_again(q.at(), slot, w.clock.now(), &w.deps.policy);
    w.deps.store.update(&q.account, q.invitation, &write).await.unwrap();
    QueuedSend::held(q.account.clone(), q.invitation, slot)
}

#[tokio::test(start_paused = true)]
async fn a_held_slot_is_kept_in_time_replaced_when_late_and_requeued_beyond_the_invocation() {
    let (w, queue) = paced(1.0);
    w.invite(&owner_of("acme"), json!(["a@x.io", "b@x.io", "c@x.io"])).await;
    let [b, c]: [QueuedSend; 2] = queue.take().try_into().unwrap();
    let step = interval(&w);
    let now = w.clock.now();
    // Each probe of the schedule takes the next slot: two probes one step apart show nothing between.
    let probe = || async { w.deps.store.reserve_slots(Schedule::Shared, 1, step, now, None).await.unwrap().first };

    // Beyond an invocation that ends in 1 s: back to the queue holding the same slot, nothing sent.
    let far = held(&w, &b, now.plus(Duration::from_secs(5))).await;
    let deadline = Some(Instant::now() + Duration::from_secs(1));
    let again = send_queued(&w.deps, &w.notifier, std::slice::from_ref(&far), deadline, Duration::ZERO).await;
    assert_eq!(again.into_iter().next().unwrap().unwrap(), Delivery::Requeued);
    assert_eq!(queue.take(), std::slice::from_ref(&far));
    assert_eq!(w.mailer.sent().len(), 1);

    // In time: sent in its own slot, taking nothing from the schedule.
    let before = probe().await;
    assert_eq!(send(&w, &held(&w, &far, now.plus(Duration::from_secs(2))).await).await, Delivery::Sent);
    assert_eq!(probe().await, before.plus(step), "the held slot took nothing from the schedule");

    // Late for its slot: sent in a fresh one, the schedule's next.
    let late = held(&w, &c, now.plus(Duration::from_secs(2))).await;
    w.clock.advance(Duration::from_secs(3));
    assert_eq!(send(&w, &late).await, Delivery::Sent);
    assert_eq!(probe().await, before.plus(step * 3), "the late email took the slot after the probes");
    assert_eq!(w.mailer.sent().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_resend_beyond_the_budget_waits_processing_for_the_paced_sender() {
    let (w, queue) = paced(1.0);
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    w.clock.advance(Duration::from_secs(60));
    // Another invite takes the next slots, so the resend's is beyond its budget.
    w.invite(&auth, json!(["b@x.io", "c@x.io"])).await;
    queue.take();
    let resent = resend(&w.deps, &w.notifier, &auth, inv.id).await.unwrap();
    assert_eq!((resent.status, resent.send_count), (Status::Processing, 1), "the email waits, not counted");
    let [q] = queue.take().try_into().unwrap();
    assert_eq!(q.invitation, inv.id);
    w.clock.advance(w.clock.now().until(q.at()));
    assert_eq!(send(&w, &q).await, Delivery::Sent);
    let stored = w.stored(&inv).await;
    assert_eq!((stored.status, stored.send_count), (Status::Pending, 2));
    assert_eq!(stored.token_hash, w.newest_token("ada@example.com"));
    assert_eq!(w.mailer.sent_to(&email("ada@example.com")).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_sweep_sends_in_slots_within_its_time_and_hands_on_the_rest() {
    let (w, queue) = paced(1.0);
    let auth = owner_of("acme");
    let mut invitations = Vec::new();
    for i in 0..4 {
        invitations.push(w.invited(&auth, &format!("u{i}@x.io")).await);
        w.clock.advance(Duration::from_secs(60));
    }
    assert_eq!(w.mailer.sent().len(), 4);
    w.clock.advance(w.deps.policy.resend_after);
    // Time for the margin and a few slots more, of which it takes only those just ahead.
    let margin = crate::service::claim::claim_margin(&w.deps, &w.notifier);
    let deadline = Instant::now() + margin + Duration::from_millis(2500);
    let s = sweep(&w.deps, &w.notifier, Some(deadline)).await.unwrap();
    // The sweep takes only the slots within SENDER_AHEAD (one at 1 a second) and hands on the rest.
    assert_eq!((s.resent, s.handed_on), (1, 3), "{s:?}");
    let queued = queue.take();
    assert_eq!(queued.len() as u32, s.handed_on);
    for q in &queued {
        w.clock.advance(w.clock.now().until(q.at()));
        assert_eq!(send(&w, q).await, Delivery::Sent);
    }
    for inv in &invitations {
        let stored = w.stored(inv).await;
        assert_eq!((stored.status, stored.send_count), (Status::Pending, 2), "each resent once");
    }
    assert_eq!(w.mailer.sent().len(), 8);
}

#[tokio::test(start_paused = true)]
async fn a_send_late_for_the_last_slot_keeps_its_turn_and_one_before_others_takes_a_fresh_one() {
    use crate::service::pace::{at_slot, Missed, RESERVE_LEAD};
    let (w, _queue) = paced(1.0);
    let step = interval(&w);
    let t = w.clock.now();
    let mine = w.deps.store.reserve_slots(Schedule::Shared, 1, step, t, None).await.unwrap().first;
    w.clock.advance(Duration::from_millis(500));
    let moved = w.clock.now().plus(RESERVE_LEAD);
    assert_eq!(at_slot(&w.deps, &w.notifier, mine, Some(t.plus(Duration::from_secs(1)))).await, Ok(()));
    assert_eq!(
        w.deps.store.reserve_slots(Schedule::Shared, 1, step, t, None).await.unwrap().first,
        moved.plus(step),
        "sent at {moved:?}"
    );

    // Someone reserved after it: its slot cannot move, and no fresh one is free within the budget, so
    // it is missed (for the caller to hand on) and takes none.
    let first = w.deps.store.reserve_slots(Schedule::Shared, 1, step, t, None).await.unwrap().first;
    let next = w.deps.store.reserve_slots(Schedule::Shared, 1, step, t, None).await.unwrap().first;
    w.clock.advance(w.clock.now().until(first.plus(Duration::from_millis(500))));
    let until = Some(w.clock.now().plus(Duration::from_secs(1)));
    assert_eq!(at_slot(&w.deps, &w.notifier, first, until).await, Err(Missed));
    assert_eq!(w.deps.store.reserve_slots(Schedule::Shared, 1, step, t, None).await.unwrap().first, next.plus(step));
}

#[tokio::test(start_paused = true)]
async fn a_throttled_send_takes_a_fresh_slot_and_one_throttled_on_and_on_is_left_to_the_sweep() {
    use crate::adapters::recording::Refusal;
    use crate::service::pace::{RESERVE_LEAD, THROTTLE_RESLOTS};
    let (w, queue) = paced(1.0);
    let step = interval(&w);
    let start = w.clock.now().plus(RESERVE_LEAD);
    // Throttled once in the invite's slot: the next slot is beyond the request's budget, so it is
    // handed on without one, expected at the lane's next turn, and the sender sends it.
    w.mailer.refuse_next(Refusal::Throttled, 1);
    let inv = w.invited(&owner_of("acme"), "a@x.io").await;
    assert_eq!(inv.status, Status::Processing);
    let [q] = queue.take().try_into().unwrap();
    assert_eq!((q.at(), q.held), (w.clock.now().plus(step), false));
    assert_eq!(send(&w, &q).await, Delivery::Sent);
    assert_eq!((w.mailer.refused(), w.mailer.sent().len()), (1, 1));

    // Throttled every time at the sender: a fresh slot each time, THROTTLE_RESLOTS of them, then
    // refused like any failed send, `processing` for the sweep.
    let inv = w.invited(&owner_of("acme"), "b@x.io").await;
    let [q] = queue.take().try_into().unwrap();
    w.mailer.refuse(Some(Refusal::Throttled));
    let before = w.deps.store.reserve_slots(Schedule::Shared, 1, step, start, None).await.unwrap().first;
    assert_eq!(send(&w, &q).await, Delivery::Nothing);
    assert_eq!(w.mailer.refused(), 1 + 1 + THROTTLE_RESLOTS as usize);
    let after = w.deps.store.reserve_slots(Schedule::Shared, 1, step, start, None).await.unwrap().first;
    assert_eq!(after, before.plus(step * (1 + 1 + THROTTLE_RESLOTS)), "its turn, then one fresh slot a throttle");
    assert_eq!(w.stored(&inv).await.status, Status::Processing);
}
