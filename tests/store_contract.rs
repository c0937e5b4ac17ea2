//! One contract, two stores: every case runs against the in-memory store and against DynamoDB Local, so
//! the local run and production cannot drift apart.
use e2e::{new_table, sdk, unique};
use futures::future::join_all;
use invitations::domain::{Access, AccountId, Email, InvitationId, Status, Timestamp, Token};
use invitations::store::dynamo::DynamoStore;
use invitations::store::memory::MemoryStore;
use invitations::store::*;
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

type Store = Arc<dyn invitations::store::Store>;

async fn dynamo() -> Store {
    let client = aws_sdk_dynamodb::Client::new(&sdk().await);
    let table = new_table(&client).await;
    Arc::new(DynamoStore::new(client, table))
}

fn memory() -> Store {
    Arc::new(MemoryStore::new())
}

/// The in-memory store kept in a file, reopened from it before the case runs on it.
fn file() -> Store {
    let path = e2e::local_server::temp_dir("store").join("invitations.json");
    MemoryStore::open(&path).unwrap();
    Arc::new(MemoryStore::open(&path).unwrap())
}

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod in_memory { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $case() { super::$case(super::memory()).await } )* }
        mod in_file { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $case() { super::$case(super::file()).await } )* }
        mod dynamodb { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $case() { super::$case(super::dynamo().await).await } )* }
    };
}

contract!(
    create_then_list,
    second_open_invitation_is_refused,
    reinvite_after_each_closed_state_makes_a_new_invitation,
    accepted_means_already_member,
    update_tells_not_found_from_mismatch,
    update_requires_the_token_hash_it_names,
    update_cooldown_on_last_sent,
    counts_sends_and_keeps_due_times,
    the_due_index_returns_only_due_invitations_earliest_first_in_pages,
    racing_creates_open_exactly_one,
    racing_cancels_win_once,
    paging_returns_every_invitation_once_newest_first,
    paging_with_status_and_email_filters,
    accounts_are_isolated,
    cursors_are_bound_to_account_and_filter,
    idempotency_keys_claim_once_keep_answers_and_expire,
);

fn account() -> AccountId {
    AccountId::parse(&unique("acct")).unwrap()
}

fn invitation(account: &AccountId, email: &str) -> Invitation {
    let now = Timestamp::now();
    Invitation {
        id: InvitationId::new(),
        account_id: account.clone(),
        email: Email::parse(email).unwrap(),
        status: Status::Processing,
        access: Access::parse(json!({"infrastructure": {"permissions": "basic_user"}})).unwrap(),
        invited_by: "user-1".into(),
        inviter_email: Some("admin@example.com".into()),
        created_at: now,
        updated_at: now,
        last_sent_at: None,
        send_count: 0,
        expires_at: now.plus(Duration::from_secs(86_400)),
        token_hash: Token::generate().hash(),
        due_at: None,
    }
}

fn to(status: Status) -> Change {
    Change { status, at: Timestamp::now(), token_hash: None, attempt: false, sent: false, due: Due::Keep }
}

fn any_state() -> Expect {
    Expect { statuses: &Status::ALL, ..Default::default() }
}

fn open() -> Expect {
    Expect { statuses: &Status::OPEN, ..Default::default() }
}

async fn all_pages(store: &Store, account: &AccountId, mut q: ListQuery) -> Vec<Vec<InvitationId>> {
    let mut pages = Vec::new();
    loop {
        let page = store.list(account, &q).await.unwrap();
        pages.push(page.items.iter().map(|i| i.id).collect());
        match page.next_after {
            Some(after) => q.after = Some(after),
            None => return pages,
        }
        assert!(pages.len() < 100, "paging does not end");
    }
}

async fn create_then_list(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "Ann@Example.com");
    assert!(matches!(store.create(&inv).await.unwrap(), CreateOutcome::Created));
    let page = store.list(&acct, &ListQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(page.items, vec![inv.clone()], "what is listed is what was stored, field for field");
    assert_eq!(page.items[0].email.as_str(), "ann@example.com");
    assert!(page.next_after.is_none());
}

