//! Creating and changing invitations: one open invitation per address, conditional writes that say
//! why they did not apply, and races with exactly one winner.
use super::{account, any_state, open, to, transition, Store};
use e2e::invitation;
use futures::future::join_all;
use invitations::domain::{Invitation, InvitationId, Status, Timestamp, Token};
use invitations::ports::store::{CreateOutcome, DueShards, ListQuery, UpdateOutcome};
use invitations::rules::{self, Change, Count, Due, Expect};
use std::collections::HashSet;
use std::time::Duration;

pub(super) async fn create_then_list(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "Ann@Example.com");
    assert!(matches!(store.create(&inv).await.unwrap(), CreateOutcome::Created));
    let page = store.list(&acct, &ListQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(page.items, vec![inv.clone()], "what is listed is what was stored, field for field");
    assert_eq!(page.items[0].email.as_str(), "ann@example.com");
    assert!(page.next_after.is_none());
}

pub(super) async fn second_open_invitation_is_refused(store: Store) {
    let acct = account();
    let first = invitation(&acct, "a@x.io");
    store.create(&first).await.unwrap();
    for status in [Status::Processing, Status::Pending] {
        store.update(&acct, first.id, &transition(&any_state(), &to(status))).await.unwrap();
        match store.create(&invitation(&acct, "A@X.IO")).await.unwrap() {
            CreateOutcome::AlreadyOpen(existing) => {
                assert_eq!(existing.id, first.id);
                assert_eq!(existing.status, status);
            }
            other => panic!("expected AlreadyOpen, got {other:?}"),
        }
    }
    let page = store.list(&acct, &ListQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(page.items.len(), 1);
}

pub(super) async fn reinvite_after_each_closed_state_makes_a_new_invitation(store: Store) {
    let acct = account();
    let mut ids = HashSet::new();
    let mut latest = invitation(&acct, "b@x.io");
    store.create(&latest).await.unwrap();
    ids.insert(latest.id);
    for closed in Status::REINVITABLE {
        store.update(&acct, latest.id, &transition(&open(), &to(closed))).await.unwrap();
        let next = invitation(&acct, "b@x.io");
        assert!(matches!(store.create(&next).await.unwrap(), CreateOutcome::Created), "after {closed}");
        assert!(ids.insert(next.id));
        latest = next;
    }
    let page = store.list(&acct, &ListQuery { limit: 10, ..Default::default() }).await.unwrap();
    let statuses: Vec<Status> = page.items.iter().map(|i| i.status).collect();
    assert_eq!(statuses, vec![Status::Processing, Status::Failed, Status::Expired, Status::Cancelled]);
}

pub(super) async fn accepted_means_already_member(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "c@x.io");
    store.create(&inv).await.unwrap();
    store.update(&acct, inv.id, &transition(&any_state(), &to(Status::Accepted))).await.unwrap();
    assert!(
        matches!(store.create(&invitation(&acct, "c@x.io")).await.unwrap(), CreateOutcome::AlreadyMember(m) if m.id == inv.id)
    );
}

pub(super) async fn update_tells_not_found_from_mismatch(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "d@x.io");
    store.create(&inv).await.unwrap();
    assert!(matches!(
        store.update(&acct, InvitationId::new(), &transition(&open(), &to(Status::Cancelled))).await.unwrap(),
        UpdateOutcome::NotFound
    ));
    match store.update(&acct, inv.id, &transition(&open(), &to(Status::Cancelled))).await.unwrap() {
        UpdateOutcome::Updated(u) => assert_eq!(u.status, Status::Cancelled),
        other => panic!("{other:?}"),
    }
    match store.update(&acct, inv.id, &transition(&open(), &to(Status::Cancelled))).await.unwrap() {
        UpdateOutcome::Mismatch(current) => assert_eq!(current.status, Status::Cancelled),
        other => panic!("{other:?}"),
    }
}

pub(super) async fn update_requires_the_token_hash_it_names(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "e@x.io");
    store.create(&inv).await.unwrap();
    let wrong = Expect { token_hash: Some(Token::generate().hash()), ..open() };
    assert!(matches!(
        store.update(&acct, inv.id, &transition(&wrong, &to(Status::Pending))).await.unwrap(),
        UpdateOutcome::Mismatch(_)
    ));
    let right = Expect { token_hash: Some(inv.token_hash.clone()), ..open() };
    let new_hash = Token::generate().hash();
    let change = Change { token_hash: Some(new_hash.clone()), ..to(Status::Pending) };
    match store.update(&acct, inv.id, &transition(&right, &change)).await.unwrap() {
        UpdateOutcome::Updated(u) => assert_eq!(u.token_hash, new_hash),
        other => panic!("{other:?}"),
    }
}

