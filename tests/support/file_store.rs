//! The in-memory store as the local server keeps it in a file, checked for what the file holds: every
//! invitation operation runs on a store freshly opened from the file, so each read sees only what the
//! writes before it persisted. A store that kept changes in memory but wrote them badly (or not at all)
//! fails the contract here.
use async_trait::async_trait;
use invitations::adapters::memory::MemoryStore;
use invitations::domain::{
    AccountId, AccountSettings, Counted, Email, Hour, Invitation, InvitationId, Member, Pause, Seats, Tally, Timestamp,
    UserId,
};
use invitations::ports::reputation::ReputationStore;
use invitations::ports::settings::{SettingsOutcome, SettingsStore, SettingsWrite};
use invitations::ports::store::{
    Claim, CreateOutcome, DueKey, DuePage, DueShard, IdempotencyStore, InvitationStore, JoinOutcome, ListQuery,
    MemberStore, Page, Saved, Scope, StoreResult, UpdateOutcome, UsersPage, UsersQuery,
};
use invitations::ports::{Reserved, Schedule, SendSlots};
use invitations::rules::{Report, Transition};
use std::path::PathBuf;

pub struct ReopenedStore {
    path: PathBuf,
    /// One operation at a time, as one process owning the file runs them: each reopened store has a lock
    /// of its own, which would not keep two operations from reading the same old file.
    turn: tokio::sync::Mutex<()>,
    /// Idempotency records are kept in memory only, by design: they live in one long-lived store.
    keys: MemoryStore,
}

impl ReopenedStore {
    pub fn new(path: PathBuf) -> Self {
        Self { path, turn: tokio::sync::Mutex::new(()), keys: MemoryStore::new() }
    }

    fn reopen(&self) -> MemoryStore {
        MemoryStore::open(&self.path).expect("the store file reads back")
    }
}

/// The send schedule lives with the process, as the local server keeps it.
#[async_trait]
impl SendSlots for ReopenedStore {
    async fn reserve_slots(
        &self,
        schedule: Schedule<'_>,
        n: u32,
        interval: std::time::Duration,
        now: Timestamp,
        last: Option<Timestamp>,
    ) -> StoreResult<Reserved> {
        self.keys.reserve_slots(schedule, n, interval, now, last).await
    }

    async fn reclaim_slot(&self, slot: Timestamp, interval: std::time::Duration, now: Timestamp) -> StoreResult<bool> {
        self.keys.reclaim_slot(slot, interval, now).await
    }
}

#[async_trait]
impl InvitationStore for ReopenedStore {
    async fn create_checked(&self, invitation: &Invitation, refuse_undeliverable: bool) -> StoreResult<CreateOutcome> {
        let _turn = self.turn.lock().await;
        self.reopen().create_checked(invitation, refuse_undeliverable).await
    }

    async fn update(&self, account: &AccountId, id: InvitationId, write: &Transition) -> StoreResult<UpdateOutcome> {
        let _turn = self.turn.lock().await;
        self.reopen().update(account, id, write).await
    }

    async fn report(&self, account: &AccountId, id: InvitationId, report: &Report) -> StoreResult<UpdateOutcome> {
        let _turn = self.turn.lock().await;
        self.reopen().report(account, id, report).await
    }

    async fn get(&self, account: &AccountId, id: InvitationId) -> StoreResult<Option<Invitation>> {
        let _turn = self.turn.lock().await;
        self.reopen().get(account, id).await
    }

    async fn list(&self, account: &AccountId, query: &ListQuery) -> StoreResult<Page> {
        let _turn = self.turn.lock().await;
        self.reopen().list(account, query).await
    }

    async fn due(&self, now: Timestamp, shard: DueShard, after: Option<DueKey>, limit: u32) -> StoreResult<DuePage> {
        let _turn = self.turn.lock().await;
        self.reopen().due(now, shard, after, limit).await
    }

    fn longest_write(&self) -> std::time::Duration {
        self.reopen().longest_write()
    }
}

#[async_trait]
impl MemberStore for ReopenedStore {
    async fn join(&self, write: &Transition, member: &Member, directory: Option<&Email>) -> StoreResult<JoinOutcome> {
        let _turn = self.turn.lock().await;
        self.reopen().join(write, member, directory).await
    }

    async fn member(&self, account: &AccountId, user: &UserId) -> StoreResult<Option<Member>> {
        let _turn = self.turn.lock().await;
        self.reopen().member(account, user).await
    }

    async fn remove_member(&self, member: &Member) -> StoreResult<bool> {
        let _turn = self.turn.lock().await;
        self.reopen().remove_member(member).await
    }

    async fn directory(&self, user: &UserId) -> StoreResult<Option<Email>> {
        let _turn = self.turn.lock().await;
        self.reopen().directory(user).await
    }

    async fn users(&self, account: &AccountId, query: &UsersQuery) -> StoreResult<UsersPage> {
        let _turn = self.turn.lock().await;
        self.reopen().users(account, query).await
    }
}

#[async_trait]
impl IdempotencyStore for ReopenedStore {
    async fn claim(&self, scope: &Scope<'_>, now: Timestamp) -> StoreResult<Claim> {
        self.keys.claim(scope, now).await
    }

    async fn complete(&self, scope: &Scope<'_>, saved: &Saved, now: Timestamp) -> StoreResult<()> {
        self.keys.complete(scope, saved, now).await
    }

    async fn release(&self, scope: &Scope<'_>) -> StoreResult<()> {
        self.keys.release(scope).await
    }
}

/// Each account's sending record lives with the process too, as the local server keeps it.
#[async_trait]
impl ReputationStore for ReopenedStore {
    async fn count(&self, account: &AccountId, hour: Hour, what: Counted) -> StoreResult<()> {
        self.keys.count(account, hour, what).await
    }

    async fn tally(&self, account: &AccountId, from: Hour) -> StoreResult<Tally> {
        self.keys.tally(account, from).await
    }

    async fn pause(&self, account: &AccountId, pause: &Pause) -> StoreResult<bool> {
        self.keys.pause(account, pause).await
    }

    async fn paused(&self, account: &AccountId) -> StoreResult<Option<Pause>> {
        self.keys.paused(account).await
    }

    async fn resume(&self, account: &AccountId) -> StoreResult<Option<Pause>> {
        self.keys.resume(account).await
    }
}

#[async_trait]
impl SettingsStore for ReopenedStore {
    async fn settings(&self, account: &AccountId) -> StoreResult<AccountSettings> {
        let _turn = self.turn.lock().await;
        self.reopen().settings(account).await
    }

    async fn put_settings(&self, write: &SettingsWrite<'_>) -> StoreResult<SettingsOutcome> {
        let _turn = self.turn.lock().await;
        self.reopen().put_settings(write).await
    }

    async fn seats(&self, account: &AccountId) -> StoreResult<Seats> {
        let _turn = self.turn.lock().await;
        self.reopen().seats(account).await
    }
}
