//! The sweep against a deadline, on tokio's paused clock: a store whose writes and a mailer whose sends
//! take as long as each says it may, so every claim takes its worst case.
use super::owner_of;
use crate::adapters::memory::MemoryStore;
use crate::adapters::recording::{RecordingMailer, Refusal};
use crate::domain::{AccountId, Email, Invitation, InvitationId, Member, Timestamp, UserId};
use crate::ports::store::{
    Claim, CreateOutcome, DueKey, DuePage, DueShard, IdempotencyStore, InvitationStore, JoinOutcome, ListQuery,
    MemberStore, Page, Saved, Scope, StoreResult, UpdateOutcome, UsersPage, UsersQuery,
};
use crate::ports::{MailError, Mailer, OutgoingEmail};
use crate::rules::Transition;
use crate::service::sweep::{claim_margin, sweep};
use async_trait::async_trait;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

const WRITE: Duration = Duration::from_secs(10);
const SEND: Duration = Duration::from_secs(20);

/// Every conditional write takes [`WRITE`]; when each ended is kept.
#[derive(Default)]
struct SlowStore {
    inner: MemoryStore,
    writes_done: Mutex<Vec<Instant>>,
}

#[async_trait]
impl InvitationStore for SlowStore {
    async fn create(&self, invitation: &Invitation) -> StoreResult<CreateOutcome> {
        self.inner.create(invitation).await
    }
    async fn update(&self, account: &AccountId, id: InvitationId, write: &Transition) -> StoreResult<UpdateOutcome> {
        tokio::time::sleep(WRITE).await;
        let outcome = self.inner.update(account, id, write).await;
        self.writes_done.lock().unwrap().push(Instant::now());
        outcome
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
        WRITE
    }
}

#[async_trait]
impl crate::ports::SendSlots for SlowStore {
    async fn reserve_slots(&self, n: u32, interval: Duration, now: Timestamp) -> StoreResult<Timestamp> {
        self.inner.reserve_slots(n, interval, now).await
    }
    async fn reclaim_slot(&self, slot: Timestamp, interval: Duration, now: Timestamp) -> StoreResult<bool> {
        self.inner.reclaim_slot(slot, interval, now).await
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

/// Every send takes [`SEND`].
struct SlowMailer(Arc<RecordingMailer>);

#[async_trait]
impl Mailer for SlowMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        tokio::time::sleep(SEND).await;
        self.0.send(email).await
    }
    fn longest_send(&self) -> Duration {
        SEND
    }
}

#[tokio::test(start_paused = true)]
async fn the_sweep_claims_nothing_it_could_not_finish_before_the_deadline() {
    let mut w = super::world();
    let store = Arc::new(SlowStore::default());
    w.deps.store = store.clone();
    w.notifier.mailer = Arc::new(SlowMailer(w.mailer.clone()));
    // 20 invitations stuck in `processing`: each retry is a claim, a send and the write that marks it sent.
    w.mailer.refuse(Some(Refusal::Unavailable));
    let auth = owner_of("acme");
    let invitees: Vec<String> = (0..20).map(|i| format!("stuck{i}@x.io")).collect();
    w.invite(&auth, json!(invitees)).await;
    w.mailer.refuse(None);
    w.clock.advance(Duration::from_secs(6 * 60));
    store.writes_done.lock().unwrap().clear();

    assert_eq!(claim_margin(&w.deps, &w.notifier), Duration::from_secs(45), "10 + 20 + 10 s and the slack");
    // Eight claims at once take 40 s; 35 s are left after them, too little for another 40.
    let deadline = Instant::now() + Duration::from_secs(75);
    let s = sweep(&w.deps, &w.notifier, Some(deadline)).await.unwrap();
    assert!(s.retried > 0 && !s.complete, "{s:?}");
    let done = store.writes_done.lock().unwrap().clone();
    assert_eq!(done.len(), 2 * s.retried as usize, "a claim and a mark for each retry");
    let last = done.iter().max().unwrap();
    assert!(*last <= deadline, "a write ended {:?} after the deadline", *last - deadline);
}
