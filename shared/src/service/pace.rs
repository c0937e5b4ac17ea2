//! Pacing: every email goes out in a slot of the account's send schedule, so all instances together
//! stay under SES's sending rate and a request never waits on it. A request sends what falls within
//! [`REQUEST_BUDGET`] and hands the rest to the paced sender through the send queue; docs/DESIGN.md,
//! "Pacing".
use super::{Deps, Notifier};
use crate::domain::{AccountId, Invitation, Timestamp, Token};
use crate::ports::{MailError, QueuedSend, Schedule, SendQueue, SendRate, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long a request may wait for its emails' slots.
pub const REQUEST_BUDGET: Duration = Duration::from_secs(1);
/// The share of the quota the schedule uses. Slots are exact but sends are not: a send reaches SES a
/// few milliseconds after its slot, tens of milliseconds when its process is starved or opens a new
/// connection. Pacing at 93 % of the rate leaves every one-second window about 75 ms of room for that,
/// at any rate (r slots span r / 0.93 intervals of 1 / r s: 1.075 s).
pub const HEADROOM: f64 = 0.93;
/// A send reaching its gate later than this after its slot does not go in it (see [`at_slot`]): sent
/// late in its old slot, it would crowd the sends now in theirs. Less than the room [`HEADROOM`] leaves in a second,
/// with the rest for the call's own jitter.
pub const LATE: Duration = Duration::from_millis(60);

/// The rate emails go out at and where those beyond a request's budget go.
#[derive(Clone)]
pub struct Pacing {
    pub rate: SendRate,
    pub queue: Arc<dyn SendQueue>,
}

impl Pacing {
    /// The time between two slots, in whole milliseconds (the schedule's unit), rounded up.
    pub fn interval(&self) -> Duration {
        let ms = (1000.0 / (self.rate.per_second() * HEADROOM)).ceil().max(1.0);
        Duration::from_millis(ms as u64)
    }

    /// How many slots an idle schedule has from the first a reservation can give to `end`.
    pub fn slots_within(&self, end: Duration) -> usize {
        let span = end.saturating_sub(RESERVE_LEAD);
        (span.as_millis() / self.interval().as_millis()) as usize + 1
    }
}

/// How many of a request's `n` emails it may reserve slots for: those an idle schedule has room for
/// within its budget (all, unpaced). The others are handed on at once, expected in their account's lane.
pub fn within_budget(notifier: &Notifier, n: usize) -> usize {
    notifier.pacing.as_ref().map_or(n, |p| n.min(p.slots_within(REQUEST_BUDGET)))
}

/// The earliest slot a reservation asks for is this far off, so that the reservation's own round trip
/// does not make its first slot late before the caller can use it.
pub const RESERVE_LEAD: Duration = Duration::from_millis(100);

/// How far ahead of now the paced sender and the sweep reserve slots. The schedule beyond it is left to
/// requests, so that a request finds a slot within its budget however many emails wait in the queue:
/// another account's invitation is never behind a backlog.
pub const SENDER_AHEAD: Duration = Duration::from_millis(500);

/// The latest slot a request may take: one interval past its budget, so that even at a second between
/// slots a request finds one past what the sender holds. One past the budget is handed on holding it.
pub fn request_last(notifier: &Notifier, budget_end: Timestamp) -> Option<Timestamp> {
    Some(budget_end.plus(notifier.pacing.as_ref()?.interval()))
}

/// The latest slot the paced sender and the sweep may take now.
pub fn sender_last(deps: &Deps) -> Option<Timestamp> {
    Some(deps.clock.now().plus(SENDER_AHEAD))
}

/// Slots a reservation got, and the schedule's next free slot after them.
#[derive(Debug, Clone)]
pub struct Slots {
    pub slots: Vec<Timestamp>,
    pub next: Timestamp,
    /// The first slot is the earliest a reservation gives: nobody held the schedule ahead of it.
    pub idle: bool,
}

/// Up to `n` consecutive slots of the shared schedule, the first not before [`RESERVE_LEAD`] from now
/// and none after `last`: as many as fit. Unpaced (a mailer without a quota) every slot is now.
pub async fn reserve(deps: &Deps, notifier: &Notifier, n: usize, last: Option<Timestamp>) -> Result<Slots, StoreError> {
    let now = deps.clock.now();
    let Some(pacing) = notifier.pacing.as_ref().filter(|_| n > 0) else {
        return Ok(Slots { slots: vec![now; n], next: now, idle: true });
    };
    let interval = pacing.interval();
    let earliest = now.plus(RESERVE_LEAD);
    let got = deps.store.reserve_slots(Schedule::Shared, n as u32, interval, earliest, last).await?;
    let slots: Vec<Timestamp> = (0..got.count).map(|i| got.first.plus(interval * i)).collect();
    Ok(Slots { next: got.first.plus(interval * got.count), slots, idle: got.first == earliest })
}

/// The next `n` turns of `account`'s lane: when its emails handed on without a slot are expected, one
/// interval apart from its last or from now. Each account's lane runs at the whole rate, so the queue
/// delivers the emails of accounts sending at once side by side, and the paced sender, taking slots in
/// the order it receives them, gives each about an equal share.
pub async fn expect(deps: &Deps, notifier: &Notifier, account: &AccountId, n: usize) -> Result<Lane, StoreError> {
    let now = deps.clock.now();
    let Some(pacing) = notifier.pacing.as_ref().filter(|_| n > 0) else {
        return Ok(Lane { at: vec![now; n], behind: false });
    };
    let interval = pacing.interval();
    let got = deps.store.reserve_slots(Schedule::Lane(account), n as u32, interval, now, None).await?;
    Ok(Lane { at: (0..got.count).map(|i| got.first.plus(interval * i)).collect(), behind: got.first > now })
}

/// Turns of an account's lane.
#[derive(Debug, Clone)]
pub struct Lane {
    pub at: Vec<Timestamp>,
    /// The lane was ahead of now: the account has emails waiting, which these go behind.
    pub behind: bool,
}

/// How long before its slot a send starts its reads and claim, so that their latency does not delay
/// the send itself: a send only goes within [`LATE`] of its slot.
pub const LEAD: Duration = Duration::from_millis(500);

/// What an invocation may still wait for: its deadline less `margin`, what a claim, its send and the
/// write after them need. Without a deadline (the tests, the local server) every slot is in time.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Option<Instant>,
    margin: Duration,
}

