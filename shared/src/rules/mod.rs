//! The state machine as data: each transition is the state a conditional write expects and the change
//! it makes. Services and the sweep take their writes from here, and both stores apply them, so every
//! rule is written once (docs/DESIGN.md has the state table).
mod delivery;
mod policy;
pub mod reputation;
mod write;

pub use delivery::{report, Report};
pub use policy::Policy;
pub use write::{is_invitee, Change, Count, Due, Expect, Handed, Transition};

use crate::domain::{Access, Claimant, Invitation, Status, Timestamp, TokenHash};

/// When the sweep next has work on `inv`; `None` once it is closed.
pub fn next_due(inv: &Invitation, policy: &Policy) -> Option<Timestamp> {
    let at = match inv.status {
        Status::Processing => inv.updated_at.plus(policy.processing_timeout),
        // Nothing more is sent to an address that cannot take it: it only expires.
        Status::Pending if inv.send_count < policy.max_sends && !inv.undeliverable() => {
            inv.last_sent_at.unwrap_or(inv.updated_at).plus(policy.resend_after)
        }
        Status::Pending => inv.expires_at,
        _ => return None,
    };
    Some(at.min(inv.expires_at))
}

fn change(status: Status, at: Timestamp) -> Change {
    Change {
        status,
        at,
        token_hash: None,
        count: Count::Nothing,
        sent: false,
        due: Due::Keep,
        accepted_by: None,
        handed_on: Handed::Keep,
        access: None,
    }
}

/// A claim to send: `processing` with a new token until SES accepts the email ([`sent`]), so of two
/// claimers only one wins, only the newest link works, and an email never sent leaves the invitation
/// `processing`, due for the sweep. It takes the invitation from any message it was handed on with.
fn claim(token: TokenHash, at: Timestamp) -> Change {
    Change { token_hash: Some(token), handed_on: Handed::Clear, ..change(Status::Processing, at) }
}

/// `change` with its due time computed from the invitation it will produce.
fn scheduled(inv: &Invitation, mut change: Change, policy: &Policy) -> Change {
    let mut after = inv.clone();
    change.apply(&mut after);
    change.due = next_due(&after, policy).map_or(Due::Clear, Due::At);
    change
}

/// The writes that must find the invitation exactly as it was read: a claim changes the token hash,
/// so of two sweeps (or a sweep and a resend) that read the same invitation only one can send.
fn as_read(inv: &Invitation) -> Expect {
    Expect {
        statuses: match inv.status {
            Status::Processing => &[Status::Processing],
            Status::Pending => &[Status::Pending],
            _ => &[],
        },
        token_hash: Some(inv.token_hash.clone()),
        ..Default::default()
    }
}

/// A new invitation, stored `processing` until its first email is accepted.
pub fn new_invitation(mut inv: Invitation, policy: &Policy) -> Invitation {
    inv.status = Status::Processing;
    inv.send_count = 0;
    inv.failed_attempts = 0;
    inv.last_sent_at = None;
    inv.due_at = next_due(&inv, policy);
    inv
}

/// What creating `new` does to its address's open invitation when that one has expired by then and no
/// sweep has closed it yet: expires it, in the same atomic write, so the new one never stands beside it.
/// An open invitation not yet expired makes the create `already_invited` instead.
pub fn supersede(new: &Invitation) -> Transition {
    let expect = Expect { statuses: &Status::OPEN, expired_by: Some(new.created_at), ..Default::default() };
    Transition { expect, change: Change { due: Due::Clear, ..change(Status::Expired, new.created_at) } }
}

/// The send of a claimed `processing` invitation was accepted: the one write that counts an email, so
/// each email SES accepted makes one `invitation.sent`.
pub fn sent(inv: &Invitation, now: Timestamp, policy: &Policy) -> Transition {
    let expect =
        Expect { statuses: &[Status::Processing], token_hash: Some(inv.token_hash.clone()), ..Default::default() };
    let change = Change { count: Count::Sent, sent: true, ..change(Status::Pending, now) };
    Transition { expect, change: scheduled(inv, change, policy) }
}

