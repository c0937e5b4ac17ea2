//! The paced sender: emails handed on by a request or the sweep, each sent in its slot. An email that
//! holds a slot and arrives in time for it keeps it; the others (expected ones, late ones) reserve
//! theirs together when they arrive, so the queue's delivery times never waste a slot. The invitation
//! names the message it was handed on with (`handed_on`): only that message may claim it, once, in the
//! claim's one conditional write, so a message delivered twice, or again after a crash, sends one email.
//! One whose slot is beyond the invocation goes back to the queue holding it, the slot recorded first
//! when it is a new one, so the sweep waits for it.
use super::claim::{send_claimed, won, Sending};
use super::pace::{self, Deadline};
use super::{Deps, Notifier};
use crate::domain::{Timestamp, Token};
use crate::ports::{QueueError, QueuedSend, StoreError};
use crate::rules;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Its email was accepted.
    Sent,
    /// Its slot was beyond this invocation: queued again holding that slot.
    Requeued,
    /// Nothing to send (claimed by another delivery, sent, cancelled or accepted since), or the send was
    /// refused (the sweep retries).
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
    let deadline = Deadline::new(deadline, margin);
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
        send_one(deps, notifier, msg, slot, &deadline).await
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
    deadline: &Deadline,
) -> Result<Delivery, SendError> {
    // The slot the invitation names for this message.
    let mut named = msg.at();
    if !deadline.allows(deps.clock.now(), slot) {
        return requeue(deps, notifier, msg, named, slot).await;
    }
    // A new slot whose send would come after the sweep is due to take the invitation back: recorded.
    if slot != named && slot.plus(deadline.margin()) > named.plus(deps.policy.processing_timeout) {
        if !rename(deps, msg, named, slot).await? {
            return Ok(Delivery::Nothing);
        }
        named = slot;
    }
    pace::wait_for(deps, slot.minus(pace::LEAD)).await;
    let token = Token::generate();
    let claim = rules::claim_queued(named, deps.clock.now(), token.hash(), &deps.policy);
    let Some(claimed) = won(deps.store.update(&msg.account, msg.invitation, &claim).await?) else {
        return Ok(Delivery::Nothing);
    };
    let until = deadline.last_slot(deps.clock.now());
    Ok(match send_claimed(deps, notifier, &claimed, &token, Some(slot), until).await? {
        Sending::Sent(_) => Delivery::Sent,
        Sending::HandedOn(_, again) => {
            queue(notifier, &again, deps.clock.now()).await?;
            Delivery::Requeued
        }
        Sending::Refused(_) | Sending::Changed(_) => Delivery::Nothing,
    })
}

/// Queues `msg` again holding `slot`, first naming that slot on the invitation when it is a new one:
/// the old message, delivered again, then claims nothing, and the sweep waits for the new slot.
async fn requeue(
    deps: &Deps,
    notifier: &Notifier,
    msg: &QueuedSend,
    named: Timestamp,
    slot: Timestamp,
) -> Result<Delivery, SendError> {
    if slot != named && !rename(deps, msg, named, slot).await? {
        return Ok(Delivery::Nothing);
    }
    let again = QueuedSend::held(msg.account.clone(), msg.invitation, slot);
    queue(notifier, &again, deps.clock.now()).await?;
    Ok(Delivery::Requeued)
}

/// Names `to` in place of `from` on the message's invitation; false when it was claimed, closed or
/// renamed meanwhile (another delivery has it), or expires before `to`.
async fn rename(deps: &Deps, msg: &QueuedSend, from: Timestamp, to: Timestamp) -> Result<bool, StoreError> {
    let write = rules::handed_again(from, to, deps.clock.now(), &deps.policy);
    Ok(won(deps.store.update(&msg.account, msg.invitation, &write).await?).is_some())
}

async fn queue(notifier: &Notifier, send: &QueuedSend, now: Timestamp) -> Result<(), QueueError> {
    let Some(pacing) = &notifier.pacing else { return Err(QueueError::Unavailable("no send queue".into())) };
    pacing.queue.hand_on(std::slice::from_ref(send), now).await
}