async fn second_open_invitation_is_refused(store: Store) {
    let acct = account();
    let first = invitation(&acct, "a@x.io");
    store.create(&first).await.unwrap();
    for status in [Status::Processing, Status::Pending] {
        store.update(&acct, first.id, &any_state(), &to(status)).await.unwrap();
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

async fn reinvite_after_each_closed_state_makes_a_new_invitation(store: Store) {
    let acct = account();
    let mut ids = HashSet::new();
    let mut latest = invitation(&acct, "b@x.io");
    store.create(&latest).await.unwrap();
    ids.insert(latest.id);
    for closed in Status::REINVITABLE {
        store.update(&acct, latest.id, &open(), &to(closed)).await.unwrap();
        let next = invitation(&acct, "b@x.io");
        assert!(matches!(store.create(&next).await.unwrap(), CreateOutcome::Created), "after {closed}");
        assert!(ids.insert(next.id));
        latest = next;
    }
    let page = store.list(&acct, &ListQuery { limit: 10, ..Default::default() }).await.unwrap();
    let statuses: Vec<Status> = page.items.iter().map(|i| i.status).collect();
    assert_eq!(statuses, vec![Status::Processing, Status::Failed, Status::Expired, Status::Cancelled]);
}

async fn accepted_means_already_member(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "c@x.io");
    store.create(&inv).await.unwrap();
    store.update(&acct, inv.id, &any_state(), &to(Status::Accepted)).await.unwrap();
    assert!(
        matches!(store.create(&invitation(&acct, "c@x.io")).await.unwrap(), CreateOutcome::AlreadyMember(m) if m.id == inv.id)
    );
}

async fn update_tells_not_found_from_mismatch(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "d@x.io");
    store.create(&inv).await.unwrap();
    assert!(matches!(
        store.update(&acct, InvitationId::new(), &open(), &to(Status::Cancelled)).await.unwrap(),
        UpdateOutcome::NotFound
    ));
    match store.update(&acct, inv.id, &open(), &to(Status::Cancelled)).await.unwrap() {
        UpdateOutcome::Updated(u) => assert_eq!(u.status, Status::Cancelled),
        other => panic!("{other:?}"),
    }
    match store.update(&acct, inv.id, &open(), &to(Status::Cancelled)).await.unwrap() {
        UpdateOutcome::Mismatch(current) => assert_eq!(current.status, Status::Cancelled),
        other => panic!("{other:?}"),
    }
}

async fn update_requires_the_token_hash_it_names(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "e@x.io");
    store.create(&inv).await.unwrap();
    let wrong = Expect { token_hash: Some(Token::generate().hash()), ..open() };
    assert!(matches!(
        store.update(&acct, inv.id, &wrong, &to(Status::Pending)).await.unwrap(),
        UpdateOutcome::Mismatch(_)
    ));
    let right = Expect { token_hash: Some(inv.token_hash.clone()), ..open() };
    let new_hash = Token::generate().hash();
    let change = Change { token_hash: Some(new_hash.clone()), ..to(Status::Pending) };
    match store.update(&acct, inv.id, &right, &change).await.unwrap() {
        UpdateOutcome::Updated(u) => assert_eq!(u.token_hash, new_hash),
        other => panic!("{other:?}"),
    }
}

async fn update_cooldown_on_last_sent(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "f@x.io");
    store.create(&inv).await.unwrap();
    let sent_at = Timestamp::now();
    let send = Change { attempt: true, sent: true, at: sent_at, ..to(Status::Pending) };
    // Never sent: no cooldown applies.
    let cut = Expect { last_sent_at_or_before: Some(sent_at.minus(Duration::from_secs(60))), ..open() };
    assert!(matches!(store.update(&acct, inv.id, &cut, &send).await.unwrap(), UpdateOutcome::Updated(_)));
    // Sent just now: a cut a minute ago refuses, a cut at the send time allows.
    assert!(
        matches!(store.update(&acct, inv.id, &cut, &send).await.unwrap(), UpdateOutcome::Mismatch(m) if m.last_sent_at == Some(sent_at))
    );
    let at = Expect { last_sent_at_or_before: Some(sent_at), ..open() };
    assert!(
        matches!(store.update(&acct, inv.id, &at, &send).await.unwrap(), UpdateOutcome::Updated(u) if u.send_count == 2)
    );
}