/// Cancel: any open invitation, at once. A send already past its claim still delivers its email,
/// whose link then leads to a cancelled invitation: the cancel came second.
pub fn cancel(now: Timestamp) -> Transition {
    let expect = Expect { statuses: &Status::OPEN, ..Default::default() };
    Transition { expect, change: Change { due: Due::Clear, ..change(Status::Cancelled, now) } }
}

/// A manual resend's claim, written without reading: pending, under the cap of `MAX_SENDS` emails, past
/// the cooldown, not expired. Due a processing timeout from now, so a send that never happens is retried.
pub fn resend(now: Timestamp, token: TokenHash, policy: &Policy) -> Transition {
    let expect = Expect {
        statuses: &[Status::Pending],
        last_sent_at_or_before: Some(now.minus(policy.resend_min_interval)),
        expires_after: Some(now),
        sends_below: Some(policy.max_sends),
        deliverable: true,
        ..Default::default()
    };
    let change = Change { due: Due::At(now.plus(policy.processing_timeout)), ..claim(token, now) };
    Transition { expect, change }
}

/// Accept: an open invitation, not past its expiry, whose stored hash is the presented token's, by its
/// invitee, still assigning the `access` read (the member's). It leaves the due index and records who
/// accepted it; the member is written in the same transaction.
pub fn accept(now: Timestamp, token: TokenHash, claimant: &Claimant, access: &Access) -> Transition {
    let expect = Expect {
        statuses: &Status::OPEN,
        token_hash: Some(token),
        expires_after: Some(now),
        invitee: Some(claimant.clone()),
        access: Some(access.clone()),
        ..Default::default()
    };
    let change =
        Change { due: Due::Clear, accepted_by: Some(claimant.user_id.clone()), ..change(Status::Accepted, now) };
    Transition { expect, change }
}

/// An inviter's new `access` for an open invitation as read, not past its expiry: in the state, with the
/// token (so the same send) and the access read; everything but the access and `updated_at` kept, the
/// token too, so its link still works. Of an update and an accept, only one finds the invitation as
/// it read it.
pub fn update_access(inv: &Invitation, access: Access, now: Timestamp) -> Transition {
    let expect = Expect { expires_after: Some(now), access: Some(inv.access.clone()), ..as_read(inv) };
    Transition { expect, change: Change { access: Some(access), ..change(inv.status, now) } }
}

/// A new link for an open invitation as read, not past its expiry: a new token in one write, so the old
/// link is dead; its state, sends and binding kept. Any later email (a resend, the sweep's) replaces the
/// link in turn, as each email replaces the one before.
pub fn relink(inv: &Invitation, token: TokenHash, now: Timestamp) -> Transition {
    let expect = Expect { expires_after: Some(now), ..as_read(inv) };
    Transition { expect, change: Change { token_hash: Some(token), ..change(inv.status, now) } }
}

/// Hands `inv`'s email on to the paced sender for `slot` (the slot its message holds, or when that
/// message is expected to take one): `processing`, named for that message, and left alone by the sweep
/// until a processing timeout after the slot, as after a send at the slot.
pub fn queued(inv: &Invitation, slot: Timestamp, policy: &Policy) -> Transition {
    let due = Due::At(slot.plus(policy.processing_timeout).min(inv.expires_at));
    let change = Change { due, handed_on: Handed::To(slot), ..change(Status::Processing, inv.updated_at) };
    Transition { expect: as_read(inv), change }
}

/// The sweep's claim on a stuck invitation (a [`DueAction::Retry`], its failed attempt counted) whose
/// email it hands to the paced sender for `slot`: [`queued`] in the same write.
pub fn retry_later(mut claim: Transition, slot: Timestamp, policy: &Policy) -> Transition {
    claim.change.due = Due::At(slot.plus(policy.processing_timeout));
    claim.change.handed_on = Handed::To(slot);
    claim
}

