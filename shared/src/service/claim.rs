//! One invitation's due action, as the sweep and the paced sender both carry it out: each change a
//! conditional write on the invitation as read, each send preceded by a claim that rotates its token,
//! so two of them at once send one email. The claim is made shortly before the email's slot, and the
//! send waits for the slot itself (`pace::at_slot`), so the claim's latency never moves the send.
use super::{pace, Deps, Notifier};
use crate::domain::{Invitation, Timestamp, Token};
use crate::ports::store::UpdateOutcome;
use crate::ports::{QueuedSend, StoreError};
use crate::rules::{self, DueAction, Transition};

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
) -> Swept {
    match try_act(deps, notifier, inv, token, action, slot).await {
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
) -> Result<Swept, StoreError> {
    let store = &deps.store;
    let write = |t: Transition| async move { store.update(&inv.account_id, inv.id, &t).await };
    Ok(match action {
        DueAction::Skip => Swept::Nothing,
        DueAction::Expire(t) => won(write(t).await?).map_or(Swept::Nothing, |_| Swept::Expired),
        DueAction::Fail(t) => won(write(t).await?).map_or(Swept::Nothing, |_| Swept::Failed),
        DueAction::Reschedule(t) => {
            write(t).await?;
            Swept::Nothing
        }
        DueAction::Retry(t) => {
            let Some(claimed) = won(write(t).await?) else { return Ok(Swept::Nothing) };
            if !send_claimed(deps, notifier, &claimed, token, slot).await? {
                return Ok(Swept::Nothing);
            }
            Swept::Retried
        }
        DueAction::Resend(t) => {
            let Some(claimed) = won(write(t).await?) else { return Ok(Swept::Nothing) };
            if let Some(slot) = slot {
                let _ = pace::at_slot(deps, notifier, slot, None).await;
            }
            if notifier.deliver(&claimed, token).await.is_err() {
                write(rules::unsent(claimed.token_hash.clone(), deps.clock.now(), &deps.policy)).await?;
                return Ok(Swept::Nothing);
            }
            Swept::Resent
        }
    })
}

/// Sends a claimed `processing` invitation's email in `slot` and marks it `pending`; `false` when the
/// email was not accepted, which leaves it `processing`, due again after the processing timeout (the
/// sweep then counts the failed attempt).
pub(super) async fn send_claimed(
    deps: &Deps,
    notifier: &Notifier,
    claimed: &Invitation,
    token: &Token,
    slot: Option<Timestamp>,
) -> Result<bool, StoreError> {
    if let Some(slot) = slot {
        let _ = pace::at_slot(deps, notifier, slot, None).await;
    }
    if notifier.deliver(claimed, token).await.is_err() {
        return Ok(false);
    }
    deps.store.update(&claimed.account_id, claimed.id, &rules::sent(claimed, deps.clock.now(), &deps.policy)).await?;
    Ok(true)
}

pub(super) fn won(outcome: UpdateOutcome) -> Option<Invitation> {
    match outcome {
        UpdateOutcome::Updated(inv) => Some(inv),
        UpdateOutcome::Mismatch(_) | UpdateOutcome::NotFound => None,
    }
}
