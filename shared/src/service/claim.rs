//! One invitation's send, as the sweep, the paced sender and a manual resend carry it out: a claim (a
//! conditional write that makes it `processing` with a new token, due a processing timeout later), the
//! send in its slot, then the write that marks it `pending` and counts the email. Two claimers at once
//! send one email, and a claim whose email never goes leaves it due for the sweep. The claim is made
//! shortly before the email's slot and the send waits for the slot itself (`pace::at_slot`), so the
//! claim's latency never moves the send; an email that cannot keep its slot is handed on.
use super::pace::{self, Deadline};
use super::{Deps, Notifier};
use crate::domain::{Invitation, Timestamp, Token};
use crate::ports::store::UpdateOutcome;
use crate::ports::{MailError, QueuedSend, StoreError};
use crate::rules::{self, DueAction, Transition};
use std::time::Duration;

/// Time for what the bounds below leave out: reading the next page, scheduling, the clock's drift.
const CLAIM_SLACK: Duration = Duration::from_secs(5);

/// How much of the invocation must be left for the sweep to claim one more invitation: a claim's worst
/// case is its write, the send with all its retries, and the write that marks it sent or hands it
/// back. A claimed invitation cut off before the end would wait for its next due time.
pub fn claim_margin(deps: &Deps, notifier: &Notifier) -> Duration {
    2 * deps.store.longest_write() + notifier.mailer.longest_send() + CLAIM_SLACK
}

pub(super) enum Swept {
    Resent,
    Expired,
    Failed,
    Retried,
    /// Its slot was beyond the run: handed to the paced sender.
    HandedOn(QueuedSend),
    /// Rescheduled, skipped, lost a race, or its send was refused (it is due again later).
    Nothing,
    /// Not touched: too little time was left. It stays due for the next run.
    Deferred,
}

/// How a claimed email's send ended.
pub(super) enum Sending {
    /// SES accepted it: the invitation as marked `pending` (or as the mark leaves it, when a change that
    /// came after the send, a cancel, was written first).
    Sent(Invitation),
    /// Its slot could not be kept in time: handed on for a later one, the invitation as handed.
    HandedOn(Invitation, QueuedSend),
    /// SES refused it: it stays `processing`, due when the claim's processing timeout runs out.
    Refused(MailError),
    /// It changed before it could be handed on (a cancel came first): nothing was sent. As it is now.
    Changed(Option<Invitation>),
}

/// Carries out `action` on `inv` with `token` as its new token, its email (if any) in `slot`; a store
/// failure is logged and leaves the invitation due for the next run, so one item's failure stops nothing
/// else.
pub(super) async fn act(
    deps: &Deps,
    notifier: &Notifier,
    inv: &Invitation,
    token: &Token,
    action: DueAction,
    slot: Option<Timestamp>,
    deadline: &Deadline,
) -> Swept {
    match try_act(deps, notifier, inv, token, action, slot, deadline).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(invitation = %inv.id, error = %crate::logging::chain(&e), "could not handle a due invitation");
            Swept::Nothing
        }
    }
}

async fn try_act(
    deps: &Deps,
    notifier: &Notifier,
    inv: &Invitation,
    token: &Token,
    action: DueAction,
    slot: Option<Timestamp>,
    deadline: &Deadline,
) -> Result<Swept, StoreError> {
    let write = |t: Transition| async move { deps.store.update(&inv.account_id, inv.id, &t).await };
    let (claim, sent) = match action {
        DueAction::Skip => return Ok(Swept::Nothing),
        DueAction::Expire(t) => return Ok(won(write(t).await?).map_or(Swept::Nothing, |_| Swept::Expired)),
        DueAction::Fail(t) => return Ok(won(write(t).await?).map_or(Swept::Nothing, |_| Swept::Failed)),
        DueAction::Reschedule(t) => {
            write(t).await?;
            return Ok(Swept::Nothing);
        }
        DueAction::Retry(t) => (t, Swept::Retried),
        DueAction::Resend(t) => (t, Swept::Resent),
    };
    let Some(claimed) = won(write(claim).await?) else { return Ok(Swept::Nothing) };
    let until = deadline.last_slot(deps.clock.now());
    Ok(match send_claimed(deps, notifier, &claimed, token, slot, until).await? {
        Sending::Sent(_) => sent,
        Sending::HandedOn(_, send) => Swept::HandedOn(send),
        Sending::Refused(_) | Sending::Changed(_) => Swept::Nothing,
    })
}

/// Sends a claimed invitation's email in `slot` and marks it `pending`. One that misses its slot and
/// finds no fresh one by `until` is handed on, expected in its account's lane.
pub(super) async fn send_claimed(
    deps: &Deps,
    notifier: &Notifier,
    claimed: &Invitation,
    token: &Token,
    slot: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Result<Sending, StoreError> {
    match pace::send_in_slot(deps, notifier, claimed, token, slot, until).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Ok(Sending::Refused(e)),
        Err(pace::Missed) => {
            let lane = pace::expect(deps, notifier, &claimed.account_id, 1).await?;
            return hand_on(deps, claimed, lane.at[0], false).await;
        }
    }
    let mark = rules::sent(claimed, deps.clock.now(), &deps.policy);
    match deps.store.update(&claimed.account_id, claimed.id, &mark).await {
        Ok(UpdateOutcome::Updated(marked)) => return Ok(Sending::Sent(marked)),
        Ok(_) => {}
        // The sweep finds it `processing` after its timeout and sends it again: the one way an email can
        // go twice, and only when the store fails right after SES accepted it.
        Err(e) => {
            tracing::error!(invitation = %claimed.id, error = %crate::logging::chain(&e), "sent but not marked pending")
        }
    }
    let mut shown = claimed.clone();
    mark.change.apply(&mut shown);
    Ok(Sending::Sent(shown))
}

/// Hands `inv`'s email on to the paced sender, holding `slot` or expected `at` it (written first, so
/// a lost message leaves it due for the sweep), and answers the message to queue.
pub(super) async fn hand_on(deps: &Deps, inv: &Invitation, at: Timestamp, held: bool) -> Result<Sending, StoreError> {
    Ok(match deps.store.update(&inv.account_id, inv.id, &rules::queued(inv, at, &deps.policy)).await? {
        UpdateOutcome::Updated(handed) => {
            let send = if held {
                QueuedSend::held(handed.account_id.clone(), handed.id, at)
            } else {
                QueuedSend::expected(handed.account_id.clone(), handed.id, at)
            };
            Sending::HandedOn(handed, send)
        }
        UpdateOutcome::Mismatch(current) => Sending::Changed(Some(current)),
        UpdateOutcome::NotFound => Sending::Changed(None),
    })
}

pub(super) fn won(outcome: UpdateOutcome) -> Option<Invitation> {
    match outcome {
        UpdateOutcome::Updated(inv) => Some(inv),
        UpdateOutcome::Mismatch(_) | UpdateOutcome::NotFound => None,
    }
}
