//! The paced sender: an email handed on by a request or the sweep, sent in its slot. A message that
//! comes late takes a fresh slot rather than crowd the sends of others, one whose slot is beyond the
//! invocation goes back to the queue, and the send itself is claimed, sent and marked as the sweep does
//! it, so a message delivered twice sends one email.
use super::claim::{act, send_claimed, won, Swept};
use super::{pace, Deps, Notifier};
use crate::domain::{Status, Token};
use crate::ports::{QueueError, QueuedSend, StoreError};
use crate::rules::{self, DueAction};
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Its email was accepted.
    Sent,
    /// Its slot was beyond this invocation: queued again for that slot.
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
}

/// Sends one handed-on email. `deadline` is the invocation's; `margin` what a claim, a send and a mark
/// need before it. An error leaves the message to its queue's redelivery.
pub async fn send_queued(
    deps: &Deps,
    notifier: &Notifier,
    msg: &QueuedSend,
    deadline: Option<Instant>,
    margin: Duration,
) -> Result<Delivery, SendError> {
    let mut slot = msg.slot();
    if deps.clock.now() > slot.plus(pace::LATE) {
        slot = pace::reserve(deps, notifier, 1).await?[0];
    }
    let wait = deps.clock.now().until(slot);
    if deadline.is_some_and(|d| d.saturating_duration_since(Instant::now()) < margin + wait) {
        let again = QueuedSend::new(msg.account.clone(), msg.invitation, slot);
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
