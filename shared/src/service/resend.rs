//! Manual resend: a new token and a new email for a pending invitation, at most once per
//! `RESEND_MIN_INTERVAL` (also while another send of it is under way). The email goes in a slot of the send schedule: now, or by the paced sender,
//! the invitation `processing` until then.
use super::claim::{hand_on, send_claimed, Sending};
use super::reputation::{self, Paused};
use super::{pace, Authorized, Deps, Notifier};
use crate::domain::{AccessOption, DeliveryStatus, Invitation, InvitationId, Status, Timestamp, Token};
use crate::ports::store::UpdateOutcome;
use crate::ports::{MailError, StoreError};
use crate::rules::{self, Policy};
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
    /// Its latest email bounced permanently, was complained about or was suppressed.
    #[error("the invitation's latest email was {0}: its address takes no more email")]
    Undeliverable(DeliveryStatus),
    #[error(transparent)]
    SendingPaused(Paused),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The resend was claimed but its email not accepted: the invitation is `processing`, and the sweep
    /// sends it again after the processing timeout.
    #[error("the email could not be sent")]
    Mail(#[source] MailError),
}

/// The account's pause is read first: a paused account sends nothing on a caller's word. Then one
/// conditional write (state, cooldown, the caller's grants and the new token in one) claims the
/// resend, then the email goes in its slot and a second write marks it sent. A slot beyond the request's
/// budget, or none free by then, costs a write that hands the email to the paced sender instead. Whatever fails after the claim
/// leaves the invitation `processing`, due for the sweep a processing timeout later.
pub async fn resend(
    deps: &Deps,
    notifier: &Notifier,
    auth: &Authorized,
    id: InvitationId,
) -> Result<Invitation, ResendError> {
    reputation::check(deps, auth.account()).await?.map_err(ResendError::SendingPaused)?;
    let now = deps.clock.now();
    let token = Token::generate();
    let claim = rules::resend(now, token.hash(), &deps.policy).by(auth.caller());
    let claimed = match deps.store.update(auth.account(), id, &claim).await? {
        UpdateOutcome::Updated(inv) => inv,
        UpdateOutcome::NotFound => return Err(ResendError::NotFound),
        UpdateOutcome::Mismatch(current) => {
            auth.may_act_on(&current.access).map_err(ResendError::Forbidden)?;
            return Err(refused(&current, now, &deps.policy));
        }
    };
    // Slots are reserved once the resend is allowed, so a refused one costs the schedule nothing.
    let budget_end = now.plus(pace::REQUEST_BUDGET);
    let reserved = pace::reserve(deps, notifier, 1, pace::request_last(notifier, budget_end)).await?;
    let sending = match reserved.slots.first() {
        Some(&slot) if slot <= budget_end => {
            send_claimed(deps, notifier, &claimed, &token, Some(slot), Some(budget_end)).await?
        }
        Some(&slot) => hand_on(deps, &claimed, slot, true).await?,
        None => hand_on(deps, &claimed, pace::expect(deps, notifier, auth.account(), 1).await?.at[0], false).await?,
    };
    match sending {
        Sending::Sent(sent) => Ok(sent),
        // Its email waits for the paced sender: `processing` until it is sent.
        Sending::HandedOn(handed, send) => {
            pace::hand_on(deps, notifier, &[send]).await;
            Ok(handed)
        }
        Sending::Refused(error) => Err(ResendError::Mail(error)),
        // A cancel came between the claim and the hand-on: as if the resend had come second.
        Sending::Changed(Some(current)) => Err(ResendError::InvalidState(current.status)),
        Sending::Changed(None) => Err(ResendError::NotFound),
    }
}

/// Why the resend's claim did not apply to `current`.
fn refused(current: &Invitation, now: Timestamp, policy: &Policy) -> ResendError {
    let too_soon = |since: Timestamp| {
        let free_at = since.plus(policy.resend_min_interval).max(now);
        // Whole seconds, rounded up: what Retry-After can say.
        let secs = now.until(free_at).as_millis().div_ceil(1000) as u64;
        ResendError::TooSoon { retry_after: Duration::from_secs(secs.max(1)) }
    };
    match current.status {
        // Claimed moments ago (by another resend, the sweep or the paced sender) and its email on its
        // way: a resend now waits its turn, as it would once that email is sent.
        Status::Processing if now < current.updated_at.plus(policy.resend_min_interval) => {
            return too_soon(current.updated_at)
        }
        Status::Pending => {}
        status => return ResendError::InvalidState(status),
    }
    if current.expires_at <= now {
        return ResendError::InvalidState(Status::Expired);
    }
    if let Some(d) = current.delivery.as_ref().filter(|d| d.undeliverable) {
        return ResendError::Undeliverable(d.status);
    }
    if current.send_count >= policy.max_sends {
        return ResendError::LimitReached { sends: current.send_count };
    }
    match current.last_sent_at.filter(|t| now < t.plus(policy.resend_min_interval)) {
        Some(sent) => too_soon(sent),
        None => ResendError::Store(StoreError::Corrupt("resend condition failed for no reason".into())),
    }
}
