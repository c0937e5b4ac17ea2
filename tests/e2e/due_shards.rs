//! The due index spread over shards, on DynamoDB Local: what the items hold, and that nothing written
//! before the shards or under another shard count is lost to the sweep.
use aws_sdk_dynamodb::types::AttributeValue;
use e2e::{all_items, sent_invitation, Backend};
use futures::StreamExt;
use invitations::adapters::dynamo::{due_partition, DynamoStore};
use invitations::domain::{AccountId, Invitation, Token};
use invitations::ports::clock::Clock;
use invitations::ports::store::{DueShard, DueShards};
use invitations::service::sweep::{sweep, Summary};
use invitations::service::Deps;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

/// `n` pending invitations of a new account, last sent 73 hours ago and due an hour ago: each one
/// stale, so a sweep re-sends it.
fn stale(b: &Backend, n: usize, prefix: &str) -> Vec<Invitation> {
    let now = b.clock.now();
    let account = AccountId::parse(&e2e::unique("acct")).unwrap();
    (0..n)
        .map(|i| {
            let inv = sent_invitation(&account, &format!("{prefix}{i}@x.io"), now.minus(73 * HOUR), now.minus(HOUR));
            Invitation { expires_at: now.plus(240 * HOUR), ..inv }
        })
        .collect()
}

/// The backend's use cases on a store that spreads new due entries over `count` shards.
fn with_shards(b: &Backend, count: u16) -> Deps {
    let store = DynamoStore::new(b.db.clone(), &b.table).with_due_shards(DueShards::new(count).unwrap());
    Deps { store: Arc::new(store), ..b.deps.clone() }
}

async fn create_all(deps: &Deps, invs: &[Invitation]) {
    futures::stream::iter(invs)
        .for_each_concurrent(16, |inv| async move {
            deps.store.create(inv).await.unwrap();
        })
        .await;
}

/// Each stored invitation's `due_pk`, by its `sk`.
async fn due_keys(b: &Backend) -> BTreeMap<String, String> {
    all_items(&b.db, &b.table)
        .await
        .into_iter()
        .filter_map(|item| {
            let get = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
            Some((get("sk")?, get("due_pk")?))
        })
        .collect()
}

/// Asserts every invitation got exactly one email from the sweeps.
fn each_once(b: &Backend, invs: &[Invitation]) {
    for inv in invs {
        assert_eq!(b.mail.accepted_to(inv.email.as_str()), 1, "{} is sent once", inv.email.as_str());
    }
    assert_eq!(b.mail.accepted().len(), invs.len());
}

async fn swept(deps: &Deps, b: &Backend) -> Summary {
    sweep(deps, &b.notifier, None).await.unwrap()
}

#[tokio::test]
async fn due_entries_spread_over_shards_and_keep_their_shard_for_life() {
    let b = Backend::new().await;
    let invs = stale(&b, 320, "spread");
    create_all(&b.deps, &invs).await;
    let before = due_keys(&b).await;
    let values: BTreeSet<&String> = before.values().collect();
    assert_eq!(values.len(), 16, "320 due invitations over the 16 default shards: {values:?}");
    for inv in &invs {
        let expected = due_partition(DueShards::DEFAULT.of(inv.id));
        assert_eq!(before[&format!("INV#{}", inv.id)], expected, "the shard follows from the id");
    }
    let s = swept(&b.deps, &b).await;
    assert_eq!((s.resent, s.read, s.complete), (320, 320, true), "{s:?}");
    each_once(&b, &invs);
    assert_eq!(due_keys(&b).await, before, "a resend moves the due time, never the shard");
}

#[tokio::test]
async fn entries_written_before_shards_are_still_swept() {
    let b = Backend::new().await;
    let invs = stale(&b, 30, "legacy");
    create_all(&b.deps, &invs).await;
    // Half of them as the release before shards wrote them: every due entry under one value.
    for inv in invs.iter().step_by(2) {
        b.db.update_item()
            .table_name(&b.table)
            .key("pk", AttributeValue::S(format!("ACCOUNT#{}", inv.account_id)))
            .key("sk", AttributeValue::S(format!("INV#{}", inv.id)))
            .update_expression("SET due_pk = :legacy")
            .expression_attribute_values(":legacy", AttributeValue::S("due".into()))
            .send()
            .await
            .unwrap();
    }
    // One that release created and had not sent yet: no due key at all until it becomes due.
    let unsent = stale(&b, 1, "unsent").remove(0);
    let unsent = Invitation { due_at: None, ..unsent };
    b.deps.store.create(&unsent).await.unwrap();
    let key = |k: &str| AttributeValue::S(k.to_owned());
    b.db.update_item()
        .table_name(&b.table)
        .key("pk", key(&format!("ACCOUNT#{}", unsent.account_id)))
        .key("sk", key(&format!("INV#{}", unsent.id)))
        .update_expression("REMOVE due_pk")
        .send()
        .await
        .unwrap();
    // Claimed by a resend whose email SES refused: a write that sets a due time on such an item.
    let claim = invitations::rules::resend(b.clock.now(), Token::generate().hash(), &b.deps.policy);
    b.deps.store.update(&unsent.account_id, unsent.id, &claim).await.unwrap();
    assert_eq!(due_keys(&b).await[&format!("INV#{}", unsent.id)], due_partition(DueShard::Legacy));

    b.clock.advance(Duration::from_secs(301));
    let s = swept(&b.deps, &b).await;
    assert_eq!((s.resent, s.retried, s.complete), (30, 1, true), "{s:?}");
    each_once(&b, &[invs.as_slice(), &[unsent]].concat());
    let legacy = due_keys(&b).await.values().filter(|v| *v == "due").count();
    assert_eq!(legacy, 16, "items keep the legacy partition until they close");
    assert_eq!(swept(&b.deps, &b).await.read, 0, "nothing is due twice");
}

#[tokio::test]
async fn changing_the_shard_count_loses_nothing() {
    let b = Backend::new().await;
    let (one, all) = (stale(&b, 20, "one"), stale(&b, 40, "all"));
    create_all(&with_shards(&b, 1), &one).await;
    create_all(&with_shards(&b, DueShards::MAX), &all).await;
    let keys = due_keys(&b).await;
    let used: BTreeSet<&String> = all.iter().map(|inv| &keys[&format!("INV#{}", inv.id)]).collect();
    assert!(used.len() > 16, "40 entries under 32 shards reach past the 16 a smaller count uses: {used:?}");
    // Down to 4: every entry written under 1 and under 32 shards is read, once.
    let four = with_shards(&b, 4);
    let s = swept(&four, &b).await;
    assert_eq!((s.resent, s.read, s.complete), (60, 60, true), "{s:?}");
    each_once(&b, &[one, all].concat());
}
