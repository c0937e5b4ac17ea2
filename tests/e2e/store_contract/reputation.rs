//! Each account's sending record: counts summed from an hour on, per account; one pause however many
//! race to put it; the pause read back field for field; a resume that lifts it and forgets the counts.
use super::{account, Store};
use invitations::domain::{Cause, Counted, Hour, Pause, Rate, Tally, Timestamp};

fn pause(at: Timestamp, bounces: u32) -> Pause {
    let tally = Tally { sends: 20, bounces, complaints: 0 };
    Pause { cause: Cause::Bounces, rate: Rate::of(bounces, 20), limit: Rate(50_000), at, tally }
}

pub(super) async fn counts_add_up_per_account_from_an_hour_on(store: Store) {
    let (acct, other) = (account(), account());
    let now = Hour::of(Timestamp::now());
    for (hour, what, times) in [
        (now.back(30), Counted::Send, 5),
        (now.back(3), Counted::Send, 4),
        (now, Counted::Send, 3),
        (now, Counted::Bounce, 2),
        (now.back(3), Counted::Complaint, 1),
    ] {
        for _ in 0..times {
            store.count(&acct, hour, what).await.unwrap();
        }
    }
    store.count(&other, now, Counted::Bounce).await.unwrap();
    assert_eq!(store.tally(&acct, now.back(24)).await.unwrap(), Tally { sends: 7, bounces: 2, complaints: 1 });
    assert_eq!(store.tally(&acct, now).await.unwrap(), Tally { sends: 3, bounces: 2, complaints: 0 });
    assert_eq!(store.tally(&acct, now.back(40)).await.unwrap().sends, 12);
    assert_eq!(store.tally(&other, now.back(24)).await.unwrap(), Tally { sends: 0, bounces: 1, complaints: 0 });
    assert_eq!(store.tally(&account(), now.back(24)).await.unwrap(), Tally::default());
}

pub(super) async fn racing_pauses_put_one_and_a_resume_lifts_it_and_forgets_the_counts(store: Store) {
    let (acct, other) = (account(), account());
    let now = Hour::of(Timestamp::now());
    assert_eq!(store.paused(&acct).await.unwrap(), None);
    assert_eq!(store.resume(&acct).await.unwrap(), None, "nothing to lift");
    for _ in 0..3 {
        store.count(&acct, now, Counted::Send).await.unwrap();
        store.count(&other, now, Counted::Send).await.unwrap();
    }
    let at = Timestamp::from_millis(Timestamp::now().millis() / 1000 * 1000);
    let racers = (1..=8).map(|bounces| {
        let store = store.clone();
        let acct = acct.clone();
        tokio::spawn(async move { (store.pause(&acct, &pause(at, bounces)).await.unwrap(), bounces) })
    });
    let won: Vec<u32> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(Result::unwrap)
        .filter_map(|(won, bounces)| won.then_some(bounces))
        .collect();
    assert_eq!(won.len(), 1, "exactly one pause is put: {won:?}");
    assert_eq!(store.paused(&acct).await.unwrap(), Some(pause(at, won[0])), "read back as put");
    assert_eq!(store.paused(&other).await.unwrap(), None, "another account is not paused");

    assert_eq!(store.resume(&acct).await.unwrap(), Some(pause(at, won[0])));
    assert_eq!(store.paused(&acct).await.unwrap(), None);
    assert_eq!(store.tally(&acct, now.back(24)).await.unwrap(), Tally::default(), "the record starts afresh");
    assert_eq!(store.tally(&other, now.back(24)).await.unwrap().sends, 3, "another account's record stays");
    assert!(store.pause(&acct, &pause(at, 1)).await.unwrap(), "it can be paused again");
}
