//! The storage port. Rules about which state may follow which live in the core and reach a store as an
//! [`Expect`] (the state a write requires) and a [`Change`] (what it writes); a store's only job is to
//! apply them atomically, so the DynamoDB adapter and the in-memory twin cannot disagree about rules.
pub mod dynamo;
pub mod memory;

use crate::domain::{Access, AccountId, Email, InvitationId, Status, Timestamp, TokenHash};
use async_trait::async_trait;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An invitation as stored. Its serde form is the in-memory store's file format; answers use
/// `api::InvitationView`, which leaves out the token hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Invitation {
    pub id: InvitationId,
    pub account_id: AccountId,
    pub email: Email,
    pub status: Status,
    pub access: Access,
    pub invited_by: String,
    pub inviter_email: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_sent_at: Option<Timestamp>,
    pub send_count: u32,
    pub expires_at: Timestamp,
    pub token_hash: TokenHash,
    /// When the sweep should next look at it; `None` once it is closed.
    #[serde(default)]
    pub due_at: Option<Timestamp>,
}

#[derive(Debug)]
pub enum CreateOutcome {
    Created,
    /// An invitation for this (account, email) is still `processing` or `pending`.
    AlreadyOpen(Invitation),
    /// The latest invitation for this (account, email) was accepted.
    AlreadyMember(Invitation),
}

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
}

impl Expect {
    pub fn matches(&self, inv: &Invitation) -> bool {
        self.statuses.contains(&inv.status)
            && self.token_hash.as_ref().is_none_or(|h| *h == inv.token_hash)
            && self.last_sent_at_or_before.is_none_or(|cut| inv.last_sent_at.is_none_or(|t| t <= cut))
            && self.expires_after.is_none_or(|t| inv.expires_at > t)
    }
}

/// When the sweep next has work on the invitation (the sparse due index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Keep,
    At(Timestamp),
    Clear,
}

/// What a conditional write sets.
#[derive(Debug, Clone)]
pub struct Change {
    pub status: Status,
    pub at: Timestamp,
    /// A new token for a new send.
    pub token_hash: Option<TokenHash>,
    /// A send is attempted: `send_count` + 1.
    pub attempt: bool,
    /// An email went out (or is going out now): `last_sent_at` = `at`.
    pub sent: bool,
    pub due: Due,
}

impl Change {
    pub fn apply(&self, inv: &mut Invitation) {
        inv.status = self.status;
        inv.updated_at = self.at;
        if let Some(h) = &self.token_hash {
            inv.token_hash = h.clone();
        }
        if self.attempt {
            inv.send_count += 1;
        }
        if self.sent {
            inv.last_sent_at = Some(self.at);
        }
        match self.due {
            Due::Keep => {}
            Due::At(t) => inv.due_at = Some(t),
            Due::Clear => inv.due_at = None,
        }
    }
}

#[derive(Debug)]
pub enum UpdateOutcome {
    Updated(Invitation),
    /// The invitation exists but is not in the expected state; this is what it is.
    Mismatch(Invitation),
    NotFound,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// `None`: every status.
    pub statuses: Option<Vec<Status>>,
    pub email: Option<Email>,
    pub limit: u32,
    /// Continue after this id (ids sort newest first).
    pub after: Option<InvitationId>,
}

#[derive(Debug, Default)]
pub struct Page {
    pub items: Vec<Invitation>,
    /// Set when more may follow: the next page continues after this id.
    pub next_after: Option<InvitationId>,
}

/// A position in the due index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DueKey {
    pub due_at: Timestamp,
    pub account: AccountId,
    pub id: InvitationId,
}

#[derive(Debug, Default)]
pub struct DuePage {
    pub items: Vec<Invitation>,
    /// Set when more may follow.
    pub next: Option<DueKey>,
    /// Index entries the store read for this page (DynamoDB's ScannedCount).
    pub read: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or refused for now; retrying is safe.
    #[error("the invitation store is unavailable")]
    Unavailable(#[source] BoxError),
    /// A stored item the code cannot read: a bug or a hand edit, never the caller's fault.
    #[error("a stored item is malformed: {0}")]
    Corrupt(String),
}

#[async_trait]
pub trait InvitationStore: Send + Sync {
    /// Stores a new invitation unless an open one exists for its (account, email); atomic under races.
    async fn create(&self, invitation: &Invitation) -> Result<CreateOutcome, StoreError>;
    /// One conditional write: applies `change` only when the stored invitation meets `expect`.
    async fn update(
        &self,
        account: &AccountId,
        id: InvitationId,
        expect: &Expect,
        change: &Change,
    ) -> Result<UpdateOutcome, StoreError>;
    /// Invitations of one account, newest first.
    async fn list(&self, account: &AccountId, query: &ListQuery) -> Result<Page, StoreError>;
    /// Invitations due at `now`, earliest first, from the sparse due index (never a scan).
    async fn due(&self, now: Timestamp, after: Option<DueKey>, limit: u32) -> Result<DuePage, StoreError>;
}

/// Everything the use cases need of storage: one object in each deployment (one table, or one process).
pub trait Store: InvitationStore + crate::service::idempotency::IdempotencyStore {}

impl<T: InvitationStore + crate::service::idempotency::IdempotencyStore> Store for T {}