/// A handed-on email whose message now holds a later slot, `to` (its sender took one, or is queueing
/// it again): named for that slot, so only the new message may claim it, and left alone by the sweep
/// until a processing timeout after it. Written without reading; an invitation that expires first
/// keeps its due time, where the sweep expires it.
pub fn handed_again(from: Timestamp, to: Timestamp, now: Timestamp, policy: &Policy) -> Transition {
    let expect = Expect {
        statuses: &[Status::Processing],
        handed_on: Some(from),
        expires_after: Some(to),
        ..Default::default()
    };
    let due = Due::At(to.plus(policy.processing_timeout));
    Transition { expect, change: Change { due, handed_on: Handed::To(to), ..change(Status::Processing, now) } }
}

/// The paced sender's claim, just before the send, written without reading: only by the message the
/// invitation was handed on with (the one for `slot`), and only once. Not a failed attempt: only the
/// sweep counts those.
pub fn claim_queued(slot: Timestamp, now: Timestamp, token: TokenHash, policy: &Policy) -> Transition {
    let expect = Expect {
        statuses: &[Status::Processing],
        handed_on: Some(slot),
        expires_after: Some(now),
        deliverable: true,
        ..Default::default()
    };
    Transition { expect, change: Change { due: Due::At(now.plus(policy.processing_timeout)), ..claim(token, now) } }
}

/// What the sweep does with an invitation it found in the due index.
#[derive(Debug)]
pub enum DueAction {
    Expire(Transition),
    Fail(Transition),
    /// Claim a stuck `processing` invitation for another send; [`sent`] follows when it is accepted.
    Retry(Transition),
    /// Claim a stale `pending` invitation for another send; [`sent`] follows when it is accepted.
    Resend(Transition),
    /// Nothing to send (the cap is reached, or it is not due after all): move its due time.
    Reschedule(Transition),
    /// Closed since the index was read: nothing to do.
    Skip,
}

pub fn due_action(inv: &Invitation, now: Timestamp, new_token: TokenHash, policy: &Policy) -> DueAction {
    if !inv.status.is_open() {
        return DueAction::Skip;
    }
    let expect = as_read(inv);
    // A claim to send again holds only while no report made the address undeliverable meanwhile.
    let to_send = Expect { deliverable: true, ..expect.clone() };
    if inv.expires_at <= now {
        let change = Change { due: Due::Clear, ..change(Status::Expired, now) };
        return DueAction::Expire(Transition { expect, change });
    }
    match inv.status {
        // A `processing` invitation past its timeout is one more attempt that was refused or never
        // confirmed: counted here, once, whether the send was refused or the function died.
        Status::Processing if inv.updated_at.plus(policy.processing_timeout) <= now => {
            // Its email went, unconfirmed, and came back undeliverable: another would too.
            if inv.failed_attempts + 1 >= policy.max_sends || inv.undeliverable() {
                let change = Change { due: Due::Clear, count: Count::Failure, ..change(Status::Failed, now) };
                return DueAction::Fail(Transition { expect, change });
            }
            let change = Change { count: Count::Failure, ..claim(new_token, now) };
            DueAction::Retry(Transition { expect: to_send, change: scheduled(inv, change, policy) })
        }
        Status::Pending
            if inv.send_count < policy.max_sends
                && !inv.undeliverable()
                && inv.last_sent_at.unwrap_or(inv.updated_at).plus(policy.resend_after) <= now =>
        {
            DueAction::Resend(Transition { expect: to_send, change: scheduled(inv, claim(new_token, now), policy) })
        }
        _ => {
            let due = next_due(inv, policy).map_or(Due::Clear, Due::At);
            DueAction::Reschedule(Transition { expect, change: Change { due, ..change(inv.status, inv.updated_at) } })
        }
    }
}

#[cfg(test)]
mod tests;
