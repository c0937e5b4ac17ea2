//! The send counters: accepted emails and failed attempts count apart, an accepted email forgets the
//! failures, and a cap on emails is a condition the store checks.
use super::{account, open, to, transition, Store};
use e2e::invitation;
use invitations::domain::Status;
use invitations::ports::store::UpdateOutcome;
use invitations::rules::{Change, Count, Expect};

async fn apply(store: &Store, inv: &invitations::domain::Invitation, expect: &Expect, change: Change) -> UpdateOutcome {
    store.update(&inv.account_id, inv.id, &transition(expect, &change)).await.unwrap()
}

fn counts(outcome: UpdateOutcome) -> (u32, u32) {
    match outcome {
        UpdateOutcome::Updated(u) => (u.send_count, u.failed_attempts),
        other => panic!("{other:?}"),
    }
}

pub(super) async fn counts_sends_and_failures_and_caps_sends(store: Store) {
    let inv = invitation(&account(), "h@x.io");
    store.create(&inv).await.unwrap();
    let failure = Change { count: Count::Failure, ..to(Status::Processing) };
    assert_eq!(counts(apply(&store, &inv, &open(), failure.clone()).await), (0, 1));
    assert_eq!(counts(apply(&store, &inv, &open(), failure).await), (0, 2));
    let sent = Change { count: Count::Sent, sent: true, ..to(Status::Pending) };
    assert_eq!(counts(apply(&store, &inv, &open(), sent.clone()).await), (1, 0), "an accepted email forgets failures");
    let capped = Expect { sends_below: Some(2), ..open() };
    assert_eq!(counts(apply(&store, &inv, &capped, sent.clone()).await), (2, 0), "under the cap");
    match apply(&store, &inv, &capped, sent).await {
        UpdateOutcome::Mismatch(m) => assert_eq!(m.send_count, 2, "at the cap the write is refused"),
        other => panic!("{other:?}"),
    }
}
