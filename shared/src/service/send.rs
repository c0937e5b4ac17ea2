//! The paced sender: emails handed on by a request or the sweep, each sent in its slot. An email that
//! holds a slot and arrives in time for it keeps it; the others (expected ones, late ones) reserve
//! theirs together when they arrive, so the queue's delivery times never waste a slot. One whose slot is
//! beyond the invocation goes back to the queue holding it, and the send itself is claimed, sent and
//! marked as the sweep does it, so a message delivered twice sends one email.
use super::claim::{act, send_claimed, won, Swept};
use super::{pace, Deps, Notifier};
use crate::domain::{Status, Timestamp, Token};
use crate::ports::{QueueError, QueuedSend, StoreError};
use crate::rules::{self, DueAction};
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Its email was accepted.
    Sent,
    /// Its slot was beyond this invocation: queued again holding that slot.
    Requeued,
    /// Nothing to send (sent, cancelled or accepted since), or the send was refused (the sweep retries).
    Nothing,
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The schedule could not be reached for a slot; the cause is logged once for the batch.
    #[error("no send slot could be reserved")]
    NoSlot,
}

/// Sends a batch of handed-on emails, each in its slot, all at once, and answers each one's outcome in
/// order. `deadline` is the invocation's; `margin` what a claim, a send and a mark need before it. An
/// error leaves its message to the queue's redelivery.
pub async fn send_queued(
    deps: &Deps,
    notifier: &Notifier,
    msgs: &[QueuedSend],
    deadline: Option<Instant>,
    margin: Duration,
) -> Vec<Result<Delivery, SendError>> {
    let now = deps.clock.now();
    let keeps = |m: &QueuedSend| m.held && now <= m.at().plus(pace::LATE);
    let needed = msgs.iter().filter(|m| !keeps(m)).count();
    let mut fresh = match pace::reserve(deps, notifier, needed).await {
        Ok(slots) => slots,
        Err(e) => {
            tracing::warn!(emails = needed, error = %crate::logging::chain(&e), "no send slots; SQS delivers them again");
            Vec::new()
        }
    }
    .into_iter();
    let slots: Vec<Option<Timestamp>> =
        msgs.iter().map(|m| if keeps(m) { Some(m.at()) } else { fresh.next() }).collect();
    let sends = msgs.iter().zip(slots).map(|(msg, slot)| async move {
        let slot = slot.ok_or(SendError::NoSlot)?;
        send_one(deps, notifier, msg, slot, deadline, margin).await
    });
    futures::future::join_all(sends).await
}

/// Sends one handed-on email in `slot`, or queues it again holding the slot if that is beyond the
/// invocation.
async fn send_one(
    deps: &Deps,
    notifier: &Notifier,
    msg: &QueuedSend,
    slot: Timestamp,
    deadline: Option<Instant>,
    margin: Duration,
) -> Result<Delivery, SendError> {
    let wait = deps.clock.now().until(slot);
    if deadline.is_some_and(|d| d.saturating_duration_since(Instant::now()) < margin + wait) {
        let again = QueuedSend::held(msg.account.clone(), msg.invitation, slot);
        let queue = notifier.pacing.as_ref().map(|p| p.queue.clone());
        if let Some(queue) = queue {
            queue.hand_on(&[again], deps.clock.now()).await?;
            return Ok(Delivery::Requeued);
        }
    }
    pace::wait_for(deps, slot.minus(pace::LEAD)).await;
    let Some(inv) = deps.store.get(&msg.account, msg.invitation).await? else { return Ok(Delivery::Nothing) };
    let now = deps.clock.now();
    let token = Token::generate();
    let sent = match inv.status {
        // New, or claimed by a sweep that handed it on: claimed again here, right before the send.
        Status::Processing => {
            let claim = rules::claim_queued(&inv, now, token.hash(), &deps.policy);
            match won(deps.store.update(&inv.account_id, inv.id, &claim).await?) {
                Some(claimed) => send_claimed(deps, notifier, &claimed, &token, Some(slot)).await?,
                None => false,
            }
        }
        // A stale invitation the sweep handed on: resent only if it is still due.
        Status::Pending => match rules::due_action(&inv, now, token.hash(), &deps.policy) {
            action @ DueAction::Resend(_) => {
                matches!(act(deps, notifier, &inv, &token, action, Some(slot)).await, Swept::Resent)
            }
            _ => false,
        },
        _ => false,
    };
    Ok(if sent { Delivery::Sent } else { Delivery::Nothing })
}
