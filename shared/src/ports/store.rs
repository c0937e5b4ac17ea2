//! The storage port. Rules about which state may follow which live in `rules` and reach a store as an
//! [`Expect`] (the state a write requires) and a [`Change`] (what it writes); a store's only job is to
//! apply them atomically, so the DynamoDB adapter and the in-memory twin cannot disagree about rules.
pub use super::due::{DueKey, DuePage, DueShard, DueShards};
use crate::domain::{
    AccountId, DeliveryStatus, Email, EmailPrefix, IdempotencyKey, Invitation, InvitationId, Member, Status, Timestamp,
    UserId, UserStatus,
};
use crate::rules::{Report, Transition};
use async_trait::async_trait;
use std::time::Duration;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What every store operation answers.
pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug)]
pub enum CreateOutcome {
    Created,
    /// An invitation for this (account, email) is still `processing` or `pending`, and not expired.
    AlreadyOpen(Invitation),
    /// The latest invitation for this (account, email) was accepted.
    AlreadyMember(Invitation),
    /// The latest invitation for this (account, email) is undeliverable, and the create was asked to
    /// refuse that.
    Undeliverable(Invitation),
    /// Members and open invitations fill the account's `seat_limit`: nothing was written.
    SeatLimitReached,
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
    /// Only invitations sent to this address. One sent by user id is never among them, nor named by
    /// `Page::next_after`, nor does it decide whether a page has one: its address is not the
    /// inviter's to confirm.
    pub email: Option<Email>,
    /// `None`: whatever SES reported, or nothing yet. Else only invitations whose latest report is one of these.
    pub deliveries: Option<Vec<DeliveryStatus>>,
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
    /// Stores a new invitation unless an open one exists for its (account, email); atomic under races. An
    /// open one that has expired by the new one's creation is expired in the same step
    /// ([`crate::rules::supersede`]) and hands its seat to the new one; any other new invitation takes a
    /// seat in the same step, or is refused when the account's seats are full ([`crate::domain::Seats`]).
    async fn create(&self, invitation: &Invitation) -> StoreResult<CreateOutcome> {
        self.create_checked(invitation, false).await
    }
    /// [`InvitationStore::create`], and with `refuse_undeliverable` also `Undeliverable` when the
    /// address's latest invitation (open or closed, not accepted) is, checked in the same atomic step.
    async fn create_checked(&self, invitation: &Invitation, refuse_undeliverable: bool) -> StoreResult<CreateOutcome>;
    /// One conditional write: applies `change` only when the stored invitation meets `expect`, and gives
    /// its seat back in the same step when the write closes it ([`Transition::frees_seat`]).
    async fn update(&self, account: &AccountId, id: InvitationId, write: &Transition) -> StoreResult<UpdateOutcome>;
    /// One conditional write of an SES report ([`crate::rules::report`]): `Mismatch` when the report is
    /// of an older send or no newer than the one stored, which stays.
    async fn report(&self, account: &AccountId, id: InvitationId, report: &Report) -> StoreResult<UpdateOutcome>;
    /// One invitation as stored now (a strongly consistent read).
    async fn get(&self, account: &AccountId, id: InvitationId) -> StoreResult<Option<Invitation>>;
    /// Invitations of one account, newest first.
    async fn list(&self, account: &AccountId, query: &ListQuery) -> StoreResult<Page>;
    /// Invitations of one shard due at `now`, earliest first, from the sparse due index (never a scan).
    async fn due(&self, now: Timestamp, shard: DueShard, after: Option<DueKey>, limit: u32) -> StoreResult<DuePage>;

    /// The longest one write may take, retries included: the sweep claims nothing whose writes could not
    /// end before its invocation does.
    fn longest_write(&self) -> Duration;
}

/// How long an idempotent answer is kept for retries.
pub const RETENTION: Duration = Duration::from_secs(24 * 3600);
/// A claim not completed within this time (its request died) may be taken over.
pub const CLAIM_LEASE: Duration = Duration::from_secs(60);

/// A finished request's answer, kept as it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request owns the key now and does the work.
    Claimed,
    /// A live record exists: finished (`saved`) or still running.
    Existing { fingerprint: String, saved: Option<Saved> },
}

/// One idempotency record: an account's key, and the fingerprint of the request that claimed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope<'a> {
    pub account: &'a AccountId,
    pub key: &'a IdempotencyKey,
    pub fingerprint: &'a str,
}

