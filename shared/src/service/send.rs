//! The paced sender: emails handed on by a request or the sweep, each sent in its slot. An email that
//! holds a slot and arrives in time for it keeps it; the others (expected ones, late ones) take theirs
//! in turns, a few at a time just ahead of now, so the queue's delivery times never waste a slot and the
//! sender never holds the slots a request needs. The invitation
//! names the message it was handed on with (`handed_on`): only that message may claim it, once, in the
//! claim's one conditional write, so a message delivered twice, or again after a crash, sends one email.
//! One with no slot by the invocation's end goes back to the queue, renamed first when the sweep would
//! otherwise take it back meanwhile.
use super::claim::{send_claimed, won, Sending};
use super::pace::{self, Deadline};
use super::{Deps, Notifier};
use crate::domain::{Timestamp, Token};
use crate::ports::{QueueError, QueuedSend, StoreError};
use crate::rules;
use futures::StreamExt;
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

/// Sends a batch of handed-on emails and answers each one's outcome in order. Those that hold a slot and
/// arrive in time for it go in it; the others take slots in turns, in the order they came, as the
/// schedule has them free within [`pace::SENDER_AHEAD`], so the sender never holds slots a request of
/// another account would need. `deadline` is the invocation's; `margin` what a claim, a send and a mark
/// need before it: what has no slot by then is queued again, expected now. An error leaves its message
/// to the queue's redelivery.
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
    let (turns_tx, turns) = futures::channel::mpsc::unbounded::<(usize, Turn)>();
    for (i, _) in msgs.iter().enumerate().filter(|(_, m)| keeps(m)) {
        let _ = turns_tx.unbounded_send((i, Turn::Slot(msgs[i].at())));
    }
    let waiting: Vec<usize> = (0..msgs.len()).filter(|i| !keeps(&msgs[*i])).collect();
    let outcomes = std::sync::Mutex::new((0..msgs.len()).map(|_| None).collect::<Vec<_>>());
    let place = take_turns(deps, notifier, &waiting, &deadline, turns_tx);
    let run = turns.for_each_concurrent(None, |(i, turn)| {
        let (msg, outcomes, deadline) = (&msgs[i], &outcomes, &deadline);
        async move {
            let outcome = match turn {
                Turn::Slot(slot) => send_one(deps, notifier, msg, slot, deadline).await,
                Turn::Later => requeue(deps, notifier, msg, None, deadline).await,
                Turn::NoSlot => Err(SendError::NoSlot),
            };
            outcomes.lock().expect("no panic while held")[i] = Some(outcome);
        }
    });
    futures::future::join(place, run).await;
    let outcomes = outcomes.into_inner().expect("no panic while held");
    outcomes.into_iter().map(|o| o.unwrap_or(Err(SendError::NoSlot))).collect()
}

/// What the sender does with a message of its batch.
#[derive(Debug, Clone, Copy)]
enum Turn {
    /// Sends it in this slot.
    Slot(Timestamp),
    /// Queues it again: no slot came free before the invocation's end.
    Later,
    /// Leaves it to the queue's redelivery: the schedule could not be reached.
    NoSlot,
}

/// Takes slots for the `waiting` messages in turns: as many as the schedule has free within
/// [`pace::SENDER_AHEAD`], then, when none is, a wait until one will be; those with no turn the
/// invocation can wait for are queued again. Each goes out on `turns` as it is placed, so its send
/// starts while the others wait.
async fn take_turns(
    deps: &Deps,
    notifier: &Notifier,
    waiting: &[usize],
    deadline: &Deadline,
    turns: futures::channel::mpsc::UnboundedSender<(usize, Turn)>,
) {
    let mut rest = waiting.iter().copied().peekable();
    // The slot waited for: taken next time even if the clock has not quite reached its turn.
    let mut waited = None;
    while rest.peek().is_some() {
        if deadline.short() {
            rest.by_ref().for_each(|i| drop(turns.unbounded_send((i, Turn::Later))));
            return;
        }
        let left = rest.len();
        let last = pace::sender_last(deps).max(waited.take());
        match pace::reserve(deps, notifier, left, last).await {
            Ok(got) if got.slots.is_empty() => {
                if !deadline.allows(deps.clock.now(), got.next) {
                    rest.by_ref().for_each(|i| drop(turns.unbounded_send((i, Turn::Later))));
                    return;
                }
                pace::wait_for(deps, got.next.minus(pace::SENDER_AHEAD)).await;
                waited = Some(got.next);
            }
            Ok(got) => {
                for (slot, i) in got.slots.into_iter().zip(rest.by_ref()) {
                    let _ = turns.unbounded_send((i, Turn::Slot(slot)));
                }
            }
            Err(e) => {
                tracing::warn!(emails = left, error = %crate::logging::chain(&e), "no send slots; SQS delivers them again");
                rest.by_ref().for_each(|i| drop(turns.unbounded_send((i, Turn::NoSlot))));
                return;
            }
        }
    }
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
        return requeue(deps, notifier, msg, Some(slot), deadline).await;
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

/// Queues `msg` again: holding `slot`, or (none) expected now, to take its turn again at once. A new
/// slot, or a wait that would run into the sweep's due time, is named on the invitation first: the old
/// message, delivered again, then claims nothing, and the sweep waits for the new one.
async fn requeue(
    deps: &Deps,
    notifier: &Notifier,
    msg: &QueuedSend,
    slot: Option<Timestamp>,
    deadline: &Deadline,
) -> Result<Delivery, SendError> {
    let named = msg.at();
    let now = deps.clock.now();
    let to = match slot {
        Some(slot) => slot,
        None if now.plus(deadline.margin()) > named.plus(deps.policy.processing_timeout) => now,
        None => named,
    };
    if to != named && !rename(deps, msg, named, to).await? {
        return Ok(Delivery::Nothing);
    }
    let again = match slot {
        Some(_) => QueuedSend::held(msg.account.clone(), msg.invitation, to),
        None => QueuedSend::expected(msg.account.clone(), msg.invitation, to),
    };
    queue(notifier, &again, now).await?;
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
