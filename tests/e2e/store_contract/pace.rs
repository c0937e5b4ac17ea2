//! The send schedule: an idle one starts at now, a busy one follows on, and reservations made at once
//! never share a slot, so all instances together keep the interval.
use super::Store;
use invitations::domain::{AccountId, Timestamp};
use invitations::ports::{Reserved, Schedule};
use std::time::Duration;

const STEP: Duration = Duration::from_millis(100);

pub(super) async fn an_idle_schedule_starts_now_and_a_busy_one_follows_on(store: Store) {
    let t = Timestamp::now();
    assert_eq!(
        store.reserve_slots(Schedule::Shared, 3, STEP, t, None).await.unwrap().first,
        t,
        "idle: the first slot is now"
    );
    assert_eq!(
        store.reserve_slots(Schedule::Shared, 1, STEP, t, None).await.unwrap().first,
        t.plus(STEP * 3),
        "busy: after the three"
    );
    assert_eq!(
        store.reserve_slots(Schedule::Shared, 2, STEP, t.plus(STEP), None).await.unwrap().first,
        t.plus(STEP * 4)
    );
    let later = t.plus(Duration::from_secs(10));
    assert_eq!(
        store.reserve_slots(Schedule::Shared, 1, STEP, later, None).await.unwrap().first,
        later,
        "idle again: unused time is not saved up"
    );
}

pub(super) async fn racing_reservations_never_share_a_slot(store: Store) {
    let t = Timestamp::now();
    let sizes: Vec<u32> = (0..20).map(|i| 1 + i % 4).collect();
    let firsts = futures::future::join_all(sizes.iter().map(|n| {
        let store = store.clone();
        async move { store.reserve_slots(Schedule::Shared, *n, STEP, t, None).await.unwrap().first }
    }))
    .await;
    let mut ranges: Vec<(i64, i64)> = firsts
        .iter()
        .zip(&sizes)
        .map(|(first, n)| (first.millis(), first.millis() + i64::from(*n) * STEP.as_millis() as i64))
        .collect();
    ranges.sort();
    assert_eq!(ranges[0].0, t.millis(), "the first starts now");
    for pair in ranges.windows(2) {
        assert_eq!(pair[0].1, pair[1].0, "back to back, no overlap and no gap: {ranges:?}");
    }
}

pub(super) async fn a_late_sender_reclaims_its_slot_only_when_nobody_reserved_after_it(store: Store) {
    let t = Timestamp::now();
    let mine = store.reserve_slots(Schedule::Shared, 1, STEP, t, None).await.unwrap().first;
    let late = t.plus(Duration::from_secs(5));
    assert!(store.reclaim_slot(mine, STEP, late).await.unwrap(), "the last slot moves");
    assert_eq!(
        store.reserve_slots(Schedule::Shared, 1, STEP, t, None).await.unwrap().first,
        late.plus(STEP),
        "the schedule goes on from it"
    );

    let a = store.reserve_slots(Schedule::Shared, 1, STEP, t, None).await.unwrap().first;
    let b = store.reserve_slots(Schedule::Shared, 1, STEP, t, None).await.unwrap().first;
    let later = late.plus(Duration::from_secs(5));
    assert!(!store.reclaim_slot(a, STEP, later).await.unwrap(), "a slot reserved after it: it stays");
    assert!(store.reclaim_slot(b, STEP, later).await.unwrap());
    assert_eq!(store.reserve_slots(Schedule::Shared, 1, STEP, t, None).await.unwrap().first, later.plus(STEP));
}

pub(super) async fn a_bounded_reservation_takes_what_fits_and_one_that_gets_none_changes_nothing(store: Store) {
    let t = Timestamp::now();
    let bound = Some(t.plus(STEP * 2));
    let got = store.reserve_slots(Schedule::Shared, 5, STEP, t, bound).await.unwrap();
    assert_eq!(got, Reserved { first: t, count: 3 }, "idle: the three up to the bound");
    let none = store.reserve_slots(Schedule::Shared, 1, STEP, t, bound).await.unwrap();
    assert_eq!(none, Reserved { first: t.plus(STEP * 3), count: 0 }, "the next free slot, not taken");
    let busy = store.reserve_slots(Schedule::Shared, 4, STEP, t, Some(t.plus(STEP * 4))).await.unwrap();
    assert_eq!(busy, Reserved { first: t.plus(STEP * 3), count: 2 }, "busy: as many as fit");
    let next = store.reserve_slots(Schedule::Shared, 1, STEP, t, None).await.unwrap();
    assert_eq!(next, Reserved { first: t.plus(STEP * 5), count: 1 }, "unbounded: the schedule's next");
}

pub(super) async fn racing_bounded_reservations_fill_up_to_the_bound_and_never_share_a_slot(store: Store) {
    let t = Timestamp::now();
    let bound = Some(t.plus(STEP * 9));
    let sizes: Vec<u32> = (0..12).map(|i| 1 + i % 3).collect();
    let got = futures::future::join_all(sizes.iter().map(|n| {
        let store = store.clone();
        async move { store.reserve_slots(Schedule::Shared, *n, STEP, t, bound).await.unwrap() }
    }))
    .await;
    let mut slots: Vec<i64> =
        got.iter().flat_map(|r| (0..r.count).map(move |i| r.first.plus(STEP * i).millis())).collect();
    slots.sort();
    let all: Vec<i64> = (0..10).map(|i| t.plus(STEP * i).millis()).collect();
    assert_eq!(slots, all, "every slot up to the bound once, none past it: {got:?}");
}

pub(super) async fn each_accounts_lane_runs_apart_from_the_schedule_and_the_other_lanes(store: Store) {
    let t = Timestamp::now();
    let (a, b) = (super::account(), super::account());
    let lane = |account: &AccountId, n: u32| {
        let (store, account) = (store.clone(), account.clone());
        async move { store.reserve_slots(Schedule::Lane(&account), n, STEP, t, None).await.unwrap().first }
    };
    assert_eq!(lane(&a, 100).await, t, "an idle lane starts now");
    assert_eq!(lane(&b, 1).await, t, "another account's lane is not behind the first's hundred");
    assert_eq!(lane(&a, 1).await, t.plus(STEP * 100), "a lane follows on from its own last");
    assert_eq!(lane(&b, 1).await, t.plus(STEP));
    let shared = store.reserve_slots(Schedule::Shared, 1, STEP, t, None).await.unwrap();
    assert_eq!(shared, Reserved { first: t, count: 1 }, "the shared schedule is none of the lanes");
}
