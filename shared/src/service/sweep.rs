//! The scheduled sweep: re-sends stale pending invitations, expires old ones, retries stuck ones. It
//! reads only due invitations, from the sparse due index, its shards at once and each page by page, and
//! every change is a conditional write on what it read, so two sweeps at once, or a sweep racing a
//! cancel or a manual resend, send each email at most once.
use super::{Deps, Notifier};
use crate::domain::{Invitation, Timestamp, Token};
use crate::ports::store::{DueShard, UpdateOutcome};
use crate::ports::StoreError;
use crate::rules::{self, DueAction, Transition};
use futures::{stream, StreamExt};
use serde::Serialize;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

const PAGE: u32 = 25;
const CONCURRENCY: usize = 8;
/// Shards read at once; their invitations share the [`CONCURRENCY`] slots.
const SHARDS_AT_ONCE: usize = 8;
/// Time for what the bounds below leave out: reading the next page, scheduling, the clock's drift.
const CLAIM_SLACK: Duration = Duration::from_secs(5);

/// How much of the invocation must be left for the sweep to claim one more invitation: a claim's worst
/// case is its write, the send with all its retries, and the write that marks it sent or hands it
/// back. A claimed invitation cut off before the end would wait for its next due time.
pub fn claim_margin(deps: &Deps, notifier: &Notifier) -> Duration {
    2 * deps.store.longest_write() + notifier.mailer.longest_send() + CLAIM_SLACK
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub resent: u32,
    pub expired: u32,
    pub failed: u32,
    pub retried: u32,
    /// Due-index entries read.
    pub read: usize,
    /// Due-index entries skipped because they do not read as invitations; they stay for a person to mend.
    pub unreadable: usize,
    /// False when the run stopped for time; the next run continues with what is still due.
    pub complete: bool,
}

enum Swept {
    Resent,
    Expired,
    Failed,
    Retried,
    /// Rescheduled, skipped, lost a race, or its send was refused (it is due again later).
    Nothing,
    /// Not touched: too little time was left. It stays due for the next run.
    Deferred,
}

pub async fn sweep(deps: &Deps, notifier: &Notifier, deadline: Option<Instant>) -> Result<Summary, StoreError> {
    let run = Run {
        deps,
        notifier,
        now: deps.clock.now(),
        margin: claim_margin(deps, notifier),
        deadline,
        slots: Semaphore::new(CONCURRENCY),
    };
    // Every shard runs to its end even when another fails: stopping a shard mid-page would cut off
    // emails it has already claimed.
    let shards: Vec<Result<Summary, StoreError>> =
        stream::iter(DueShard::all()).map(|shard| run.shard(shard)).buffer_unordered(SHARDS_AT_ONCE).collect().await;
    let mut summary = Summary { complete: true, ..Summary::default() };
    for shard in shards {
        summary.add(shard?);
    }
    Ok(summary)
}

/// One sweep's shared state: its start, its deadline and the slots its invitations are handled in.
struct Run<'a> {
    deps: &'a Deps,
    notifier: &'a Notifier,
    now: Timestamp,
    margin: Duration,
    deadline: Option<Instant>,
    /// Invitations in hand at once across all shards, so the number of emails in flight does not grow
    /// with the shard count.
    slots: Semaphore,
}

