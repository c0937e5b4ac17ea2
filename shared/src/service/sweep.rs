//! The scheduled sweep: re-sends stale pending invitations, expires old ones, retries stuck ones. It
//! reads only due invitations, from the sparse due index, its shards at once and each page by page, and
//! every change is a conditional write on what it read, so two sweeps at once, or a sweep racing a
//! cancel or a manual resend, send each email at most once.
use super::claim::{act, won, Swept};
use super::pace::{self, Deadline};
use super::{Deps, Notifier};
use crate::domain::{Invitation, Timestamp, Token};
use crate::ports::store::DueShard;
use crate::ports::{QueuedSend, StoreError};
use crate::rules::{self, DueAction};
use futures::{stream, StreamExt};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::time::Instant;

const PAGE: u32 = 25;
const CONCURRENCY: usize = 8;
/// Shards read at once; their invitations share the [`CONCURRENCY`] slots.
const SHARDS_AT_ONCE: usize = 8;
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub resent: u32,
    pub expired: u32,
    pub failed: u32,
    pub retried: u32,
    /// Emails with no slot in this run, handed to the paced sender.
    pub handed_on: u32,
    /// Due-index entries read.
    pub read: usize,
    /// Due-index entries skipped because they do not read as invitations; they stay for a person to mend.
    pub unreadable: usize,
    /// False when the run stopped for time; the next run continues with what is still due.
    pub complete: bool,
}

