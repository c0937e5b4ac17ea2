use super::*;
use crate::domain::idempotency::fingerprint;
use crate::domain::IdempotencyKey;
use crate::ports::store::Saved;
use crate::service::idempotency::{once, IdempotencyError, KEY_WAIT};
use std::sync::atomic::{AtomicU32, Ordering};

fn saved(status: u16, body: &str) -> Saved {
    Saved { status, body: body.into() }
}

#[tokio::test]
async fn a_key_runs_its_work_once_and_replays_the_answer() {
    let w = world();
    let acme = AccountId::parse("acme").unwrap();
    let key = IdempotencyKey::parse("k-1").unwrap();
    let fp = fingerprint("u1", b"{}");
    let runs = AtomicU32::new(0);
    let work = || async {
        runs.fetch_add(1, Ordering::SeqCst);
        saved(201, "first")
    };
    assert_eq!(once(&w.deps, &acme, &key, &fp, work).await.unwrap(), saved(201, "first"));
    let again = once(&w.deps, &acme, &key, &fp, || async { saved(201, "second") }).await.unwrap();
    assert_eq!(again, saved(201, "first"));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let other = once(&w.deps, &acme, &key, &fingerprint("u1", b"{ }"), || async { saved(201, "x") }).await;
    assert!(matches!(other, Err(IdempotencyError::OtherRequest)));
    // Keys are per account.
    let globex = AccountId::parse("globex").unwrap();
    assert_eq!(once(&w.deps, &globex, &key, &fp, || async { saved(201, "g") }).await.unwrap(), saved(201, "g"));
    // After the retention the key is free again.
    w.clock.advance(crate::ports::store::RETENTION);
    assert_eq!(once(&w.deps, &acme, &key, &fp, || async { saved(207, "later") }).await.unwrap(), saved(207, "later"));
}

#[tokio::test]
async fn a_5xx_gives_the_key_up_so_a_retry_runs_again() {
    let w = world();
    let acme = AccountId::parse("acme").unwrap();
    let key = IdempotencyKey::parse("k-2").unwrap();
    let fp = fingerprint("u1", b"{}");
    assert_eq!(once(&w.deps, &acme, &key, &fp, || async { saved(503, "down") }).await.unwrap().status, 503);
    assert_eq!(once(&w.deps, &acme, &key, &fp, || async { saved(201, "up") }).await.unwrap(), saved(201, "up"));
}

#[tokio::test]
async fn a_concurrent_retry_waits_for_the_first_answer() {
    let w = world();
    let acme = AccountId::parse("acme").unwrap();
    let key = IdempotencyKey::parse("k-3").unwrap();
    let fp = fingerprint("u1", b"{}");
    let (release, hold) = tokio::sync::oneshot::channel::<()>();
    let first = once(&w.deps, &acme, &key, &fp, || async {
        hold.await.unwrap();
        saved(201, "first")
    });
    let second = async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let waiting = once(&w.deps, &acme, &key, &fp, || async { saved(201, "second ran") });
        let _ = release.send(());
        waiting.await
    };
    let (a, b) = tokio::join!(first, second);
    assert_eq!(a.unwrap(), saved(201, "first"));
    assert_eq!(b.unwrap(), saved(201, "first"));
}

#[tokio::test(start_paused = true)]
async fn a_retry_gives_up_waiting_after_the_key_wait() {
    let w = world();
    let acme = AccountId::parse("acme").unwrap();
    let key = IdempotencyKey::parse("k-4").unwrap();
    let fp = fingerprint("u1", b"{}");
    let first = once(&w.deps, &acme, &key, &fp, || async {
        tokio::time::sleep(KEY_WAIT * 2).await;
        saved(201, "slow")
    });
    let second = async {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        once(&w.deps, &acme, &key, &fp, || async { saved(201, "never") }).await
    };
    let (a, b) = tokio::join!(first, second);
    assert_eq!(a.unwrap(), saved(201, "slow"));
    assert!(matches!(b, Err(IdempotencyError::StillRunning)), "{b:?}");
}
