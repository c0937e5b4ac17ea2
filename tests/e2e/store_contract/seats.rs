//! Seats: every open invitation and every member holds one of its account's seats; a create takes its
//! seat in the write that stores it, only while one is free, and each write that closes an open
//! invitation or removes a member gives it back, however many writers race.
use super::members::{claimant, join};
use super::{account, open, to, transition, Store};
use e2e::invitation;
use futures::future::join_all;
use invitations::domain::{AccountId, Invitation, Seats, Settings, Status, Timestamp};
use invitations::ports::settings::SettingsWrite;
use invitations::ports::store::{CreateOutcome, JoinOutcome, UpdateOutcome};
use invitations::rules;
use std::time::Duration;

async fn limit(store: &Store, account: &AccountId, seats: Option<u32>) {
    let settings = Settings { seat_limit: seats, ..Settings::default() };
    let write = SettingsWrite { account, settings: &settings, by: "owner-1", at: Timestamp::now(), if_version: None };
    store.put_settings(&write).await.unwrap();
}

async fn create(store: &Store, inv: &Invitation) -> &'static str {
    match store.create(inv).await.unwrap() {
        CreateOutcome::Created => "created",
        CreateOutcome::SeatLimitReached => "full",
        other => panic!("neither created nor refused a seat: {other:?}"),
    }
}

async fn seats(store: &Store, account: &AccountId) -> (Option<u32>, u64, u64) {
    let Seats { limit, active, pending } = store.seats(account).await.unwrap();
    (limit, active, pending)
}

pub(super) async fn seats_are_taken_by_new_invitations_and_given_back_by_every_close(store: Store) {
    let acct = account();
    assert_eq!(seats(&store, &acct).await, (None, 0, 0), "an account never seen");
    limit(&store, &acct, Some(4)).await;
    let invs: Vec<Invitation> = (0..4).map(|i| invitation(&acct, &format!("seat{i}@x.io"))).collect();
    for inv in &invs {
        assert_eq!(create(&store, inv).await, "created");
    }
    assert_eq!(seats(&store, &acct).await, (Some(4), 0, 4));
    let fifth = invitation(&acct, "fifth@x.io");
    assert_eq!(create(&store, &fifth).await, "full");
    assert_eq!(store.get(&acct, fifth.id).await.unwrap(), None, "nothing written for a refused invitee");

    // An accept keeps the seat for the member, at the limit.
    let ann = claimant("ann", "seat0@x.io");
    assert_eq!(join(&store, &invs[0], &ann).await, JoinOutcome::Joined);
    assert_eq!(seats(&store, &acct).await, (Some(4), 1, 3));
    assert_eq!(create(&store, &fifth).await, "full");

    // A cancel, a failure and the sweep's expiry each give one back.
    let cancel = rules::cancel(Timestamp::now());
    assert!(matches!(store.update(&acct, invs[1].id, &cancel).await.unwrap(), UpdateOutcome::Updated(_)));
    assert_eq!(seats(&store, &acct).await, (Some(4), 1, 2));
    let fail = transition(&open(), &to(Status::Failed));
    assert!(matches!(store.update(&acct, invs[2].id, &fail).await.unwrap(), UpdateOutcome::Updated(_)));
    assert_eq!(seats(&store, &acct).await, (Some(4), 1, 1));
    // A write that finds the invitation closed already gives nothing back twice.
    assert!(matches!(store.update(&acct, invs[1].id, &cancel).await.unwrap(), UpdateOutcome::Mismatch(_)));
    assert_eq!(seats(&store, &acct).await, (Some(4), 1, 1));

    // The freed seats are taken again; a removal frees the member's.
    let (sixth, seventh) = (invitation(&acct, "sixth@x.io"), invitation(&acct, "seventh@x.io"));
    assert_eq!((create(&store, &fifth).await, create(&store, &sixth).await), ("created", "created"));
    assert_eq!(create(&store, &seventh).await, "full");
    let member = store.member(&acct, &ann.user_id).await.unwrap().expect("the member");
    assert!(store.remove_member(&member).await.unwrap());
    assert!(!store.remove_member(&member).await.unwrap(), "removed once, freed once");
    assert_eq!(seats(&store, &acct).await, (Some(4), 0, 3));
    assert_eq!(create(&store, &seventh).await, "created");

    // A limit lowered below the seats taken takes nothing back, and refuses new ones.
    limit(&store, &acct, Some(2)).await;
    assert_eq!(seats(&store, &acct).await, (Some(2), 0, 4));
    assert_eq!(create(&store, &invitation(&acct, "eighth@x.io")).await, "full");
    limit(&store, &acct, None).await;
    assert_eq!(create(&store, &invitation(&acct, "eighth@x.io")).await, "created", "no limit: any number");
    assert_eq!(seats(&store, &acct).await, (None, 0, 5));
    assert_eq!(seats(&store, &account()).await, (None, 0, 0), "another account's seats are its own");
}