impl Deadline {
    pub fn new(at: Option<Instant>, margin: Duration) -> Self {
        Self { at, margin }
    }

    pub fn margin(&self) -> Duration {
        self.margin
    }

    /// Less than the margin is left: nothing more may be claimed.
    pub fn short(&self) -> bool {
        self.at.is_some_and(|d| d.saturating_duration_since(Instant::now()) < self.margin)
    }

    /// Whether the invocation can wait for `slot` (on the clock that reads `now`), then claim and send.
    pub fn allows(&self, now: Timestamp, slot: Timestamp) -> bool {
        self.at.is_none_or(|d| d.saturating_duration_since(Instant::now()) >= self.margin + now.until(slot))
    }

    /// The last slot a send already claimed may wait for ([`at_slot`]'s `until`), on `now`'s clock.
    pub fn last_slot(&self, now: Timestamp) -> Option<Timestamp> {
        let left = self.at?.saturating_duration_since(Instant::now());
        Some(match left.checked_sub(self.margin) {
            Some(spare) => now.plus(spare),
            None => now.minus(self.margin - left),
        })
    }
}

/// Sleeps until `slot`.
pub async fn wait_for(deps: &Deps, slot: Timestamp) {
    let wait = deps.clock.now().until(slot);
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
}

/// A send that could not keep its slot and found no fresh one in time: the caller hands it on, expected
/// in its account's lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Missed;