impl Run<'_> {
    fn short_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| d.saturating_duration_since(Instant::now()) < self.margin)
    }

    /// One shard, page by page, until it has nothing due or time runs short.
    async fn shard(&self, shard: DueShard) -> Result<Summary, StoreError> {
        let mut summary = Summary::default();
        let mut after = None;
        loop {
            if self.short_of_time() {
                return Ok(summary);
            }
            let page = self.deps.store.due(self.now, shard, after.take(), PAGE).await?;
            summary.read += page.read;
            summary.unreadable += page.unreadable;
            let results: Vec<Swept> = stream::iter(page.items)
                .map(|inv| async move {
                    // The semaphore is never closed, so this is always a permit, held until the item is done.
                    let _slot = self.slots.acquire().await;
                    if self.short_of_time() {
                        return Swept::Deferred;
                    }
                    sweep_one(self.deps, self.notifier, inv, self.now).await
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            let deferred = results.iter().any(|r| matches!(r, Swept::Deferred));
            for r in results {
                match r {
                    Swept::Resent => summary.resent += 1,
                    Swept::Expired => summary.expired += 1,
                    Swept::Failed => summary.failed += 1,
                    Swept::Retried => summary.retried += 1,
                    Swept::Nothing | Swept::Deferred => {}
                }
            }
            match page.next {
                _ if deferred => return Ok(summary),
                Some(next) => after = Some(next),
                None => {
                    summary.complete = true;
                    return Ok(summary);
                }
            }
        }
    }
}

async fn sweep_one(deps: &Deps, notifier: &Notifier, inv: Invitation, now: Timestamp) -> Swept {
    match try_sweep_one(deps, notifier, &inv, now).await {
        Ok(s) => s,
        Err(e) => {
            // One item's failure must not stop the rest; it stays due for the next run.
            tracing::warn!(invitation = %inv.id, error = %crate::logging::chain(&e), "sweep could not handle an invitation");
            Swept::Nothing
        }
    }
}

async fn try_sweep_one(
    deps: &Deps,
    notifier: &Notifier,
    inv: &Invitation,
    now: Timestamp,
) -> Result<Swept, StoreError> {
    let token = Token::generate();
    let store = &deps.store;
    let write = |t: Transition| async move { store.update(&inv.account_id, inv.id, &t).await };
    Ok(match rules::due_action(inv, now, token.hash(), &deps.policy) {
        DueAction::Skip => Swept::Nothing,
        DueAction::Expire(t) => won(write(t).await?).map_or(Swept::Nothing, |_| Swept::Expired),
        DueAction::Fail(t) => won(write(t).await?).map_or(Swept::Nothing, |_| Swept::Failed),
        DueAction::Reschedule(t) => {
            write(t).await?;
            Swept::Nothing
        }
        DueAction::Retry(t) => {
            let Some(claimed) = won(write(t).await?) else { return Ok(Swept::Nothing) };
            if notifier.deliver(&claimed, &token).await.is_err() {
                // Still processing: due again after the processing timeout, which counts the failed attempt.
                return Ok(Swept::Nothing);
            }
            write(rules::sent(&claimed, deps.clock.now(), &deps.policy)).await?;
            Swept::Retried
        }
        DueAction::Resend(t) => {
            let Some(claimed) = won(write(t).await?) else { return Ok(Swept::Nothing) };
            if notifier.deliver(&claimed, &token).await.is_err() {
                write(rules::unsent(claimed.token_hash.clone(), deps.clock.now(), &deps.policy)).await?;
                return Ok(Swept::Nothing);
            }
            Swept::Resent
        }
    })
}

fn won(outcome: UpdateOutcome) -> Option<Invitation> {
    match outcome {
        UpdateOutcome::Updated(inv) => Some(inv),
        UpdateOutcome::Mismatch(_) | UpdateOutcome::NotFound => None,
    }
}

impl Summary {
    /// Adds one shard's counts; the sweep is complete only if every shard is.
    fn add(&mut self, shard: Summary) {
        self.resent += shard.resent;
        self.expired += shard.expired;
        self.failed += shard.failed;
        self.retried += shard.retried;
        self.read += shard.read;
        self.unreadable += shard.unreadable;
        self.complete &= shard.complete;
    }

    /// The counts as one CloudWatch Embedded Metric Format line.
    pub fn emf(&self, at: Timestamp) -> serde_json::Value {
        let metrics: Vec<_> = ["resent", "expired", "failed", "retried", "unreadable"]
            .iter()
            .map(|m| serde_json::json!({"Name": m, "Unit": "Count"}))
            .collect();
        serde_json::json!({
            "_aws": {"Timestamp": at.millis(), "CloudWatchMetrics": [{"Namespace": "Invitations", "Dimensions": [["Operation"]], "Metrics": metrics}]},
            "Operation": "sweep",
            "resent": self.resent, "expired": self.expired, "failed": self.failed, "retried": self.retried,
            "unreadable": self.unreadable
        })
    }
}
