//! `Idempotency-Key`: a retried request within 24 hours gets the first answer again, byte for byte, and
//! nothing runs twice. A key is claimed with one conditional write, so of concurrent requests with one
//! key exactly one runs; the others wait a little for its answer.
use super::Deps;
use crate::domain::{AccountId, IdempotencyKey};
use crate::ports::store::{Claim, Saved, Scope};
use crate::ports::StoreError;
use std::future::Future;
use std::time::Duration;

/// How long a request waits for another one running with its key.
pub const KEY_WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    #[error("this Idempotency-Key was used with another request")]
    OtherRequest,
    #[error("a request with this Idempotency-Key is still running; retry later")]
    StillRunning,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Runs `work` unless this (account, key) already has an answer, and keeps the answer it gives: any but
/// a 5xx or a 429, which a retry may cure (an answer that changed nothing and says "not now"), so
/// those give the key up instead.
pub async fn once<F, Fut>(
    deps: &Deps,
    account: &AccountId,
    key: &IdempotencyKey,
    fingerprint: &str,
    work: F,
) -> Result<Saved, IdempotencyError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Saved>,
{
    let scope = Scope { account, key, fingerprint };
    let give_up = tokio::time::Instant::now() + KEY_WAIT;
    loop {
        match deps.store.claim(&scope, deps.clock.now()).await? {
            Claim::Claimed => break,
            Claim::Existing { fingerprint: theirs, .. } if theirs != fingerprint => {
                return Err(IdempotencyError::OtherRequest)
            }
            Claim::Existing { saved: Some(saved), .. } => return Ok(saved),
            Claim::Existing { saved: None, .. } if tokio::time::Instant::now() < give_up => {
                tokio::time::sleep(POLL).await;
            }
            Claim::Existing { saved: None, .. } => return Err(IdempotencyError::StillRunning),
        }
    }
    let saved = work().await;
    let kept = if saved.status >= 500 || saved.status == 429 {
        deps.store.release(&scope).await
    } else {
        deps.store.complete(&scope, &saved, deps.clock.now()).await
    };
    if let Err(e) = kept {
        tracing::warn!(error = %crate::logging::chain(&e), "could not keep the answer for Idempotency-Key retries");
    }
    Ok(saved)
}