/// The gate right before a send: waits for `slot`; a caller that reached it more than [`LATE`] after it
/// (a slow claim, a starved process) moves its slot to [`RESERVE_LEAD`] from now when it was the last
/// reserved, and otherwise takes a fresh slot by `until` (the request's budget, the invocation's last
/// slot), and waits for that instead, so a send never lands on the slots
/// of others. Without one it is [`Missed`], for the caller to hand the email on. Should the schedule
/// not answer, the send goes now: SES's answer to an excess is a throttle ([`send_in_slot`] takes a
/// fresh slot), not a loss.
pub async fn at_slot(
    deps: &Deps,
    notifier: &Notifier,
    slot: Timestamp,
    until: Option<Timestamp>,
) -> Result<(), Missed> {
    let mut slot = slot;
    loop {
        wait_for(deps, slot).await;
        if deps.clock.now() <= slot.plus(LATE) {
            return Ok(());
        }
        match later_slot(deps, notifier, slot, until).await {
            Ok(Some(fresh)) => slot = fresh,
            Ok(None) => return Err(Missed),
            Err(e) => {
                tracing::warn!(error = %crate::logging::chain(&e), "no fresh send slot; sending now");
                return Ok(());
            }
        }
    }
}

/// How many fresh slots a throttled send takes before it counts as refused (left `processing` for the
/// sweep): paced, a throttle means a send reached SES off its slot, which a fresh slot mends; throttles
/// that go on mean SES allows less than the configured rate.
pub const THROTTLE_RESLOTS: u32 = 3;

/// Sends `inv`'s email through [`at_slot`]'s gate for `slot` (none: now). A send SES throttles takes a
/// fresh slot rather than retrying into the slots of others. Without one in time it is [`Missed`].
pub async fn send_in_slot(
    deps: &Deps,
    notifier: &Notifier,
    inv: &Invitation,
    token: &Token,
    slot: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Result<Result<(), MailError>, Missed> {
    let mut slot = slot;
    let mut reslots = 0;
    loop {
        if let Some(slot) = slot {
            at_slot(deps, notifier, slot, until).await?;
        }
        match notifier.deliver(inv, token).await {
            Err(throttled @ MailError::Throttled(_)) if notifier.pacing.is_some() && reslots < THROTTLE_RESLOTS => {
                reslots += 1;
                tracing::warn!(invitation = %inv.id, error = %crate::logging::chain(&throttled), "throttled; sending in a fresh slot");
                match reserve(deps, notifier, 1, until).await {
                    Ok(fresh) => slot = Some(*fresh.slots.first().ok_or(Missed)?),
                    Err(e) => {
                        tracing::warn!(error = %crate::logging::chain(&e), "no fresh send slot");
                        return Ok(Err(throttled));
                    }
                }
            }
            sent => return Ok(sent),
        }
    }
}

/// A slot for a send too late for `slot`: the same turn moved to [`RESERVE_LEAD`] from now when nobody
/// reserved after it, or else a fresh one if one is free in time.
async fn later_slot(
    deps: &Deps,
    notifier: &Notifier,
    slot: Timestamp,
    until: Option<Timestamp>,
) -> Result<Option<Timestamp>, StoreError> {
    if let Some(pacing) = &notifier.pacing {
        let moved = deps.clock.now().plus(RESERVE_LEAD);
        if deps.store.reclaim_slot(slot, pacing.interval(), moved).await? {
            return Ok(Some(moved));
        }
    }
    Ok(reserve(deps, notifier, 1, until).await?.slots.first().copied())
}

/// Hands emails to the paced sender. A failure loses nothing: each invitation was written due a
/// processing timeout after its slot, where the sweep finds it.
pub async fn hand_on(deps: &Deps, notifier: &Notifier, sends: &[QueuedSend]) -> bool {
    let Some(pacing) = &notifier.pacing else { return sends.is_empty() };
    if sends.is_empty() {
        return true;
    }
    match pacing.queue.hand_on(sends, deps.clock.now()).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(emails = sends.len(), error = %crate::logging::chain(&e), "could not hand emails to the paced sender; the sweep will send them");
            false
        }
    }
}
