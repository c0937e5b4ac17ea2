//! Pacing: the account's sending rate as a shared schedule of send slots, and the queue that carries an
//! email whose slot is too far off for the request that made it. docs/DESIGN.md, "Pacing".
use super::store::{BoxError, StoreResult};
use crate::domain::{AccountId, InvitationId, Timestamp};
use async_trait::async_trait;
use std::time::Duration;

/// Emails a second SES accepts from the account (SES v2 `GetAccount` → `MaxSendRate`, or less by
/// configuration): from [`SendRate::SANDBOX`] to [`SendRate::MAX`], so the time between two slots is
/// always between 1 ms and about a second, and no slot arithmetic can overflow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SendRate(f64);

impl SendRate {
    /// The new account's sandbox quota, the lowest any account has: the rate when none is known.
    pub const SANDBOX: SendRate = SendRate(1.0);
    /// The send schedule counts whole milliseconds, so it cannot pace faster than this.
    pub const MAX: SendRate = SendRate(1000.0);

    /// A rate within what SES grants and the schedule can pace; `None` for anything else.
    pub fn new(per_second: f64) -> Option<Self> {
        (Self::SANDBOX.0..=Self::MAX.0).contains(&per_second).then_some(Self(per_second))
    }

    /// The account's `MaxSendRate` as the schedule can pace it: above [`SendRate::MAX`] it paces at
    /// that; below the sandbox's 1 a second (no account has less) or not a number, unknown.
    pub fn of_account(max_send_rate: f64) -> Option<Self> {
        Self::new(max_send_rate.min(Self::MAX.0))
    }

    pub fn per_second(self) -> f64 {
        self.0
    }

    /// The lower of two rates: a configured rate may only lower the account's.
    pub fn min(self, other: SendRate) -> SendRate {
        if other.0 < self.0 {
            other
        } else {
            self
        }
    }
}

/// Which schedule a reservation takes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule<'a> {
    /// The slots emails go out in: one schedule all instances and accounts share (a GCRA "theoretical
    /// arrival time"), so their sends together keep one interval apart.
    Shared,
    /// When an account's handed-on emails are expected: its own emails one interval apart, whatever
    /// other accounts have waiting, so that the queue delivers the accounts' emails side by side.
    Lane(&'a AccountId),
}

/// What a reservation got: `count` consecutive slots from `first`. With none (nothing fitted before
/// the bound), `first` is the schedule's next free slot, which nobody holds yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserved {
    pub first: Timestamp,
    pub count: u32,
}

#[async_trait]
pub trait SendSlots: Send + Sync {
    /// Reserves up to `n` consecutive slots of `schedule`, `interval` apart, none before `now` and none
    /// after `last`: as many as fit, none when the first would be after it. Concurrent reservations
    /// never overlap; one that gets no slot changes nothing.
    async fn reserve_slots(
        &self,
        schedule: Schedule<'_>,
        n: u32,
        interval: Duration,
        now: Timestamp,
        last: Option<Timestamp>,
    ) -> StoreResult<Reserved>;

    /// Moves the reserved `slot` of the shared schedule to `now` when nobody has reserved a slot after it
    /// (the schedule's next is `slot` + `interval`), so the schedule then continues from `now`; false,
    /// changing nothing, when somebody has. A send too late for its slot keeps its turn this way when it
    /// was the last.
    async fn reclaim_slot(&self, slot: Timestamp, interval: Duration, now: Timestamp) -> StoreResult<bool>;
}

/// How many of `n` slots `interval` apart from `first` fall at or before `last`.
pub fn slots_fitting(n: u32, interval: Duration, first: Timestamp, last: Option<Timestamp>) -> u32 {
    let Some(last) = last else { return n };
    if last < first {
        return 0;
    }
    let fit = first.until(last).as_millis() / interval.as_millis().max(1) + 1;
    n.min(u32::try_from(fit).unwrap_or(u32::MAX))
}

/// One email handed on: which invitation, and when it goes. The message names the invitation only; the
/// sender claims it (with a new token) when its slot comes. A request hands on with a slot held only
/// what its reservation already covered: the rest reserve theirs when the sender receives them, so a
/// message the queue delivers late costs the schedule no slot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueuedSend {
    pub account: AccountId,
    pub invitation: InvitationId,
    /// Epoch milliseconds: the slot it holds, or when its slot is expected (what the queue delays it to).
    pub at: i64,
    /// Whether `at` is a slot reserved for it.
    #[serde(default)]
    pub held: bool,
}

impl QueuedSend {
    /// An email that holds its slot of the schedule.
    pub fn held(account: AccountId, invitation: InvitationId, slot: Timestamp) -> Self {
        Self { account, invitation, at: slot.millis(), held: true }
    }

    /// An email that takes its slot when the sender receives it, expected about `at`.
    pub fn expected(account: AccountId, invitation: InvitationId, at: Timestamp) -> Self {
        Self { account, invitation, at: at.millis(), held: false }
    }

    pub fn at(&self) -> Timestamp {
        Timestamp::from_millis(self.at)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The queue could not be reached or refused the messages; the sweep finds what was not handed on.
    #[error("the send queue is unavailable")]
    Unavailable(#[source] BoxError),
}

/// Where emails go that their request cannot send within its budget: a durable queue that delivers
/// each message at about its slot to the paced sender.
#[async_trait]
pub trait SendQueue: Send + Sync {
    async fn hand_on(&self, sends: &[QueuedSend], now: Timestamp) -> Result<(), QueueError>;
}
