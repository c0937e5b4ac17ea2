//! The vocabulary of a conditional write: the state it [`Expect`]s and the [`Change`] it makes. The rules
//! produce them; every store applies them atomically (DynamoDB as a condition and update expression, the
//! in-memory store with [`Expect::matches`] and [`Change::apply`]), so the stores cannot disagree.
use crate::domain::{AccessOption, Caller, Claimant, Invitation, Status, Timestamp, TokenHash, UserId};

/// What a conditional write requires of the stored invitation.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub statuses: &'static [Status],
    /// The write belongs to the send that stored this token hash (a version check).
    pub token_hash: Option<TokenHash>,
    /// The last send happened at or before this instant (or never).
    pub last_sent_at_or_before: Option<Timestamp>,
    /// The invitation expires after this instant.
    pub expires_after: Option<Timestamp>,
    /// Fewer emails than this were sent (the cap on every kind of send).
    pub sends_below: Option<u32>,
    /// The invitation expires at or before this instant.
    pub expired_by: Option<Timestamp>,
    /// The invitation is this claimant's: invited by its user id, or by the address its email claim names.
    pub invitee: Option<Claimant>,
    /// The invitation assigns no access option outside these: the options its caller may grant.
    pub grantable: Option<Vec<AccessOption>>,
}

impl Expect {
    pub fn matches(&self, inv: &Invitation) -> bool {
        self.statuses.contains(&inv.status)
            && self.token_hash.as_ref().is_none_or(|h| *h == inv.token_hash)
            && self.last_sent_at_or_before.is_none_or(|cut| inv.last_sent_at.is_none_or(|t| t <= cut))
            && self.expires_after.is_none_or(|t| inv.expires_at > t)
            && self.sends_below.is_none_or(|cap| inv.send_count < cap)
            && self.expired_by.is_none_or(|t| inv.expires_at <= t)
            && self.invitee.as_ref().is_none_or(|c| is_invitee(inv, c))
            && self.grantable.as_ref().is_none_or(|g| inv.access.first_outside(g).is_none())
    }
}

/// Whom an invitation binds: the user it names, else whoever holds its address.
pub fn is_invitee(inv: &Invitation, claimant: &Claimant) -> bool {
    match &inv.user_id {
        Some(user) => *user == claimant.user_id,
        None => claimant.email.verified() == Some(&inv.email),
    }
}

/// One conditional write: the state it requires and the change it makes.
#[derive(Debug, Clone)]
pub struct Transition {
    pub expect: Expect,
    pub change: Change,
}

impl Transition {
    /// The write an inviter makes without reading first (a cancel, a resend): only on an invitation
    /// that assigns nothing `caller` may not grant.
    pub fn by(mut self, caller: &Caller) -> Self {
        self.expect.grantable = Some(caller.grantable());
        self
    }
}

/// When the sweep next has work on the invitation (the sparse due index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Keep,
    At(Timestamp),
    Clear,
}

/// How a write moves the send counters. A claim to send counts its email as sent before the send, so
/// that the email is counted even if the function dies after it; a refusal takes it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Nothing,
    /// An email was accepted (or is claimed and going out now): `send_count` + 1, failures forgotten.
    Sent,
    /// The claimed email was refused: `send_count` − 1.
    Unsent,
    /// An attempt was refused or never confirmed: `failed_attempts` + 1.
    Failure,
}

/// What a conditional write sets.
#[derive(Debug, Clone)]
pub struct Change {
    pub status: Status,
    pub at: Timestamp,
    /// A new token for a new send.
    pub token_hash: Option<TokenHash>,
    /// What the write tells the counters.
    pub count: Count,
    /// An email went out (or is going out now): `last_sent_at` = `at`.
    pub sent: bool,
    pub due: Due,
    /// The user who accepted it.
    pub accepted_by: Option<UserId>,
}

impl Change {
    pub fn apply(&self, inv: &mut Invitation) {
        inv.status = self.status;
        inv.updated_at = self.at;
        if let Some(h) = &self.token_hash {
            inv.token_hash = h.clone();
        }
        match self.count {
            Count::Nothing => {}
            Count::Sent => {
                inv.send_count += 1;
                inv.failed_attempts = 0;
            }
            Count::Unsent => inv.send_count = inv.send_count.saturating_sub(1),
            Count::Failure => inv.failed_attempts += 1,
        }
        if self.sent {
            inv.last_sent_at = Some(self.at);
        }
        if let Some(user) = &self.accepted_by {
            inv.accepted_by = Some(user.clone());
        }
        match self.due {
            Due::Keep => {}
            Due::At(t) => inv.due_at = Some(t),
            Due::Clear => inv.due_at = None,
        }
    }
}