/// An expired invitation still open hands its seat to the address's new one, at the limit too.
pub(super) async fn an_expiry_gives_the_seat_back_and_a_reinvite_of_an_expired_one_takes_it_over(store: Store) {
    let acct = account();
    limit(&store, &acct, Some(2)).await;
    let past = Timestamp::now().minus(Duration::from_secs(1));
    let lapsed = Invitation { expires_at: past, ..invitation(&acct, "lapsed@x.io") };
    let swept = Invitation { expires_at: past, ..invitation(&acct, "swept@x.io") };
    assert_eq!((create(&store, &lapsed).await, create(&store, &swept).await), ("created", "created"));
    assert_eq!(create(&store, &invitation(&acct, "third@x.io")).await, "full");

    let again = invitation(&acct, "lapsed@x.io");
    assert_eq!(create(&store, &again).await, "created", "the expired one's seat passes to the new one");
    assert_eq!(store.get(&acct, lapsed.id).await.unwrap().unwrap().status, Status::Expired);
    assert_eq!(seats(&store, &acct).await, (Some(2), 0, 2));

    let rules::DueAction::Expire(expire) =
        rules::due_action(&swept, Timestamp::now(), swept.token_hash.clone(), &rules::Policy::default())
    else {
        panic!("an invitation past its expiry is expired by the sweep")
    };
    assert!(matches!(store.update(&acct, swept.id, &expire).await.unwrap(), UpdateOutcome::Updated(_)));
    assert_eq!(seats(&store, &acct).await, (Some(2), 0, 1));
    assert_eq!(create(&store, &invitation(&acct, "third@x.io")).await, "created");
}

/// Twenty creates at once into the last free seat: exactly one takes it.
pub(super) async fn racing_creates_take_the_last_seat_once(store: Store) {
    let acct = account();
    limit(&store, &acct, Some(3)).await;
    for i in 0..2 {
        assert_eq!(create(&store, &invitation(&acct, &format!("early{i}@x.io"))).await, "created");
    }
    let outcomes = join_all((0..20).map(|i| {
        let (store, inv) = (store.clone(), invitation(&acct, &format!("racer{i}@x.io")));
        tokio::spawn(async move { create(&store, &inv).await })
    }))
    .await;
    let outcomes: Vec<&str> = outcomes.into_iter().map(Result::unwrap).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "created").count(), 1, "{outcomes:?}");
    assert_eq!(seats(&store, &acct).await, (Some(3), 0, 3));
}

/// Without a limit, creates at once all succeed and every seat is counted.
pub(super) async fn racing_creates_without_a_limit_are_each_counted(store: Store) {
    let acct = account();
    let outcomes = join_all((0..20).map(|i| {
        let (store, inv) = (store.clone(), invitation(&acct, &format!("many{i}@x.io")));
        tokio::spawn(async move { create(&store, &inv).await })
    }))
    .await;
    assert!(outcomes.into_iter().all(|o| o.unwrap() == "created"));
    assert_eq!(seats(&store, &acct).await, (None, 0, 20));
}

/// An accept and a cancel of one invitation at the limit: one wins, and the seat is the member's or free.
pub(super) async fn an_accept_racing_a_cancel_at_the_limit_moves_the_seat_once(store: Store) {
    let acct = account();
    limit(&store, &acct, Some(1)).await;
    let inv = invitation(&acct, "last@x.io");
    assert_eq!(create(&store, &inv).await, "created");
    let who = claimant("last", "last@x.io");
    let (joined, cancelled) = tokio::join!(join(&store, &inv, &who), async {
        store.update(&acct, inv.id, &rules::cancel(Timestamp::now())).await.unwrap()
    });
    let cancelled = matches!(cancelled, UpdateOutcome::Updated(_));
    assert_ne!(joined == JoinOutcome::Joined, cancelled, "exactly one of them wins");
    let status = store.get(&acct, inv.id).await.unwrap().unwrap().status;
    if cancelled {
        assert_eq!((status, seats(&store, &acct).await), (Status::Cancelled, (Some(1), 0, 0)));
    } else {
        assert_eq!((status, seats(&store, &acct).await), (Status::Accepted, (Some(1), 1, 0)));
    }
}
