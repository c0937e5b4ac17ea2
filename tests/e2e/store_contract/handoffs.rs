//! The hand-on to the paced sender: an invitation names the message it was handed on with, a claim that
//! expects that message applies once however many deliveries race for it, and naming a later slot
//! leaves the old message nothing to claim.
use super::{account, Store};
use e2e::invitation;
use futures::future::join_all;
use invitations::domain::{Invitation, Timestamp, Token};
use invitations::ports::store::UpdateOutcome;
use invitations::rules::{self, Policy, Transition};
use std::time::Duration;

fn updated(outcome: UpdateOutcome) -> Invitation {
    match outcome {
        UpdateOutcome::Updated(inv) => inv,
        other => panic!("{other:?}"),
    }
}

async fn write(store: &Store, inv: &Invitation, t: &Transition) -> UpdateOutcome {
    store.update(&inv.account_id, inv.id, t).await.unwrap()
}

pub(super) async fn a_hand_on_names_the_one_message_that_may_claim_it_once(store: Store) {
    let policy = Policy::default();
    let inv = invitation(&account(), "handed@x.io");
    store.create(&inv).await.unwrap();
    let slot = Timestamp::now().plus(Duration::from_secs(2));
    let handed = updated(write(&store, &inv, &rules::queued(&inv, slot, &policy)).await);
    assert_eq!(handed.handed_on, Some(slot));
    assert_eq!(store.get(&inv.account_id, inv.id).await.unwrap().unwrap(), handed, "stored as answered");

    let now = Timestamp::now();
    let other = rules::claim_queued(slot.plus(Duration::from_millis(1)), now, Token::generate().hash(), &policy);
    match write(&store, &inv, &other).await {
        UpdateOutcome::Mismatch(m) => assert_eq!(m.handed_on, Some(slot)),
        other => panic!("another message's claim: {other:?}"),
    }
    // Twenty deliveries of the message at once: one claims it.
    let claims = join_all((0..20).map(|_| {
        let (store, inv) = (store.clone(), inv.clone());
        let claim = rules::claim_queued(slot, now, Token::generate().hash(), &policy);
        tokio::spawn(async move { write(&store, &inv, &claim).await })
    }))
    .await;
    let won: Vec<Invitation> = claims
        .into_iter()
        .filter_map(|r| match r.unwrap() {
            UpdateOutcome::Updated(inv) => Some(inv),
            UpdateOutcome::Mismatch(m) => {
                assert_eq!(m.handed_on, None, "lost to a claim");
                None
            }
            UpdateOutcome::NotFound => panic!("not found"),
        })
        .collect();
    assert_eq!(won.len(), 1, "one of 20 deliveries claims it");
    let stored = store.get(&inv.account_id, inv.id).await.unwrap().unwrap();
    assert_eq!((stored.handed_on, &stored.token_hash), (None, &won[0].token_hash));
    let later = slot.plus(Duration::from_secs(600));
    assert!(matches!(
        write(&store, &inv, &rules::handed_again(slot, later, now, &policy)).await,
        UpdateOutcome::Mismatch(_)
    ));

    // Named for a later slot: only the new message claims it, and the sweep waits until after that slot.
    let next = invitation(&account(), "renamed@x.io");
    store.create(&next).await.unwrap();
    updated(write(&store, &next, &rules::queued(&next, slot, &policy)).await);
    let renamed = updated(write(&store, &next, &rules::handed_again(slot, later, now, &policy)).await);
    assert_eq!((renamed.handed_on, renamed.due_at), (Some(later), Some(later.plus(policy.processing_timeout))));
    let old = rules::claim_queued(slot, now, Token::generate().hash(), &policy);
    assert!(matches!(write(&store, &next, &old).await, UpdateOutcome::Mismatch(_)), "the old message claims nothing");
    let new = rules::claim_queued(later, now, Token::generate().hash(), &policy);
    assert_eq!(updated(write(&store, &next, &new).await).handed_on, None);
}
