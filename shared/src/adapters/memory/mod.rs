//! The in-memory twin of the DynamoDB store: the same semantics behind one lock, for the local run and
//! fast rule tests. The contract suite runs the same cases against both. With a file it persists every
//! change (written whole to a temporary file, then renamed over the old one), so a restart keeps
//! the invitations. A listener, when given, is told of each committed change of an invitation or a
//! member, in order, as DynamoDB's stream tells the `events` function.
mod file;
mod keys;
mod members;
#[cfg(any(test, feature = "test-support"))]
pub mod queue;
mod reputation;
mod settings;

use crate::domain::{AccountId, AccountSettings, Email, Invitation, InvitationId, Member, Status, Timestamp, UserId};
use crate::events::{Change, Stored};
use crate::ports::bus::ChangeListener;
use crate::ports::pace::{slots_fitting, Reserved, Schedule};
use crate::ports::store::{
    CreateOutcome, DueKey, DuePage, DueShard, DueShards, InvitationStore, ListQuery, Page, Saved, StoreResult,
    UpdateOutcome,
};
use crate::rules::{Report, Transition};
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    file: Option<PathBuf>,
    listener: Option<Arc<dyn ChangeListener>>,
}

#[derive(Default)]
struct Inner {
    invitations: BTreeMap<(AccountId, InvitationId), Invitation>,
    /// Idempotency records by (account, key); kept in memory only, like the 24-hour window they serve.
    keys: HashMap<(AccountId, String), KeyRecord>,
    /// The latest invitation per (account, email), as DynamoDB's slot items.
    latest: HashMap<(AccountId, Email), InvitationId>,
    members: BTreeMap<(AccountId, UserId), Member>,
    /// The address each user's token carried when they last accepted.
    directory: HashMap<UserId, Email>,
    /// The send schedule's first free slot (epoch milliseconds), as DynamoDB's `PACE` item.
    next_slot: i64,
    /// Each account's lane: when its next handed-on email is expected, as DynamoDB's `LANE` items.
    lanes: HashMap<AccountId, i64>,
    /// Each account's sending record and pause.
    reputation: HashMap<AccountId, reputation::Record>,
    /// Each account's settings, once its owner set them.
    settings: HashMap<AccountId, AccountSettings>,
}

struct KeyRecord {
    fingerprint: String,
    saved: Option<Saved>,
    /// Until when an unfinished claim holds the key.
    lease_until: Timestamp,
    expires: Timestamp,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Tells `listener` of every change from now on.
    pub fn with_listener(self, listener: Arc<dyn ChangeListener>) -> Self {
        Self { listener: Some(listener), ..self }
    }