pub(super) async fn update_cooldown_on_last_sent(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "f@x.io");
    store.create(&inv).await.unwrap();
    let sent_at = Timestamp::now();
    let send = Change { count: Count::Sent, sent: true, at: sent_at, ..to(Status::Pending) };
    // Never sent: no cooldown applies.
    let cut = Expect { last_sent_at_or_before: Some(sent_at.minus(Duration::from_secs(60))), ..open() };
    assert!(matches!(store.update(&acct, inv.id, &transition(&cut, &send)).await.unwrap(), UpdateOutcome::Updated(_)));
    // Sent just now: a cut a minute ago refuses, a cut at the send time allows.
    assert!(
        matches!(store.update(&acct, inv.id, &transition(&cut, &send)).await.unwrap(), UpdateOutcome::Mismatch(m) if m.last_sent_at == Some(sent_at))
    );
    let at = Expect { last_sent_at_or_before: Some(sent_at), ..open() };
    assert!(
        matches!(store.update(&acct, inv.id, &transition(&at, &send)).await.unwrap(), UpdateOutcome::Updated(u) if u.send_count == 2)
    );
}

pub(super) async fn counts_sends_and_keeps_due_times(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "g@x.io");
    store.create(&inv).await.unwrap();
    let at = Timestamp::from_millis(1_800_000_000_000);
    let claim = Change {
        at,
        count: Count::Sent,
        sent: true,
        due: Due::At(at.plus(Duration::from_secs(3600))),
        ..to(Status::Pending)
    };
    store.update(&acct, inv.id, &transition(&open(), &claim)).await.unwrap();
    let u = match store.update(&acct, inv.id, &transition(&open(), &claim)).await.unwrap() {
        UpdateOutcome::Updated(u) => u,
        other => panic!("{other:?}"),
    };
    assert_eq!((u.send_count, u.last_sent_at, u.updated_at), (2, Some(at), at));
    assert_eq!(u.due_at, Some(at.plus(Duration::from_secs(3600))));
    // A write that keeps the due time leaves it; one that clears it takes the item out of the index.
    let keep = Change { at, ..to(Status::Pending) };
    match store.update(&acct, inv.id, &transition(&open(), &keep)).await.unwrap() {
        UpdateOutcome::Updated(u) => {
            assert_eq!((u.due_at, u.send_count), (Some(at.plus(Duration::from_secs(3600))), 2))
        }
        other => panic!("{other:?}"),
    }
    let clear = Change { due: Due::Clear, ..to(Status::Processing) };
    match store.update(&acct, inv.id, &transition(&open(), &clear)).await.unwrap() {
        UpdateOutcome::Updated(u) => assert_eq!((u.status, u.due_at, u.send_count), (Status::Processing, None, 2)),
        other => panic!("{other:?}"),
    }
    let shard = DueShards::DEFAULT.of(inv.id);
    let due = store.due(at.plus(Duration::from_secs(7200)), shard, None, 100).await.unwrap();
    assert!(due.items.iter().all(|i| i.id != inv.id), "a cleared due time leaves the due index");
    // Expiry guard.
    let not_expired = |t| Expect { expires_after: Some(t), ..open() };
    assert!(matches!(
        store.update(&acct, inv.id, &transition(&not_expired(inv.expires_at), &to(Status::Pending))).await.unwrap(),
        UpdateOutcome::Mismatch(_)
    ));
    let just_before = inv.expires_at.minus(Duration::from_millis(1));
    assert!(matches!(
        store.update(&acct, inv.id, &transition(&not_expired(just_before), &to(Status::Pending))).await.unwrap(),
        UpdateOutcome::Updated(_)
    ));
}

pub(super) async fn racing_creates_open_exactly_one(store: Store) {
    let acct = account();
    let attempts: Vec<Invitation> = (0..20).map(|_| invitation(&acct, "race@x.io")).collect();
    let results = join_all(attempts.iter().map(|inv| {
        let store = store.clone();
        let inv = inv.clone();
        tokio::spawn(async move { store.create(&inv).await.unwrap() })
    }))
    .await;
    let created = results.iter().filter(|r| matches!(r.as_ref().unwrap(), CreateOutcome::Created)).count();
    assert_eq!(created, 1, "exactly one of 20 racing creates wins");
    let page = store.list(&acct, &ListQuery { limit: 100, ..Default::default() }).await.unwrap();
    assert_eq!(page.items.len(), 1, "one invitation stored");
}

pub(super) async fn racing_cancels_win_once(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "h@x.io");
    store.create(&inv).await.unwrap();
    let results = join_all((0..20).map(|_| {
        let (store, acct) = (store.clone(), acct.clone());
        tokio::spawn(
            async move { store.update(&acct, inv.id, &transition(&open(), &to(Status::Cancelled))).await.unwrap() },
        )
    }))
    .await;
    let won = results.iter().filter(|r| matches!(r.as_ref().unwrap(), UpdateOutcome::Updated(_))).count();
    let lost = results
        .iter()
        .filter(|r| matches!(r.as_ref().unwrap(), UpdateOutcome::Mismatch(m) if m.status == Status::Cancelled))
        .count();
    assert_eq!((won, lost), (1, 19));
}

