//! SES reports on an invitation: one conditional write each, the latest send only, a repeat changing
//! nothing, and an undeliverable address refusing every claim to send again; the record read back
//! field for field.
use super::{account, Store};
use e2e::sent_invitation;
use invitations::domain::{Delivery, DeliveryStatus, Invitation, InvitationId, Status, Timestamp, Token};
use invitations::ports::store::{CreateOutcome, ListQuery, UpdateOutcome, UserRow, UsersQuery};
use invitations::rules::{self, Policy};
use std::time::Duration;

fn report(send: u32, status: DeliveryStatus, at: Timestamp, undeliverable: bool) -> rules::Report {
    let detail = undeliverable.then(|| "permanent: general".to_owned());
    rules::report(Delivery { status, at, detail, send, undeliverable })
}

fn recorded(outcome: UpdateOutcome) -> Option<Delivery> {
    match outcome {
        UpdateOutcome::Updated(inv) => Some(inv.delivery.expect("a recorded report shows")),
        _ => None,
    }
}

pub(super) async fn reports_of_the_latest_send_are_recorded_once_in_order(store: Store) {
    let acct = account();
    let t0 = Timestamp::now();
    let inv = sent_invitation(&acct, "report@x.io", t0, t0.plus(Duration::from_secs(3600)));
    store.create(&inv).await.unwrap();
    let at = |s: u64| t0.plus(Duration::from_secs(s));

    let delivered = report(1, DeliveryStatus::Delivered, at(5), false);
    assert_eq!(recorded(store.report(&acct, inv.id, &delivered).await.unwrap()), Some(delivered.delivery.clone()));
    // The same event again, and an earlier stage arriving late: nothing changes.
    for stale in [delivered.clone(), report(1, DeliveryStatus::Sent, at(1), false)] {
        match store.report(&acct, inv.id, &stale).await.unwrap() {
            UpdateOutcome::Mismatch(current) => assert_eq!(current.delivery, Some(delivered.delivery.clone())),
            other => panic!("expected the stored report to stay, got {other:?}"),
        }
    }
    let complained = report(1, DeliveryStatus::Complained, at(9), true);
    assert_eq!(recorded(store.report(&acct, inv.id, &complained).await.unwrap()), Some(complained.delivery.clone()));
    let stored = store.get(&acct, inv.id).await.unwrap().unwrap();
    assert_eq!(stored.delivery, Some(complained.delivery));
    assert!(stored.undeliverable());
    // Nothing else of the invitation moved.
    assert_eq!(stored, Invitation { delivery: stored.delivery.clone(), ..inv });
}

pub(super) async fn a_report_of_an_older_send_or_an_unknown_invitation_changes_nothing(store: Store) {
    let acct = account();
    let t0 = Timestamp::now();
    let inv =
        Invitation { send_count: 2, ..sent_invitation(&acct, "older@x.io", t0, t0.plus(Duration::from_secs(3600))) };
    store.create(&inv).await.unwrap();
    let late = report(1, DeliveryStatus::Bounced, t0, true);
    assert!(matches!(store.report(&acct, inv.id, &late).await.unwrap(), UpdateOutcome::Mismatch(_)));
    let beyond = report(4, DeliveryStatus::Sent, t0, false);
    assert!(matches!(store.report(&acct, inv.id, &beyond).await.unwrap(), UpdateOutcome::Mismatch(_)));
    // The one being sent now (a third email, not yet counted) may be reported before its count lands.
    let third = report(3, DeliveryStatus::Sent, t0, false);
    assert!(recorded(store.report(&acct, inv.id, &third).await.unwrap()).is_some());
    assert!(matches!(store.report(&acct, InvitationId::new(), &third).await.unwrap(), UpdateOutcome::NotFound));
    assert_eq!(store.get(&acct, inv.id).await.unwrap().unwrap().delivery, Some(third.delivery));
}

pub(super) async fn an_undeliverable_address_refuses_a_resend_and_a_transient_bounce_does_not(store: Store) {
    let acct = account();
    let policy = Policy::default();
    let t0 = Timestamp::now().minus(Duration::from_secs(3600));
    let now = Timestamp::now();
    for (permanent, email) in [(false, "soft@x.io"), (true, "hard@x.io")] {
        let inv = sent_invitation(&acct, email, t0, t0);
        store.create(&inv).await.unwrap();
        let bounce = report(1, DeliveryStatus::Bounced, t0, permanent);
        store.report(&acct, inv.id, &bounce).await.unwrap();
        let resend = rules::resend(now, Token::generate().hash(), &policy);
        let outcome = store.update(&acct, inv.id, &resend).await.unwrap();
        match (permanent, outcome) {
            (false, UpdateOutcome::Updated(claimed)) => assert_eq!(claimed.status, Status::Processing),
            (true, UpdateOutcome::Mismatch(current)) => assert_eq!(current.status, Status::Pending),
            (p, other) => panic!("permanent {p}: {other:?}"),
        }
    }
}

