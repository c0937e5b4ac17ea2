//! The state machine of SPEC §5 as data: each transition is the state a conditional write expects and
//! the change it makes. Services and the sweep take their writes from here, and both stores apply them,
//! so every rule is written once.
use crate::config::Policy;
use crate::domain::{Status, Timestamp, TokenHash};
use crate::store::{Change, Due, Expect, Invitation, Lease};
use std::time::Duration;

/// How long a send holds its invitation: longer than the email client's whole operation timeout
/// (`aws::sdk_config`), so a send cannot outlive its lease.
pub const SEND_LEASE: Duration = Duration::from_secs(12);

/// When the sweep next has work on `inv`; `None` once it is closed.
pub fn next_due(inv: &Invitation, policy: &Policy) -> Option<Timestamp> {
    let at = match inv.status {
        Status::Processing => inv.updated_at.plus(policy.processing_timeout),
        Status::Pending if inv.send_count < policy.max_sends => {
            inv.last_sent_at.unwrap_or(inv.updated_at).plus(policy.resend_after)
        }
        Status::Pending => inv.expires_at,
        _ => return None,
    };
    Some(at.min(inv.expires_at))
}

fn change(status: Status, at: Timestamp) -> Change {
    Change { status, at, token_hash: None, attempt: false, sent: false, lease: Lease::Keep, due: Due::Keep }
}

/// `change` with its due time computed from the invitation it will produce.
fn scheduled(inv: &Invitation, mut change: Change, policy: &Policy) -> Change {
    let mut after = inv.clone();
    change.apply(&mut after);
    change.due = next_due(&after, policy).map_or(Due::Clear, Due::At);
    change
}

/// The writes that must hold the invitation exactly as it was read.
fn as_read(inv: &Invitation, now: Timestamp) -> Expect {
    Expect {
        statuses: match inv.status {
            Status::Processing => &[Status::Processing],
            Status::Pending => &[Status::Pending],
            _ => &[],
        },
        token_hash: Some(inv.token_hash.clone()),
        unleased_at: Some(now),
        ..Default::default()
    }
}

/// A new invitation, stored `processing` and held by the send that follows.
pub fn new_invitation(mut inv: Invitation, policy: &Policy) -> Invitation {
    inv.status = Status::Processing;
    inv.send_count = 1;
    inv.last_sent_at = None;
    inv.lease_until = Some(inv.created_at.plus(SEND_LEASE));
    inv.due_at = next_due(&inv, policy);
    inv
}

/// The send of a `processing` invitation (a new one or a stuck one) was accepted.
pub fn sent(inv: &Invitation, now: Timestamp, policy: &Policy) -> (Expect, Change) {
    let expect =
        Expect { statuses: &[Status::Processing], token_hash: Some(inv.token_hash.clone()), ..Default::default() };
    let change = Change { sent: true, lease: Lease::Release, ..change(Status::Pending, now) };
    (expect, scheduled(inv, change, policy))
}

/// Cancel: any open invitation no send holds.
pub fn cancel(now: Timestamp) -> (Expect, Change) {
    let expect = Expect { statuses: &Status::OPEN, unleased_at: Some(now), ..Default::default() };
    (expect, Change { lease: Lease::Release, due: Due::Clear, ..change(Status::Cancelled, now) })
}

/// A manual resend, written without reading: pending, past the cooldown, held by no send, and not
/// expiring before `due` (its next stale resend, or its expiry when that comes first).
pub fn resend(now: Timestamp, token: TokenHash, due: Timestamp, policy: &Policy) -> (Expect, Change) {
    let expect = Expect {
        statuses: &[Status::Pending],
        last_sent_at_or_before: Some(now.minus(policy.resend_min_interval)),
        expires_after: Some(due.minus(Duration::from_millis(1))),
        unleased_at: Some(now),
        ..Default::default()
    };
    let change = Change {
        token_hash: Some(token),
        attempt: true,
        sent: true,
        lease: Lease::Until(now.plus(SEND_LEASE)),
        due: Due::At(due),
        ..change(Status::Pending, now)
    };
    (expect, change)
}

/// A resend's email was accepted: the send lets go of the invitation.
pub fn released(token: TokenHash, now: Timestamp) -> (Expect, Change) {
    let expect = Expect { statuses: &[Status::Pending], token_hash: Some(token), ..Default::default() };
    (expect, Change { lease: Lease::Release, ..change(Status::Pending, now) })
}

/// A pending invitation whose send was refused goes back to `processing`, where the sweep retries it.
pub fn unsent(token: TokenHash, now: Timestamp, policy: &Policy) -> (Expect, Change) {
    let expect = Expect { statuses: &[Status::Pending], token_hash: Some(token), ..Default::default() };
    let due = Due::At(now.plus(policy.processing_timeout));
    (expect, Change { lease: Lease::Release, due, ..change(Status::Processing, now) })
}

/// What the sweep does with an invitation it found due.
#[derive(Debug)]
pub enum SweepAction {
    Expire(Expect, Change),
    Fail(Expect, Change),
    /// Claim a stuck `processing` invitation for another send; [`sent`] follows when it is accepted.
    Retry(Expect, Change),
    /// Claim a stale `pending` invitation for another send; [`unsent`] follows when it is refused.
    Resend(Expect, Change),
    /// Nothing to send (the cap is reached, or it is not due after all): move its due time.
    Reschedule(Expect, Change),
    /// Held by a send right now, or closed: leave it to a later run.
    Skip,
}

pub fn sweep(inv: &Invitation, now: Timestamp, new_token: TokenHash, policy: &Policy) -> SweepAction {
    if !inv.status.is_open() || inv.lease_until.is_some_and(|t| t > now) {
        return SweepAction::Skip;
    }
    let expect = as_read(inv, now);
    if inv.expires_at <= now {
        let change = Change { lease: Lease::Release, due: Due::Clear, ..change(Status::Expired, now) };
        return SweepAction::Expire(expect, change);
    }
    match inv.status {
        Status::Processing if inv.updated_at.plus(policy.processing_timeout) <= now => {
            if inv.send_count >= policy.max_sends {
                let change = Change { lease: Lease::Release, due: Due::Clear, ..change(Status::Failed, now) };
                return SweepAction::Fail(expect, change);
            }
            let change = Change {
                token_hash: Some(new_token),
                attempt: true,
                lease: Lease::Until(now.plus(SEND_LEASE)),
                ..change(Status::Processing, now)
            };
            SweepAction::Retry(expect, scheduled(inv, change, policy))
        }
        Status::Pending
            if inv.send_count < policy.max_sends
                && inv.last_sent_at.unwrap_or(inv.updated_at).plus(policy.resend_after) <= now =>
        {
            let change = Change {
                token_hash: Some(new_token),
                attempt: true,
                sent: true,
                lease: Lease::Until(now.plus(SEND_LEASE)),
                ..change(Status::Pending, now)
            };
            SweepAction::Resend(expect, scheduled(inv, change, policy))
        }
        _ => {
            let due = next_due(inv, policy).map_or(Due::Clear, Due::At);
            SweepAction::Reschedule(expect, Change { due, ..change(inv.status, inv.updated_at) })
        }
    }
}