#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims the key unless a record that has neither expired nor been abandoned holds it.
    async fn claim(&self, scope: &Scope<'_>, now: Timestamp) -> StoreResult<Claim>;
    /// Keeps the answer until `now` + [`RETENTION`].
    async fn complete(&self, scope: &Scope<'_>, saved: &Saved, now: Timestamp) -> StoreResult<()>;
    /// Gives the key up after a failure a retry may cure.
    async fn release(&self, scope: &Scope<'_>) -> StoreResult<()>;
}

/// How an accept's one atomic write ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinOutcome {
    /// The invitation is accepted and the member exists.
    Joined,
    /// The invitation was no longer as the write expects (a cancel, a resend or another accept came
    /// first, or another transaction held it): nothing was written.
    Changed,
    /// The user is already a member of the account: nothing was written.
    AlreadyMember,
}

/// A row of an account's Users list: a member, or an open invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRow {
    Member(Member),
    Invited(Invitation),
}

impl UserRow {
    /// The list's order, which every store keeps: by address, then the row itself.
    pub fn sort_key(&self) -> String {
        match self {
            UserRow::Member(m) => member_sort_key(m),
            UserRow::Invited(i) => invitation_sort_key(i),
        }
    }

    pub fn status(&self) -> Option<UserStatus> {
        match self {
            UserRow::Member(_) => Some(UserStatus::Active),
            UserRow::Invited(i) if i.status == Status::Pending => Some(UserStatus::Pending),
            UserRow::Invited(i) if i.status == Status::Processing => Some(UserStatus::Processing),
            UserRow::Invited(_) => None,
        }
    }
}

/// Rows sort by address, except those of people named by user id, which sort by `#<user id>` (before
/// every address): their address must not show in a cursor or by its place in the list.
fn sort_prefix(email: &Email, user: Option<&UserId>) -> String {
    match user {
        Some(user) => format!("#{user}"),
        None => email.as_str().to_owned(),
    }
}

pub fn member_sort_key(m: &Member) -> String {
    let prefix = sort_prefix(&m.email, m.by_user_id.then_some(&m.user_id));
    format!("{prefix}#MEMBER#{}", m.user_id)
}

pub fn invitation_sort_key(i: &Invitation) -> String {
    format!("{}#INV#{}", sort_prefix(&i.email, i.user_id.as_ref()), i.id)
}

/// Whether `key` is a sort key a Users row can have: `<prefix>#INV#<id>` or `<prefix>#MEMBER#<user>`, the
/// prefix an address or `#<user id>`.
pub fn is_user_sort_key(key: &str) -> bool {
    let mut parts = key.rsplitn(3, '#');
    let (Some(id), Some(kind), Some(prefix)) = (parts.next(), parts.next(), parts.next()) else { return false };
    let prefix_ok = match prefix.strip_prefix('#') {
        Some(user) => UserId::parse(user).is_ok(),
        None => Email::parse(prefix).is_ok_and(|e| e.as_str() == prefix),
    };
    prefix_ok
        && match kind {
            "INV" => InvitationId::parse(id).is_ok(),
            "MEMBER" => UserId::parse(id).is_ok(),
            _ => false,
        }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsersQuery {
    /// `None`: every status.
    pub statuses: Option<Vec<UserStatus>>,
    /// Only rows whose address begins with this (never rows of people invited by user id).
    pub email_prefix: Option<EmailPrefix>,
    /// Only open invitations whose latest report is one of these (never a member).
    pub deliveries: Option<Vec<DeliveryStatus>>,
    pub limit: u32,
    /// Continue after the row with this sort key.
    pub after: Option<String>,
}

#[derive(Debug, Default)]
pub struct UsersPage {
    pub rows: Vec<UserRow>,
    /// Set when more may follow: the sort key of the last row read.
    pub next_after: Option<String>,
}

#[async_trait]
pub trait MemberStore: Send + Sync {
    /// In one atomic write: `write` on the member's invitation; the member, unless its user is already a
    /// member of the account, in the seat the invitation held; and, when given, the address the
    /// directory keeps for the user.
    async fn join(&self, write: &Transition, member: &Member, directory: Option<&Email>) -> StoreResult<JoinOutcome>;
    async fn member(&self, account: &AccountId, user: &UserId) -> StoreResult<Option<Member>>;
    /// Removes the member if it is still the one given (joined through the same invitation), and frees
    /// its seat and its address for a new invitation. `false`: it was not there any more.
    async fn remove_member(&self, member: &Member) -> StoreResult<bool>;
    /// The address a user's token carried when they last accepted an invitation in this deployment.
    async fn directory(&self, user: &UserId) -> StoreResult<Option<Email>>;
    /// Members and open invitations of one account, in [`UserRow::sort_key`] order; one query a page.
    async fn users(&self, account: &AccountId, query: &UsersQuery) -> StoreResult<UsersPage>;
}
