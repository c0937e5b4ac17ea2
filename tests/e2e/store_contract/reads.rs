//! Reading invitations back: pages newest first, filters, and accounts that never mix.
use super::{account, all_pages, open, to, transition, Store};
use e2e::{invitation, owner_of};
use invitations::domain::{AccountId, Email, Invitation, InvitationId, Status, UserId};
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

/// Pages filtered by `email`: their ids and whether each has a cursor.
async fn pages_by_address(store: &Store, acct: &AccountId, email: &str, limit: u32) -> Vec<(Vec<InvitationId>, bool)> {
    let mut q = ListQuery { email: Some(Email::parse(email).unwrap()), limit, ..Default::default() };
    let mut pages = Vec::new();
    loop {
        let page = store.list(acct, &q).await.unwrap();
        pages.push((page.items.iter().map(|i| i.id).collect(), page.next_after.is_some()));
        match page.next_after {
            Some(after) => q.after = Some(after),
            None => return pages,
        }
        assert!(pages.len() < 20, "paging does not end");
    }
}

/// An address filter reveals no invitation sent by user id to that address: not as a row, not as the
/// position a cursor names, not by whether a page has a cursor. The pages are those of an address that
/// never had one.
pub(super) async fn an_address_filter_reveals_no_invitation_sent_by_user_id(store: Store) {
    let acct = account();
    let by_id =
        |email: &str| Invitation { user_id: Some(UserId::parse("auth0|guess").unwrap()), ..invitation(&acct, email) };
    store.create(&by_id("only@x.io")).await.unwrap();
    assert_eq!(pages_by_address(&store, &acct, "only@x.io", 1).await, [(vec![], false)]);

    // One address's history, oldest first: by user id, by address, by user id, by address, by user id;
    // and another address's with the same two by address.
    let (mut shown, mut control) = (Vec::new(), Vec::new());
    for (i, by_user) in [true, false, true, false, true].into_iter().enumerate() {
        let inv = if by_user { by_id("mixed@x.io") } else { invitation(&acct, "mixed@x.io") };
        assert!(matches!(store.create(&inv).await.unwrap(), CreateOutcome::Created));
        if !by_user {
            shown.push(inv.id);
            let twin = invitation(&acct, "control@x.io");
            store.create(&twin).await.unwrap();
            store.update(&acct, twin.id, &transition(&open(), &to(Status::Cancelled))).await.unwrap();
            control.push(twin.id);
        }
        if i < 4 {
            store.update(&acct, inv.id, &transition(&open(), &to(Status::Cancelled))).await.unwrap();
        }
    }
    shown.reverse();
    control.reverse();
    for limit in [1, 2, 3, 100] {
        let mixed = pages_by_address(&store, &acct, "mixed@x.io", limit).await;
        let twin = pages_by_address(&store, &acct, "control@x.io", limit).await;
        let ids: Vec<InvitationId> = mixed.iter().flat_map(|(ids, _)| ids.clone()).collect();
        assert_eq!(ids, shown, "limit {limit}");
        let shape = |pages: &[(Vec<InvitationId>, bool)]| {
            pages.iter().map(|(ids, more)| (ids.len(), *more)).collect::<Vec<_>>()
        };
        assert_eq!(shape(&mixed), shape(&twin), "limit {limit}: {mixed:?}");
    }
    // Every cursor names a row the filter shows, the last of its page.
    let mut q = ListQuery { email: Some(Email::parse("mixed@x.io").unwrap()), limit: 1, ..Default::default() };
    while let Some(after) = store.list(&acct, &q).await.unwrap().next_after {
        assert!(shown.contains(&after), "a cursor names {after:?}");
        q.after = Some(after);
    }
}