    /// Called with the lock held, after the change is stored, so the listener hears changes in order.
    fn changed(&self, old: Option<Stored>, new: Option<Stored>) {
        if let Some(listener) = &self.listener {
            listener.changed(&Change { old, new });
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere cannot leave an invitation half-written: every write below is one insert.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl InvitationStore for MemoryStore {
    async fn create_checked(&self, invitation: &Invitation, refuse_undeliverable: bool) -> StoreResult<CreateOutcome> {
        let mut inner = self.lock();
        let slot = (invitation.account_id.clone(), invitation.email.clone());
        let supersede = crate::rules::supersede(invitation);
        let prev = inner.latest.get(&slot).and_then(|id| inner.invitations.get(&(slot.0.clone(), *id))).cloned();
        if let Some(prev) = &prev {
            if refuse_undeliverable && prev.undeliverable() && prev.status != Status::Accepted {
                return Ok(CreateOutcome::Undeliverable(prev.clone()));
            }
            if prev.status.is_open() && !supersede.expect.matches(prev) {
                return Ok(CreateOutcome::AlreadyOpen(prev.clone()));
            }
            if prev.status == Status::Accepted {
                return Ok(CreateOutcome::AlreadyMember(prev.clone()));
            }
        }
        let superseded = prev.filter(|p| supersede.expect.matches(p));
        // A superseded invitation hands its seat on; any other new one needs a free seat.
        let takes_seat = superseded.is_none() && invitation.status.is_open();
        if takes_seat && !settings::seats_of(&inner, &invitation.account_id).has_room() {
            return Ok(CreateOutcome::SeatLimitReached);
        }
        let mut expired = superseded.clone();
        if let Some(expired) = &mut expired {
            supersede.change.apply(expired);
            inner.invitations.insert((expired.account_id.clone(), expired.id), expired.clone());
        }
        let key = (invitation.account_id.clone(), invitation.id);
        let previous = inner.latest.insert(slot.clone(), invitation.id);
        inner.invitations.insert(key.clone(), invitation.clone());
        if let Err(e) = self.persist(&inner) {
            // Not on disk, so not stored: undo, as a failed DynamoDB write leaves nothing behind.
            inner.invitations.remove(&key);
            if let Some(prev) = superseded {
                inner.invitations.insert((prev.account_id.clone(), prev.id), prev);
            }
            match previous {
                Some(id) => inner.latest.insert(slot, id),
                None => inner.latest.remove(&slot),
            };
            return Err(e);
        }
        if let (Some(old), Some(new)) = (superseded, expired) {
            self.changed(Some(Stored::Invitation(old)), Some(Stored::Invitation(new)));
        }
        self.changed(None, Some(Stored::Invitation(invitation.clone())));
        Ok(CreateOutcome::Created)
    }

    async fn update(&self, account: &AccountId, id: InvitationId, write: &Transition) -> StoreResult<UpdateOutcome> {
        let mut inner = self.lock();
        let key = (account.clone(), id);
        let Some(inv) = inner.invitations.get_mut(&key) else {
            return Ok(UpdateOutcome::NotFound);
        };
        if !write.expect.matches(inv) {
            return Ok(UpdateOutcome::Mismatch(inv.clone()));
        }
        let before = inv.clone();
        write.change.apply(inv);
        let updated = inv.clone();
        if let Err(e) = self.persist(&inner) {
            inner.invitations.insert(key, before);
            return Err(e);
        }
        self.changed(Some(Stored::Invitation(before)), Some(Stored::Invitation(updated.clone())));
        Ok(UpdateOutcome::Updated(updated))
    }

    async fn report(&self, account: &AccountId, id: InvitationId, report: &Report) -> StoreResult<UpdateOutcome> {
        let mut inner = self.lock();
        let key = (account.clone(), id);
        let Some(inv) = inner.invitations.get_mut(&key) else {
            return Ok(UpdateOutcome::NotFound);
        };
        if !report.matches(inv) {
            return Ok(UpdateOutcome::Mismatch(inv.clone()));
        }
        let before = inv.clone();
        report.apply(inv);
        let updated = inv.clone();
        if let Err(e) = self.persist(&inner) {
            inner.invitations.insert(key, before);
            return Err(e);
        }
        self.changed(Some(Stored::Invitation(before)), Some(Stored::Invitation(updated.clone())));
        Ok(UpdateOutcome::Updated(updated))
    }

    async fn get(&self, account: &AccountId, id: InvitationId) -> StoreResult<Option<Invitation>> {
        Ok(self.lock().invitations.get(&(account.clone(), id)).cloned())
    }

    async fn list(&self, account: &AccountId, query: &ListQuery) -> StoreResult<Page> {
        let inner = self.lock();
        let limit = query.limit.max(1) as usize;
        let items: Vec<Invitation> = inner
            .invitations
            .range((account.clone(), InvitationId::MIN)..=(account.clone(), InvitationId::MAX))
            .rev()
            .map(|(_, inv)| inv)
            .filter(|inv| query.after.is_none_or(|after| inv.id < after))
            .filter(|inv| query.statuses.as_ref().is_none_or(|s| s.contains(&inv.status)))
            // As DynamoDB's `by_email`: invitations sent to an address, never one sent by user id.
            .filter(|inv| query.email.as_ref().is_none_or(|e| *e == inv.email && inv.user_id.is_none()))
            .filter(|inv| {
                query.deliveries.as_ref().is_none_or(|ds| inv.delivery.as_ref().is_some_and(|d| ds.contains(&d.status)))
            })
            .take(limit)
            .cloned()
            .collect();
        // Like DynamoDB with a limit: a full page says more may follow.
        let next_after = (items.len() == limit).then(|| items.last().map(|i| i.id)).flatten();
        Ok(Page { items, next_after })
    }

    async fn due(&self, now: Timestamp, shard: DueShard, after: Option<DueKey>, limit: u32) -> StoreResult<DuePage> {
        let inner = self.lock();
        let key =
            |inv: &Invitation| inv.due_at.map(|due_at| DueKey { due_at, account: inv.account_id.clone(), id: inv.id });
        // The shard follows from the id, as DynamoDB's stored one does; this store never had a legacy partition.
        let mut due: Vec<(DueKey, &Invitation)> = inner
            .invitations
            .values()
            .filter(|inv| DueShards::DEFAULT.of(inv.id) == shard)
            .filter_map(|inv| key(inv).map(|k| (k, inv)))
            .filter(|(k, _)| k.due_at <= now && after.as_ref().is_none_or(|a| k > a))
            .collect();
        due.sort_by(|a, b| a.0.cmp(&b.0));
        due.truncate(limit.max(1) as usize);
        let next = (due.len() == limit as usize).then(|| due.last().map(|(k, _)| k.clone())).flatten();
        let items: Vec<Invitation> = due.into_iter().map(|(_, inv)| inv.clone()).collect();
        Ok(DuePage { read: items.len(), items, next, unreadable: 0 })
    }

    /// One insert under the lock, and with a file one small write and a rename.
    fn longest_write(&self) -> Duration {
        if self.file.is_some() {
            Duration::from_secs(1)
        } else {
            Duration::ZERO
        }
    }
}

#[async_trait]
impl crate::ports::SendSlots for MemoryStore {
    /// The schedule lives with the process, like the idempotency records: nothing else sends from it.
    async fn reserve_slots(
        &self,
        schedule: Schedule<'_>,
        n: u32,
        interval: Duration,
        now: Timestamp,
        last: Option<Timestamp>,
    ) -> StoreResult<Reserved> {
        let mut inner = self.lock();
        let next = match schedule {
            Schedule::Shared => &mut inner.next_slot,
            Schedule::Lane(account) => inner.lanes.entry(account.clone()).or_insert(i64::MIN),
        };
        let first = Timestamp::from_millis((*next).max(now.millis()));
        let count = slots_fitting(n, interval, first, last);
        if count > 0 {
            *next = first.millis() + i64::from(count) * interval.as_millis() as i64;
        }
        Ok(Reserved { first, count })
    }

    async fn reclaim_slot(&self, slot: Timestamp, interval: Duration, now: Timestamp) -> StoreResult<bool> {
        let mut inner = self.lock();
        let step = interval.as_millis() as i64;
        let last = inner.next_slot == slot.millis() + step;
        if last {
            inner.next_slot = now.millis() + step;
        }
        Ok(last)
    }
}
