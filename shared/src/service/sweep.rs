//! The scheduled sweep (SPEC §8): re-sends stale pending invitations, expires old ones, retries stuck
//! ones. It reads only due invitations, from the sparse due index, page by page, and every change is a
//! conditional write on what it read, so two sweeps at once, or a sweep racing a cancel or a manual
//! resend, send each email at most once.
use super::{Deps, Sender};
use crate::domain::{Timestamp, Token};
use crate::rules::{self, SweepAction};
use crate::store::{Invitation, StoreError, UpdateOutcome};
use futures::{stream, StreamExt};
use serde::Serialize;
use std::time::Duration;
use tokio::time::Instant;

const PAGE: u32 = 25;
const CONCURRENCY: usize = 8;
/// No claim is made with less than this left of the invocation: a claimed invitation's email must go
/// out (or be handed back) before the function is stopped, or it would wait for its next due time.
pub const CLAIM_MARGIN: Duration = Duration::from_secs(crate::aws::SES_OPERATION_TIMEOUT.as_secs() + 5);

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub resent: u32,
    pub expired: u32,
    pub failed: u32,
    pub retried: u32,
    /// Due-index entries read.
    pub read: usize,
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

pub async fn sweep(deps: &Deps, sender: &Sender, deadline: Option<Instant>) -> Result<Summary, StoreError> {
    let now = deps.clock.now();
    let mut summary = Summary::default();
    let mut after = None;
    let short_of_time = || deadline.is_some_and(|d| d.saturating_duration_since(Instant::now()) < CLAIM_MARGIN);
    loop {
        if short_of_time() {
            return Ok(summary);
        }
        let page = deps.store.due(now, after.take(), PAGE).await?;
        summary.read += page.read;
        let results: Vec<Swept> = stream::iter(page.items)
            .map(|inv| async move {
                if short_of_time() {
                    return Swept::Deferred;
                }
                sweep_one(deps, sender, inv, now).await
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

async fn sweep_one(deps: &Deps, sender: &Sender, inv: Invitation, now: Timestamp) -> Swept {
    match try_sweep_one(deps, sender, &inv, now).await {
        Ok(s) => s,
        Err(e) => {
            // One item's failure must not stop the rest; it stays due for the next run.
            tracing::warn!(invitation = %inv.id, error = %crate::logging::chain(&e), "sweep could not handle an invitation");
            Swept::Nothing
        }
    }
}

async fn try_sweep_one(deps: &Deps, sender: &Sender, inv: &Invitation, now: Timestamp) -> Result<Swept, StoreError> {
    let token = Token::generate();
    let store = &deps.store;
    let write = |expect, change| async move { store.update(&inv.account_id, inv.id, &expect, &change).await };
    Ok(match rules::sweep(inv, now, token.hash(), &deps.policy) {
        SweepAction::Skip => Swept::Nothing,
        SweepAction::Expire(e, c) => won(write(e, c).await?).map_or(Swept::Nothing, |_| Swept::Expired),
        SweepAction::Fail(e, c) => won(write(e, c).await?).map_or(Swept::Nothing, |_| Swept::Failed),
        SweepAction::Reschedule(e, c) => {
            write(e, c).await?;
            Swept::Nothing
        }
        SweepAction::Retry(e, c) => {
            let Some(claimed) = won(write(e, c).await?) else { return Ok(Swept::Nothing) };
            if sender.deliver(&claimed, &token).await.is_err() {
                // Still processing, with this attempt counted: due again after the processing timeout.
                return Ok(Swept::Nothing);
            }
            let (e, c) = rules::sent(&claimed, deps.clock.now(), &deps.policy);
            write(e, c).await?;
            Swept::Retried
        }
        SweepAction::Resend(e, c) => {
            let Some(claimed) = won(write(e, c).await?) else { return Ok(Swept::Nothing) };
            if sender.deliver(&claimed, &token).await.is_err() {
                let (e, c) = rules::unsent(claimed.token_hash.clone(), deps.clock.now(), &deps.policy);
                write(e, c).await?;
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
    /// The counts as one CloudWatch Embedded Metric Format line.
    pub fn emf(&self, at: Timestamp) -> serde_json::Value {
        let metrics: Vec<_> = ["resent", "expired", "failed", "retried"]
            .iter()
            .map(|m| serde_json::json!({"Name": m, "Unit": "Count"}))
            .collect();
        serde_json::json!({
            "_aws": {"Timestamp": at.millis(), "CloudWatchMetrics": [{"Namespace": "Invitations", "Dimensions": [["Operation"]], "Metrics": metrics}]},
            "Operation": "sweep",
            "resent": self.resent, "expired": self.expired, "failed": self.failed, "retried": self.retried
        })
    }
}
