//! Stand-ins that make time matter, for tests on tokio's paused clock: a store whose writes take as long
//! as the test says (and that can land a cancel while a use case reserves its send slot), a mailer whose
//! sends do, and a clock that follows tokio's, so that a wait or a slow write makes a send late.
use crate::adapters::memory::MemoryStore;
use crate::adapters::recording::RecordingMailer;
use crate::domain::{AccountId, AccountSettings, Email, Invitation, InvitationId, Member, Seats, Timestamp, UserId};
use crate::ports::settings::{SettingsOutcome, SettingsStore, SettingsWrite};
use crate::ports::store::{
    Claim, CreateOutcome, DueKey, DuePage, DueShard, IdempotencyStore, InvitationStore, JoinOutcome, ListQuery,
    MemberStore, Page, Saved, Scope, StoreResult, UpdateOutcome, UsersPage, UsersQuery,
};
use crate::ports::{Clock, MailError, Mailer, OutgoingEmail};
use crate::rules::Transition;
use async_trait::async_trait;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Every conditional write takes `write` (and says so as its longest); when each ended is kept.
#[derive(Default)]
pub(super) struct SlowStore {
    pub inner: MemoryStore,
    write: Mutex<Duration>,
    pub writes_done: Mutex<Vec<Instant>>,
    /// Cancelled by the next reservation of send slots, as a cancel racing it would.
    cancel_at_reserve: Mutex<Option<(AccountId, InvitationId)>>,
}

impl SlowStore {
    pub fn new(write: Duration) -> Self {
        Self { write: Mutex::new(write), ..Self::default() }
    }

    pub fn set_write(&self, write: Duration) {
        *self.write.lock().unwrap() = write;
    }

    pub fn cancel_at_next_reservation(&self, inv: &Invitation) {
        *self.cancel_at_reserve.lock().unwrap() = Some((inv.account_id.clone(), inv.id));
    }

    fn write_time(&self) -> Duration {
        *self.write.lock().unwrap()
    }
}

#[async_trait]
impl InvitationStore for SlowStore {
    async fn create_checked(&self, invitation: &Invitation, refuse_undeliverable: bool) -> StoreResult<CreateOutcome> {
        self.inner.create_checked(invitation, refuse_undeliverable).await
    }
    async fn update(&self, account: &AccountId, id: InvitationId, write: &Transition) -> StoreResult<UpdateOutcome> {
        tokio::time::sleep(self.write_time()).await;
        let outcome = self.inner.update(account, id, write).await;
        self.writes_done.lock().unwrap().push(Instant::now());
        outcome
    }
    async fn report(
        &self,
        account: &AccountId,
        id: InvitationId,
        report: &crate::rules::Report,
    ) -> StoreResult<UpdateOutcome> {
        self.inner.report(account, id, report).await
    }
    async fn get(&self, account: &AccountId, id: InvitationId) -> StoreResult<Option<Invitation>> {
        self.inner.get(account, id).await
    }
    async fn list(&self, account: &AccountId, query: &ListQuery) -> StoreResult<Page> {
        self.inner.list(account, query).await
    }
    async fn due(&self, now: Timestamp, shard: DueShard, after: Option<DueKey>, limit: u32) -> StoreResult<DuePage> {
        self.inner.due(now, shard, after, limit).await
    }
    fn longest_write(&self) -> Duration {
        self.write_time()
    }
}

#[async_trait]
impl crate::ports::SendSlots for SlowStore {
    async fn reserve_slots(
        &self,
        schedule: crate::ports::Schedule<'_>,
        n: u32,
        interval: Duration,
        now: Timestamp,
        last: Option<Timestamp>,
    ) -> StoreResult<crate::ports::Reserved> {
        let cancel = self.cancel_at_reserve.lock().unwrap().take();
        if let Some((account, id)) = cancel {
            self.inner.update(&account, id, &crate::rules::cancel(now)).await?;
        }
        self.inner.reserve_slots(schedule, n, interval, now, last).await
    }
    async fn reclaim_slot(&self, slot: Timestamp, interval: Duration, now: Timestamp) -> StoreResult<bool> {
        self.inner.reclaim_slot(slot, interval, now).await
    }
}

#[async_trait]
impl crate::ports::reputation::ReputationStore for SlowStore {
    async fn count(
        &self,
        account: &AccountId,
        hour: crate::domain::Hour,
        what: crate::domain::Counted,
    ) -> StoreResult<()> {
        self.inner.count(account, hour, what).await
    }
    async fn tally(&self, account: &AccountId, from: crate::domain::Hour) -> StoreResult<crate::domain::Tally> {
        self.inner.tally(account, from).await
    }
    async fn pause(&self, account: &AccountId, pause: &crate::domain::Pause) -> StoreResult<bool> {
        self.inner.pause(account, pause).await
    }
    async fn paused(&self, account: &AccountId) -> StoreResult<Option<crate::domain::Pause>> {
        self.inner.paused(account).await
    }
    async fn resume(&self, account: &AccountId) -> StoreResult<Option<crate::domain::Pause>> {
        self.inner.resume(account).await
    }
}

#[async_trait]
impl IdempotencyStore for SlowStore {
    async fn claim(&self, scope: &Scope<'_>, now: Timestamp) -> StoreResult<Claim> {
        self.inner.claim(scope, now).await
    }
    async fn complete(&self, scope: &Scope<'_>, saved: &Saved, now: Timestamp) -> StoreResult<()> {
        self.inner.complete(scope, saved, now).await
    }
    async fn release(&self, scope: &Scope<'_>) -> StoreResult<()> {
        self.inner.release(scope).await
    }
}

#[async_trait]
impl MemberStore for SlowStore {
    async fn join(&self, write: &Transition, member: &Member, directory: Option<&Email>) -> StoreResult<JoinOutcome> {
        self.inner.join(write, member, directory).await
    }
    async fn member(&self, account: &AccountId, user: &UserId) -> StoreResult<Option<Member>> {
        self.inner.member(account, user).await
    }
    async fn remove_member(&self, member: &Member) -> StoreResult<bool> {
        self.inner.remove_member(member).await
    }
    async fn directory(&self, user: &UserId) -> StoreResult<Option<Email>> {
        self.inner.directory(user).await
    }
    async fn users(&self, account: &AccountId, query: &UsersQuery) -> StoreResult<UsersPage> {
        self.inner.users(account, query).await
    }
}

#[async_trait]
impl SettingsStore for SlowStore {
    async fn settings(&self, account: &AccountId) -> StoreResult<AccountSettings> {
        self.inner.settings(account).await
    }
    async fn put_settings(&self, write: &SettingsWrite<'_>) -> StoreResult<SettingsOutcome> {
        self.inner.put_settings(write).await
    }
    async fn seats(&self, account: &AccountId) -> StoreResult<Seats> {
        self.inner.seats(account).await
    }
}

/// Every send takes `.1` (and says so as its longest).
pub(super) struct SlowMailer(pub Arc<RecordingMailer>, pub Duration);

#[async_trait]
impl Mailer for SlowMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        tokio::time::sleep(self.1).await;
        self.0.send(email).await
    }
    fn longest_send(&self) -> Duration {
        self.1
    }
}

/// The time tokio's clock says, from `start` on: on a paused runtime it moves with every sleep, so a
/// slow write or a wait for a slot makes a send as late as it would be.
pub(super) struct TokioClock {
    start: Timestamp,
    at: Instant,
}

impl TokioClock {
    pub fn from(start: Timestamp) -> Arc<Self> {
        Arc::new(Self { start, at: Instant::now() })
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Timestamp {
        self.start.plus(self.at.elapsed())
    }
}
