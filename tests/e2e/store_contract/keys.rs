//! Idempotency records: one claim wins, a finished answer is kept for the retention time, an abandoned
//! claim is taken over after its lease.
use super::{account, Store};
use futures::future::join_all;
use invitations::domain::{IdempotencyKey, Timestamp};
use invitations::ports::store::{Claim, Saved, Scope, CLAIM_LEASE, RETENTION};
use std::time::Duration;

pub(super) async fn idempotency_keys_claim_once_keep_answers_and_expire(store: Store) {
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

/// Answers of any size the API can give come back whole: a short one, a large one that compresses well,
/// and one past what one DynamoDB item holds even compressed.
pub(super) async fn idempotency_keeps_answers_of_any_size(store: Store) {
    let acct = account();
    let now = Timestamp::from_millis(1_900_000_000_000);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: String = (0..1_500_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'!' + (x % 94) as u8)
        })
        .collect();
    let bodies = ["{}".to_owned(), "{\"results\":[{\"invitee\":\"ann@x.io\"}]}".repeat(40_000), noise];
    for (i, body) in bodies.into_iter().enumerate() {
        let key = IdempotencyKey::parse(&format!("size-{i}")).unwrap();
        let scope = Scope { account: &acct, key: &key, fingerprint: "fp" };
        assert_eq!(store.claim(&scope, now).await.unwrap(), Claim::Claimed);
        let saved = Saved { status: 207, body };
        store.complete(&scope, &saved, now).await.unwrap();
        let kept = store.claim(&scope, now).await.unwrap();
        assert!(
            kept == Claim::Existing { fingerprint: "fp".into(), saved: Some(saved) },
            "answer {i} comes back whole"
        );
    }
}
