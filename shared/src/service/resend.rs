//! Manual resend: a new token and a new email for a pending invitation, at most once per
//! `RESEND_MIN_INTERVAL`. The email goes in a slot of the send schedule: now, or by the paced sender,
//! the invitation `processing` until then.
use super::{pace, Authorized, Deps, Notifier};
use crate::domain::{AccessOption, Invitation, InvitationId, Status, Timestamp, Token};
use crate::ports::store::UpdateOutcome;
use crate::ports::{MailError, QueuedSend, StoreError};
use crate::rules;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ResendError {
    #[error("no such invitation")]
    NotFound,
    #[error("only a pending invitation can be resent; this one is {0}")]
    InvalidState(Status),
    #[error("you may not resend an invitation holding {} access", .0.as_str())]
    Forbidden(AccessOption),
    #[error("the invitation was sent moments ago")]
    TooSoon { retry_after: Duration },
    #[error("the invitation has had its {sends} emails, the most it may have")]
    LimitReached { sends: u32 },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The resend was recorded but its email not accepted. `handed_back`: the invitation went back to
    /// `processing`, where the sweep sends it again; otherwise it stays `pending` with a link never sent,
    /// and the next resend (manual, or the sweep's) replaces it.
    #[error("the email could not be sent")]
    Mail {
        #[source]
        error: MailError,
        handed_back: bool,
    },
}

/// One conditional write (state, cooldown, the caller's grants and the new token in one), then the email. An invitation that
/// expires before its next scheduled resend costs one more write, to schedule its expiry; a refused email
/// costs one more, to hand the invitation to the sweep.
pub async fn resend(
    deps: &Deps,
    notifier: &Notifier,
    auth: &Authorized,
    id: InvitationId,
) -> Result<Invitation, ResendError> {
    let now = deps.clock.now();
    let token = Token::generate();
    let mut due = now.plus(deps.policy.resend_after);
    let inv = loop {
        let claim = rules::resend(now, token.hash(), due, &deps.policy).by(auth.caller());
        let current = match deps.store.update(auth.account(), id, &claim).await? {
            UpdateOutcome::Updated(inv) => break inv,
            UpdateOutcome::NotFound => return Err(ResendError::NotFound),
            UpdateOutcome::Mismatch(current) => current,
        };
        auth.may_act_on(&current.access).map_err(ResendError::Forbidden)?;
        if current.status != Status::Pending {
            return Err(ResendError::InvalidState(current.status));
        }
        if current.expires_at <= now {
            return Err(ResendError::InvalidState(Status::Expired));
        }
        if current.send_count >= deps.policy.max_sends {
            return Err(ResendError::LimitReached { sends: current.send_count });
        }
        let free_at = current.last_sent_at.map(|t| t.plus(deps.policy.resend_min_interval)).filter(|t| *t > now);
        if let Some(free_at) = free_at {
            // Whole seconds, rounded up: what Retry-After can say.
            let secs = now.until(free_at).as_millis().div_ceil(1000) as u64;
            return Err(ResendError::TooSoon { retry_after: Duration::from_secs(secs.max(1)) });
        }
        if due == current.expires_at {
            return Err(ResendError::Store(StoreError::Corrupt("resend condition failed for no reason".into())));
        }
        due = current.expires_at;
    };
    // Slots are reserved once the resend is allowed, so a refused one costs the schedule nothing.
    let mut slot = match pace::reserve(deps, notifier, 1).await {
        Ok(slots) => slots[0],
        Err(e) => {
            hand_back(deps, &inv, now, now).await;
            return Err(ResendError::Store(e));
        }
    };
    let budget_end = now.plus(pace::REQUEST_BUDGET);
    if slot <= budget_end {
        if let Err(later) = pace::at_slot(deps, notifier, slot, Some(budget_end)).await {
            slot = later;
        }
    }
    if slot > budget_end {
        // Its email waits for the paced sender: `processing` until it is sent.
        return match hand_back(deps, &inv, now, slot).await {
            Some(deferred) => {
                pace::hand_on(deps, notifier, &[QueuedSend::held(deferred.account_id.clone(), deferred.id, slot)])
                    .await;
                Ok(deferred)
            }
            None => {
                Err(ResendError::Store(StoreError::Corrupt("a resend just written changed before its hand-off".into())))
            }
        };
    }
    if let Err(error) = notifier.deliver(&inv, &token).await {
        let unsent = rules::unsent(inv.token_hash.clone(), deps.clock.now(), &deps.policy);
        let handed_back = match deps.store.update(&inv.account_id, inv.id, &unsent).await {
            Ok(outcome) => matches!(outcome, UpdateOutcome::Updated(_)),
            Err(store_err) => {
                tracing::error!(invitation = %inv.id, error = %crate::logging::chain(&store_err), "resend failed and could not be handed to the sweep");
                false
            }
        };
        return Err(ResendError::Mail { error, handed_back });
    }
    Ok(inv)
}

/// Takes back a resend whose email is not sent now: `processing`, due a processing timeout after `slot`.
async fn hand_back(deps: &Deps, inv: &Invitation, now: Timestamp, slot: Timestamp) -> Option<Invitation> {
    let write = rules::deferred(inv.token_hash.clone(), now, slot, &deps.policy);
    match deps.store.update(&inv.account_id, inv.id, &write).await {
        Ok(UpdateOutcome::Updated(inv)) => Some(inv),
        Ok(_) => None,
        Err(e) => {
            tracing::error!(invitation = %inv.id, error = %crate::logging::chain(&e), "resend could not be handed on; its link was never sent");
            None
        }
    }
}