pub(super) async fn a_create_refuses_an_undeliverable_address_unless_forced(store: Store) {
    let acct = account();
    let t0 = Timestamp::now();
    let inv = sent_invitation(&acct, "gone@x.io", t0, t0.plus(Duration::from_secs(3600)));
    store.create(&inv).await.unwrap();
    store.report(&acct, inv.id, &report(1, DeliveryStatus::Bounced, t0, true)).await.unwrap();
    // Open and undeliverable: refused when asked, else still the open invitation it is.
    let again = e2e::invitation(&acct, "gone@x.io");
    match store.create_checked(&again, true).await.unwrap() {
        CreateOutcome::Undeliverable(found) => assert_eq!(found.id, inv.id),
        other => panic!("expected Undeliverable, got {other:?}"),
    }
    assert!(matches!(store.create_checked(&again, false).await.unwrap(), CreateOutcome::AlreadyOpen(_)));
    // Closed and undeliverable: refused when asked, a new invitation when forced.
    store.update(&acct, inv.id, &rules::cancel(Timestamp::now())).await.unwrap();
    assert!(matches!(store.create_checked(&again, true).await.unwrap(), CreateOutcome::Undeliverable(_)));
    assert!(matches!(store.create_checked(&again, false).await.unwrap(), CreateOutcome::Created));
    // A deliverable address is not refused.
    let fine = e2e::invitation(&acct, "fine@x.io");
    assert!(matches!(store.create_checked(&fine, true).await.unwrap(), CreateOutcome::Created));
}

pub(super) async fn the_list_filters_on_the_latest_report(store: Store) {
    let acct = account();
    let t0 = Timestamp::now();
    let mut ids = Vec::new();
    for (email, status) in [
        ("a@x.io", Some(DeliveryStatus::Bounced)),
        ("b@x.io", Some(DeliveryStatus::Delivered)),
        ("c@x.io", Some(DeliveryStatus::Complained)),
        ("d@x.io", None),
    ] {
        let inv = sent_invitation(&acct, email, t0, t0.plus(Duration::from_secs(3600)));
        store.create(&inv).await.unwrap();
        if let Some(status) = status {
            let undeliverable = status != DeliveryStatus::Delivered;
            store.report(&acct, inv.id, &report(1, status, t0, undeliverable)).await.unwrap();
        }
        ids.push(inv.id);
    }
    let deliveries = Some(vec![DeliveryStatus::Bounced, DeliveryStatus::Complained]);
    let query = ListQuery { deliveries, limit: 10, ..Default::default() };
    let page = store.list(&acct, &query).await.unwrap();
    let found: Vec<InvitationId> = page.items.iter().map(|i| i.id).collect();
    assert_eq!(found, vec![ids[2], ids[0]], "newest first, only the bounced and the complained");
    let all = store.list(&acct, &ListQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(all.items.len(), 4, "no filter, every invitation, reported or not");

    // The Users list filters the same way, in its own order (by address), and a member is never among them.
    let member = sent_invitation(&acct, "e@x.io", t0, t0.plus(Duration::from_secs(3600)));
    store.create(&member).await.unwrap();
    store.report(&acct, member.id, &report(1, DeliveryStatus::Delivered, t0, false)).await.unwrap();
    let joined = super::members::join(&store, &member, &super::members::claimant("e-user", "e@x.io")).await;
    assert_eq!(joined, invitations::ports::store::JoinOutcome::Joined);
    let deliveries = Some(vec![DeliveryStatus::Bounced, DeliveryStatus::Complained, DeliveryStatus::Delivered]);
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let query = UsersQuery { deliveries: deliveries.clone(), limit: 1, after: after.take(), ..Default::default() };
        let page = store.users(&acct, &query).await.unwrap();
        found.extend(page.rows.iter().map(|r| match r {
            UserRow::Invited(i) => i.email.as_str().to_owned(),
            UserRow::Member(m) => panic!("a member among delivery results: {m:?}"),
        }));
        match page.next_after {
            Some(a) => after = Some(a),
            None => break,
        }
    }
    assert_eq!(found, ["a@x.io", "b@x.io", "c@x.io"]);
}