async fn counts_sends_and_keeps_due_times(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "g@x.io");
    store.create(&inv).await.unwrap();
    let at = Timestamp::from_millis(1_800_000_000_000);
    let claim = Change {
        at,
        attempt: true,
        sent: true,
        due: Due::At(at.plus(Duration::from_secs(3600))),
        ..to(Status::Pending)
    };
    store.update(&acct, inv.id, &open(), &claim).await.unwrap();
    let u = match store.update(&acct, inv.id, &open(), &claim).await.unwrap() {
        UpdateOutcome::Updated(u) => u,
        other => panic!("{other:?}"),
    };
    assert_eq!((u.send_count, u.last_sent_at, u.updated_at), (2, Some(at), at));
    assert_eq!(u.due_at, Some(at.plus(Duration::from_secs(3600))));
    // A write that keeps the due time leaves it; one that clears it takes the item out of the index.
    let keep = Change { at, ..to(Status::Pending) };
    match store.update(&acct, inv.id, &open(), &keep).await.unwrap() {
        UpdateOutcome::Updated(u) => {
            assert_eq!((u.due_at, u.send_count), (Some(at.plus(Duration::from_secs(3600))), 2))
        }
        other => panic!("{other:?}"),
    }
    let clear = Change { due: Due::Clear, ..to(Status::Processing) };
    match store.update(&acct, inv.id, &open(), &clear).await.unwrap() {
        UpdateOutcome::Updated(u) => assert_eq!((u.status, u.due_at, u.send_count), (Status::Processing, None, 2)),
        other => panic!("{other:?}"),
    }
    let due = store.due(at.plus(Duration::from_secs(7200)), None, 100).await.unwrap();
    assert!(due.items.iter().all(|i| i.id != inv.id), "a cleared due time leaves the due index");
    // Expiry guard.
    let not_expired = |t| Expect { expires_after: Some(t), ..open() };
    assert!(matches!(
        store.update(&acct, inv.id, &not_expired(inv.expires_at), &to(Status::Pending)).await.unwrap(),
        UpdateOutcome::Mismatch(_)
    ));
    let just_before = inv.expires_at.minus(Duration::from_millis(1));
    assert!(matches!(
        store.update(&acct, inv.id, &not_expired(just_before), &to(Status::Pending)).await.unwrap(),
        UpdateOutcome::Updated(_)
    ));
}

async fn the_due_index_returns_only_due_invitations_earliest_first_in_pages(store: Store) {
    let acct = account();
    // Far in the future, so invitations of other cases in the same store never count.
    let base = Timestamp::from_millis(4_000_000_000_000);
    let mut due = Vec::new();
    for i in 0..9u64 {
        let mut inv = invitation(&acct, &format!("due{i}@x.io"));
        // Due at base + i minutes, given in a scrambled order; the odd ones are not due yet at base + 4.5 min.
        let minute = (i * 5) % 9;
        inv.due_at = Some(base.plus(Duration::from_secs(60 * minute)));
        store.create(&inv).await.unwrap();
        if minute <= 4 {
            due.push((minute, inv.id));
        }
    }
    let closed = invitation(&acct, "closed@x.io");
    store.create(&closed).await.unwrap();
    store.update(&acct, closed.id, &open(), &Change { due: Due::Clear, ..to(Status::Cancelled) }).await.unwrap();
    due.sort();
    let now = base.plus(Duration::from_secs(270));
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.due(now, after.take(), 2).await.unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().filter(|i| i.account_id == acct).map(|i| i.id));
        match page.next {
            Some(k) => after = Some(k),
            None => break,
        }
    }
    assert_eq!(seen, due.iter().map(|(_, id)| *id).collect::<Vec<_>>(), "due ones only, earliest first");
}

async fn racing_creates_open_exactly_one(store: Store) {
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

async fn racing_cancels_win_once(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "h@x.io");
    store.create(&inv).await.unwrap();
    let results = join_all((0..20).map(|_| {
        let (store, acct) = (store.clone(), acct.clone());
        tokio::spawn(async move { store.update(&acct, inv.id, &open(), &to(Status::Cancelled)).await.unwrap() })
    }))
    .await;
    let won = results.iter().filter(|r| matches!(r.as_ref().unwrap(), UpdateOutcome::Updated(_))).count();
    let lost = results
        .iter()
        .filter(|r| matches!(r.as_ref().unwrap(), UpdateOutcome::Mismatch(m) if m.status == Status::Cancelled))
        .count();
    assert_eq!((won, lost), (1, 19));
}

