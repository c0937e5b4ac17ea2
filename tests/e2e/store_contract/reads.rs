//! Reading invitations back: pages newest first, filters, and accounts that never mix.
use super::{account, all_pages, open, to, transition, Store};
use e2e::{invitation, owner_of};
use invitations::domain::{Email, InvitationId, Status};
use invitations::ports::clock::SystemClock;
use invitations::ports::store::{CreateOutcome, ListQuery, UpdateOutcome};
use invitations::service::list::{list, ListError, ListParams};
use invitations::service::Deps;
use std::sync::Arc;

pub(super) async fn paging_returns_every_invitation_once_newest_first(store: Store) {
    let acct = account();
    let mut made = Vec::new();
    for i in 0..23 {
        let inv = invitation(&acct, &format!("p{i}@x.io"));
        store.create(&inv).await.unwrap();
        made.push(inv.id);
    }
    made.reverse();
    let pages = all_pages(&store, &acct, ListQuery { limit: 5, ..Default::default() }).await;
    assert!(pages.iter().all(|p| p.len() <= 5));
    assert_eq!(pages.concat(), made, "every invitation once, newest first");
    assert_eq!(pages.len(), 5);
}

pub(super) async fn paging_with_status_and_email_filters(store: Store) {
    let acct = account();
    let mut pending = Vec::new();
    for i in 0..12 {
        let inv = invitation(&acct, &format!("q{i}@x.io"));
        store.create(&inv).await.unwrap();
        if i % 3 == 0 {
            store.update(&acct, inv.id, &transition(&open(), &to(Status::Pending))).await.unwrap();
            pending.push(inv.id);
        }
    }
    pending.reverse();
    let q = ListQuery { statuses: Some(vec![Status::Pending]), limit: 3, ..Default::default() };
    let pages = all_pages(&store, &acct, q).await;
    assert_eq!(pages.concat(), pending);
    let q = ListQuery { statuses: Some(vec![Status::Pending, Status::Processing]), limit: 100, ..Default::default() };
    assert_eq!(all_pages(&store, &acct, q).await.concat().len(), 12);
    let q = ListQuery { statuses: Some(vec![Status::Cancelled]), limit: 100, ..Default::default() };
    assert_eq!(all_pages(&store, &acct, q).await.concat(), Vec::<InvitationId>::new());

    // Three invitations of one address over time, one page each.
    let mut history = Vec::new();
    for _ in 0..3 {
        let inv = invitation(&acct, "same@x.io");
        store.create(&inv).await.unwrap();
        store.update(&acct, inv.id, &transition(&open(), &to(Status::Cancelled))).await.unwrap();
        history.push(inv.id);
    }
    history.reverse();
    let q = ListQuery { email: Some(Email::parse("same@x.io").unwrap()), limit: 1, ..Default::default() };
    assert_eq!(all_pages(&store, &acct, q).await.concat(), history);
    let q = ListQuery {
        email: Some(Email::parse("same@x.io").unwrap()),
        statuses: Some(vec![Status::Pending]),
        limit: 5,
        ..Default::default()
    };
    assert!(all_pages(&store, &acct, q).await.concat().is_empty());
}

pub(super) async fn accounts_are_isolated(store: Store) {
    let (a, b) = (account(), account());
    let inv = invitation(&a, "iso@x.io");
    store.create(&inv).await.unwrap();
    // The same address in another account is another invitation.
    assert!(matches!(store.create(&invitation(&b, "iso@x.io")).await.unwrap(), CreateOutcome::Created));
    assert!(matches!(
        store.update(&b, inv.id, &transition(&open(), &to(Status::Cancelled))).await.unwrap(),
        UpdateOutcome::NotFound
    ));
    let page = store.list(&b, &ListQuery { limit: 100, ..Default::default() }).await.unwrap();
    assert!(page.items.iter().all(|i| i.account_id == b));
    assert_eq!(page.items.len(), 1);
    let q = ListQuery { limit: 100, after: Some(InvitationId::MAX), ..Default::default() };
    assert!(store.list(&b, &q).await.unwrap().items.iter().all(|i| i.account_id == b));
}

pub(super) async fn cursors_are_bound_to_account_and_filter(store: Store) {
    let acct = account();
    for i in 0..3 {
        store.create(&invitation(&acct, &format!("cur{i}@x.io"))).await.unwrap();
    }
    let deps = Deps { store: store.clone(), clock: Arc::new(SystemClock), policy: Default::default() };
    let me = owner_of(&acct);
    let first = list(&deps, &me, ListParams { limit: 2, ..Default::default() }).await.unwrap();
    let cursor = first.next_cursor.expect("a second page");
    let next = ListParams { limit: 2, cursor: Some(cursor.clone()), ..Default::default() };
    let second = list(&deps, &me, next.clone()).await.unwrap();
    assert_eq!(second.invitations.len(), 1);
    let stranger = owner_of(&account());
    assert!(matches!(list(&deps, &stranger, next.clone()).await, Err(ListError::InvalidCursor)));
    let filtered = ListParams { statuses: Some(vec![Status::Processing]), ..next };
    assert!(matches!(list(&deps, &me, filtered).await, Err(ListError::InvalidCursor)));
}