pub async fn sweep(deps: &Deps, notifier: &Notifier, deadline: Option<Instant>) -> Result<Summary, StoreError> {
    let run = Run {
        deps,
        notifier,
        now: deps.clock.now(),
        deadline: Deadline::new(deadline, super::claim::claim_margin(deps, notifier)),
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
    deadline: Deadline,
    /// Invitations in hand at once across all shards, so the number of emails in flight does not grow
    /// with the shard count.
    slots: Semaphore,
}

impl Run<'_> {
    fn in_time(&self, slot: Timestamp) -> bool {
        self.deadline.allows(self.deps.clock.now(), slot)
    }

    /// Each invitation's action, with a slot of the send schedule for each that sends, reserved in one
    /// write for the page within [`pace::SENDER_AHEAD`]: those beyond go to the paced sender.
    async fn plan(&self, items: Vec<Invitation>) -> Result<Vec<(Invitation, Token, DueAction, Turn)>, StoreError> {
        let planned: Vec<(Invitation, Token, DueAction)> = items
            .into_iter()
            .map(|inv| {
                let token = Token::generate();
                let action = rules::due_action(&inv, self.now, token.hash(), &self.deps.policy);
                (inv, token, action)
            })
            .collect();
        let count = planned.iter().filter(|(_, _, a)| sends(a)).count();
        let mut slots =
            pace::reserve(self.deps, self.notifier, count, pace::sender_last(self.deps)).await?.slots.into_iter();
        Ok(planned
            .into_iter()
            .map(|(inv, token, action)| {
                let turn = match sends(&action) {
                    false => Turn::NoEmail,
                    true => slots.next().map_or(Turn::Queue, Turn::Slot),
                };
                (inv, token, action, turn)
            })
            .collect())
    }

    /// An email with no slot in this run goes to the paced sender, `processing` and named for its
    /// message until then: a stuck invitation claimed in the same write (its failed attempt counted
    /// here, as the sweep counts them), a stale one as it is, its link still working until the sender
    /// claims it. Either is due again a processing timeout after its slot, or after when it is expected
    /// in its account's lane.
    async fn hand_on(&self, inv: &Invitation, action: DueAction, slot: Option<Timestamp>) -> Swept {
        let at = match slot {
            Some(slot) => slot,
            None => match pace::expect(self.deps, self.notifier, &inv.account_id, 1).await {
                Ok(lane) => lane.at[0],
                Err(e) => {
                    tracing::warn!(invitation = %inv.id, error = %crate::logging::chain(&e), "sweep could not hand an invitation on");
                    return Swept::Nothing;
                }
            },
        };
        let policy = &self.deps.policy;
        let write = match action {
            DueAction::Retry(claim) => rules::retry_later(claim, at, policy),
            _ => rules::queued(inv, at, policy),
        };
        match self.deps.store.update(&inv.account_id, inv.id, &write).await.map(won) {
            Ok(Some(_)) if slot.is_some() => Swept::HandedOn(QueuedSend::held(inv.account_id.clone(), inv.id, at)),
            Ok(Some(_)) => Swept::HandedOn(QueuedSend::expected(inv.account_id.clone(), inv.id, at)),
            Ok(None) => Swept::Nothing,
            Err(e) => {
                tracing::warn!(invitation = %inv.id, error = %crate::logging::chain(&e), "sweep could not hand an invitation on");
                Swept::Nothing
            }
        }
    }

    /// One shard, page by page, until it has nothing due or time runs short.
    async fn shard(&self, shard: DueShard) -> Result<Summary, StoreError> {
        let mut summary = Summary::default();
        let mut after = None;
        loop {
            if self.deadline.short() {
                return Ok(summary);
            }
            let page = self.deps.store.due(self.now, shard, after.take(), PAGE).await?;
            summary.read += page.read;
            summary.unreadable += page.unreadable;
            let planned = self.plan(page.items).await?;
            let results: Vec<Swept> = stream::iter(planned)
                .map(|(inv, token, action, turn)| async move {
                    // Waiting for its slot holds no permit, or items waiting for far slots (other shards')
                    // would keep those with near ones from theirs. Claimed just before the slot, so no one
                    // else's claim can come between it and the send.
                    match turn {
                        Turn::Slot(slot) if self.in_time(slot) => {
                            pace::wait_for(self.deps, slot.minus(pace::LEAD)).await
                        }
                        _ => {}
                    }
                    // The semaphore is never closed, so this is always a permit, held until the item is done.
                    let _permit = self.slots.acquire().await;
                    if self.deadline.short() {
                        return Swept::Deferred;
                    }
                    match turn {
                        Turn::Slot(slot) if !self.in_time(slot) => self.hand_on(&inv, action, Some(slot)).await,
                        Turn::Slot(slot) => {
                            act(self.deps, self.notifier, &inv, &token, action, Some(slot), &self.deadline).await
                        }
                        Turn::Queue => self.hand_on(&inv, action, None).await,
                        Turn::NoEmail => {
                            act(self.deps, self.notifier, &inv, &token, action, None, &self.deadline).await
                        }
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            let deferred = results.iter().any(|r| matches!(r, Swept::Deferred));
            let mut queued = Vec::new();
            for r in results {
                match r {
                    Swept::Resent => summary.resent += 1,
                    Swept::Expired => summary.expired += 1,
                    Swept::Failed => summary.failed += 1,
                    Swept::Retried => summary.retried += 1,
                    Swept::HandedOn(send) => queued.push(send),
                    Swept::Nothing | Swept::Deferred => {}
                }
            }
            if pace::hand_on(self.deps, self.notifier, &queued).await {
                summary.handed_on += queued.len() as u32;
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

/// Where a due invitation's email goes in this run.
#[derive(Debug, Clone, Copy)]
enum Turn {
    /// It sends none.
    NoEmail,
    /// In this slot of the schedule.
    Slot(Timestamp),
    /// To the paced sender: no slot was free within [`pace::SENDER_AHEAD`].
    Queue,
}

/// Whether an action sends an email, and so needs a slot.
fn sends(action: &DueAction) -> bool {
    matches!(action, DueAction::Retry(_) | DueAction::Resend(_))
}

impl Summary {
    /// Adds one shard's counts; the sweep is complete only if every shard is.
    fn add(&mut self, shard: Summary) {
        self.resent += shard.resent;
        self.expired += shard.expired;
        self.failed += shard.failed;
        self.retried += shard.retried;
        self.handed_on += shard.handed_on;
        self.read += shard.read;
        self.unreadable += shard.unreadable;
        self.complete &= shard.complete;
    }
}