/// An open invitation past its expiry that the sweep has not reached is closed: a new invitation of the
/// address expires it in the same atomic write, and never stands beside it. Of racing creates one wins.
pub(super) async fn a_reinvite_expires_an_open_invitation_past_its_expiry(store: Store) {
    let acct = account();
    for (i, status) in [Status::Processing, Status::Pending].into_iter().enumerate() {
        let address = format!("lapsed{i}@x.io");
        let past = Timestamp::now().minus(Duration::from_secs(1));
        let stale = Invitation { expires_at: past, due_at: Some(past), ..invitation(&acct, &address) };
        store.create(&stale).await.unwrap();
        store.update(&acct, stale.id, &transition(&any_state(), &to(status))).await.unwrap();
        let attempts: Vec<Invitation> = (0..8).map(|_| invitation(&acct, &address)).collect();
        let results = join_all(attempts.iter().map(|inv| {
            let (store, inv) = (store.clone(), inv.clone());
            tokio::spawn(async move { store.create(&inv).await.unwrap() })
        }))
        .await;
        let outcomes: Vec<CreateOutcome> = results.into_iter().map(Result::unwrap).collect();
        let seen: Vec<String> = outcomes
            .iter()
            .map(|o| match o {
                CreateOutcome::Created => "created".into(),
                CreateOutcome::SeatLimitReached => "no seat".into(),
                CreateOutcome::AlreadyOpen(i) | CreateOutcome::AlreadyMember(i) | CreateOutcome::Undeliverable(i) => {
                    format!("{} {}", i.id, i.status)
                }
            })
            .collect();
        let created: Vec<&Invitation> = attempts
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| matches!(o, CreateOutcome::Created))
            .map(|(inv, _)| inv)
            .collect();
        assert_eq!(created.len(), 1, "{status}: one of 8 racing creates wins: {seen:?}");
        assert!(
            outcomes.iter().all(|o| match o {
                CreateOutcome::Created => true,
                CreateOutcome::AlreadyOpen(open) => open.id == created[0].id,
                CreateOutcome::AlreadyMember(_) | CreateOutcome::Undeliverable(_) | CreateOutcome::SeatLimitReached => {
                    false
                }
            }),
            "{status}: the others find the new one open: {seen:?}"
        );
        let query = ListQuery { limit: 10, ..Default::default() };
        let listed: Vec<(InvitationId, Status)> = store
            .list(&acct, &query)
            .await
            .unwrap()
            .items
            .into_iter()
            .filter(|inv| inv.email.as_str() == address)
            .map(|inv| (inv.id, inv.status))
            .collect();
        assert_eq!(listed, vec![(created[0].id, Status::Processing), (stale.id, Status::Expired)], "{status}");
        let due = store.due(Timestamp::now(), DueShards::DEFAULT.of(stale.id), None, 1000).await.unwrap();
        assert!(due.items.iter().all(|inv| inv.id != stale.id), "{status}: the expired one left the due index");
    }
}

/// An access update is one conditional write on the invitation as read: the token stays, and a join that
/// read the access before finds it replaced and writes nothing.
pub(super) async fn an_access_update_keeps_the_token_and_stops_a_join_that_read_the_old_access(store: Store) {
    use invitations::domain::{Access, Claimant, ClaimedEmail, Member, UserId};
    use invitations::ports::store::JoinOutcome;
    let acct = account();
    let inv = invitation(&acct, "upd@x.io");
    store.create(&inv).await.unwrap();
    let access = Access::parse(serde_json::json!({"infrastructure": {"permissions": "view_only"}})).unwrap();
    let now = Timestamp::now();
    let updated = match store.update(&acct, inv.id, &rules::update_access(&inv, access.clone(), now)).await.unwrap() {
        UpdateOutcome::Updated(u) => u,
        other => panic!("{other:?}"),
    };
    assert_eq!((&updated.access, &updated.token_hash, updated.status), (&access, &inv.token_hash, inv.status));
    assert_eq!(store.get(&acct, inv.id).await.unwrap().unwrap(), updated);
    // The same update again expects the invitation as first read: nothing changes.
    assert!(matches!(
        store.update(&acct, inv.id, &rules::update_access(&inv, inv.access.clone(), now)).await.unwrap(),
        UpdateOutcome::Mismatch(_)
    ));
    let who =
        Claimant { user_id: UserId::parse("upd-user").unwrap(), email: ClaimedEmail::Verified(inv.email.clone()) };
    let member = |access: &Access| Member {
        user_id: who.user_id.clone(),
        account_id: acct.clone(),
        email: inv.email.clone(),
        access: access.clone(),
        invited_by: inv.invited_by.clone(),
        invitation_id: inv.id,
        joined_at: now,
        by_user_id: false,
    };
    let stale = rules::accept(now, inv.token_hash.clone(), &who, &inv.access);
    assert_eq!(store.join(&stale, &member(&inv.access), None).await.unwrap(), JoinOutcome::Changed);
    assert!(store.member(&acct, &who.user_id).await.unwrap().is_none());
    let fresh = rules::accept(now, inv.token_hash.clone(), &who, &updated.access);
    assert_eq!(store.join(&fresh, &member(&updated.access), None).await.unwrap(), JoinOutcome::Joined);
    assert_eq!(store.member(&acct, &who.user_id).await.unwrap().unwrap().access, access);
}