async fn paging_returns_every_invitation_once_newest_first(store: Store) {
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

async fn paging_with_status_and_email_filters(store: Store) {
    let acct = account();
    let mut pending = Vec::new();
    for i in 0..12 {
        let inv = invitation(&acct, &format!("q{i}@x.io"));
        store.create(&inv).await.unwrap();
        if i % 3 == 0 {
            store.update(&acct, inv.id, &open(), &to(Status::Pending)).await.unwrap();
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
        store.update(&acct, inv.id, &open(), &to(Status::Cancelled)).await.unwrap();
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

async fn accounts_are_isolated(store: Store) {
    let (a, b) = (account(), account());
    let inv = invitation(&a, "iso@x.io");
    store.create(&inv).await.unwrap();
    // The same address in another account is another invitation.
    assert!(matches!(store.create(&invitation(&b, "iso@x.io")).await.unwrap(), CreateOutcome::Created));
    assert!(matches!(
        store.update(&b, inv.id, &open(), &to(Status::Cancelled)).await.unwrap(),
        UpdateOutcome::NotFound
    ));
    let page = store.list(&b, &ListQuery { limit: 100, ..Default::default() }).await.unwrap();
    assert!(page.items.iter().all(|i| i.account_id == b));
    assert_eq!(page.items.len(), 1);
    let q = ListQuery { limit: 100, after: Some(InvitationId::MAX), ..Default::default() };
    assert!(store.list(&b, &q).await.unwrap().items.iter().all(|i| i.account_id == b));
}

async fn cursors_are_bound_to_account_and_filter(store: Store) {
    use invitations::service::list::{list, ListError, ListRequest};
    use invitations::service::Deps;
    let acct = account();
    for i in 0..3 {
        store.create(&invitation(&acct, &format!("cur{i}@x.io"))).await.unwrap();
    }
    let deps =
        Deps { store: store.clone(), clock: Arc::new(invitations::clock::SystemClock), policy: Default::default() };
    let caller = |account: &AccountId| {
        let claims = [("sub", "u"), ("account_id", account.as_str()), ("roles", "owner")];
        invitations::domain::Caller::from_claims(&claims.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
            .unwrap()
    };
    let me = caller(&acct);
    let first = list(&deps, &me, acct.as_str(), ListRequest { limit: 2, ..Default::default() }).await.unwrap();
    let cursor = first.next_cursor.expect("a second page");
    let next = ListRequest { limit: 2, cursor: Some(cursor.clone()), ..Default::default() };
    let second = list(&deps, &me, acct.as_str(), next.clone()).await.unwrap();
    assert_eq!(second.invitations.len(), 1);
    let other = account();
    let stranger = caller(&other);
    assert!(matches!(list(&deps, &stranger, other.as_str(), next.clone()).await, Err(ListError::InvalidCursor)));
    let filtered = ListRequest { statuses: Some(vec![Status::Processing]), ..next };
    assert!(matches!(list(&deps, &me, acct.as_str(), filtered).await, Err(ListError::InvalidCursor)));
}

async fn idempotency_keys_claim_once_keep_answers_and_expire(store: Store) {
    use invitations::service::idempotency::{Claim, IdempotencyKey, Saved, Scope, CLAIM_LEASE, RETENTION};
    let acct = account();
    let key = IdempotencyKey::parse("k-1").unwrap();
    let scope = Scope { account: &acct, key: &key, fingerprint: "fp-a" };
    let now = Timestamp::from_millis(1_900_000_000_000);
    assert_eq!(store.claim(&scope, now).await.unwrap(), Claim::Claimed);
    let running = Claim::Existing { fingerprint: "fp-a".into(), saved: None };
    assert_eq!(store.claim(&scope, now).await.unwrap(), running);
    // Racing claims: one wins.
    let other_key = IdempotencyKey::parse("k-race").unwrap();
    let racers = join_all((0..10).map(|_| {
        let store = store.clone();
        let (acct, key) = (acct.clone(), other_key.clone());
        tokio::spawn(
            async move { store.claim(&Scope { account: &acct, key: &key, fingerprint: "f" }, now).await.unwrap() },
        )
    }))
    .await;
    assert_eq!(racers.iter().filter(|r| *r.as_ref().unwrap() == Claim::Claimed).count(), 1);
    // A finished answer is kept and given back.
    let saved = Saved { status: 201, body: "{\"results\":[]}".into() };
    store.complete(&scope, &saved, now).await.unwrap();
    let done = Claim::Existing { fingerprint: "fp-a".into(), saved: Some(saved) };
    assert_eq!(store.claim(&scope, now.plus(RETENTION.saturating_sub(Duration::from_secs(1)))).await.unwrap(), done);
    assert_eq!(store.claim(&scope, now.plus(RETENTION)).await.unwrap(), Claim::Claimed, "expired after 24 hours");
    // A claim abandoned by a dead request is taken over after its lease; a released one at once.
    let k2 = IdempotencyKey::parse("k-2").unwrap();
    let s2 = Scope { account: &acct, key: &k2, fingerprint: "fp-b" };
    assert_eq!(store.claim(&s2, now).await.unwrap(), Claim::Claimed);
    assert!(matches!(
        store.claim(&s2, now.plus(CLAIM_LEASE).minus(Duration::from_millis(1))).await.unwrap(),
        Claim::Existing { .. }
    ));
    assert_eq!(store.claim(&s2, now.plus(CLAIM_LEASE)).await.unwrap(), Claim::Claimed);
    store.release(&s2).await.unwrap();
    assert_eq!(store.claim(&s2, now.plus(CLAIM_LEASE)).await.unwrap(), Claim::Claimed);
    // Keys are per account.
    let elsewhere = account();
    assert_eq!(
        store.claim(&Scope { account: &elsewhere, key: &key, fingerprint: "fp-a" }, now).await.unwrap(),
        Claim::Claimed
    );
}
