//! The vocabulary of a conditional write: the state it [`Expect`]s and the [`Change`] it makes. The rules
//! produce them; every store applies them atomically (DynamoDB as a condition and update expression, the
//! in-memory store with [`Expect::matches`] and [`Change::apply`]), so the stores cannot disagree.
use crate::domain::{Access, AccessOption, Caller, Claimant, Invitation, Status, Timestamp, TokenHash, UserId};

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
    /// The invitation still assigns exactly this access: what was read, so an accept never makes a
    /// member with access an update replaced meanwhile.
    pub access: Option<Access>,
    /// The invitation was handed on to the paced sender with the message for this slot, and nobody has
    /// claimed it since: that message's lease.
    pub handed_on: Option<Timestamp>,
    /// When set, the invitation's latest email must not be undeliverable: no email goes to an address
    /// that bounced permanently, complained or is suppressed.
    pub deliverable: bool,
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
            && self.access.as_ref().is_none_or(|a| *a == inv.access)
            && self.handed_on.is_none_or(|t| inv.handed_on == Some(t))
            && !(self.deliverable && inv.undeliverable())
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

    /// Whether the write gives the invitation's seat back: it closes an invitation it requires open
    /// (a cancel, an expiry, a failure). An accept keeps the seat for the member, in its own transaction.
    pub fn frees_seat(&self) -> bool {
        let closes = !self.change.status.is_open() && self.change.status != Status::Accepted;
        closes && !self.expect.statuses.is_empty() && self.expect.statuses.iter().all(|s| s.is_open())
    }
}

/// When the sweep next has work on the invitation (the sparse due index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Keep,
    At(Timestamp),
    Clear,
}

/// Which send message may claim the invitation ([`Invitation::handed_on`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handed {
    Keep,
    /// Handed on with the message for this slot.
    To(Timestamp),
    /// Claimed: no message may claim it any more.
    Clear,
}

/// How a write moves the send counters. Only the write after SES accepted an email counts it, so the
/// count, the cap and the `invitation.sent` events follow the emails that went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Nothing,
    /// An email was accepted: `send_count` + 1, failures forgotten.
    Sent,
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
    /// An email went out: `last_sent_at` = `at`.
    pub sent: bool,
    pub due: Due,
    /// The user who accepted it.
    pub accepted_by: Option<UserId>,
    pub handed_on: Handed,
    /// New access for the invitation (an inviter's update).
    pub access: Option<Access>,
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
            Count::Failure => inv.failed_attempts += 1,
        }
        if self.sent {
            inv.last_sent_at = Some(self.at);
        }
        if let Some(user) = &self.accepted_by {
            inv.accepted_by = Some(user.clone());
        }
        if let Some(access) = &self.access {
            inv.access = access.clone();
        }
        match self.due {
            Due::Keep => {}
            Due::At(t) => inv.due_at = Some(t),
            Due::Clear => inv.due_at = None,
        }
        match self.handed_on {
            Handed::Keep => {}
            Handed::To(t) => inv.handed_on = Some(t),
            Handed::Clear => inv.handed_on = None,
        }
    }
}
