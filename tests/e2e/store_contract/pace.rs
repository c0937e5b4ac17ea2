//! The send schedule: an idle one starts at now, a busy one follows on, and reservations made at once
//! never share a slot, so all instances together keep the interval.
use super::Store;
use invitations::domain::Timestamp;
use std::time::Duration;

const STEP: Duration = Duration::from_millis(100);

pub(super) async fn an_idle_schedule_starts_now_and_a_busy_one_follows_on(store: Store) {
    let t = Timestamp::now();
    assert_eq!(store.reserve_slots(3, STEP, t).await.unwrap(), t, "idle: the first slot is now");
    assert_eq!(store.reserve_slots(1, STEP, t).await.unwrap(), t.plus(STEP * 3), "busy: after the three");
    assert_eq!(store.reserve_slots(2, STEP, t.plus(STEP)).await.unwrap(), t.plus(STEP * 4));
    let later = t.plus(Duration::from_secs(10));
    assert_eq!(store.reserve_slots(1, STEP, later).await.unwrap(), later, "idle again: unused time is not saved up");
}

pub(super) async fn racing_reservations_never_share_a_slot(store: Store) {
    let t = Timestamp::now();
    let sizes: Vec<u32> = (0..20).map(|i| 1 + i % 4).collect();
    let firsts = futures::future::join_all(sizes.iter().map(|n| {
        let store = store.clone();
        async move { store.reserve_slots(*n, STEP, t).await.unwrap() }
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
    let mine = store.reserve_slots(1, STEP, t).await.unwrap();
    let late = t.plus(Duration::from_secs(5));
    assert!(store.reclaim_slot(mine, STEP, late).await.unwrap(), "the last slot moves");
    assert_eq!(store.reserve_slots(1, STEP, t).await.unwrap(), late.plus(STEP), "the schedule goes on from it");

    let a = store.reserve_slots(1, STEP, t).await.unwrap();
    let b = store.reserve_slots(1, STEP, t).await.unwrap();
    let later = late.plus(Duration::from_secs(5));
    assert!(!store.reclaim_slot(a, STEP, later).await.unwrap(), "a slot reserved after it: it stays");
    assert!(store.reclaim_slot(b, STEP, later).await.unwrap());
    assert_eq!(store.reserve_slots(1, STEP, t).await.unwrap(), later.plus(STEP));
}
