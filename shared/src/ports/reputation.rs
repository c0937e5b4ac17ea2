//! The storage of each account's sending record and of the pause it may bring. The record is counted
//! from SES's reports, never at send time, so sending costs it nothing.
use super::store::StoreResult;
use crate::domain::{AccountId, Counted, Hour, Pause, Tally};
use async_trait::async_trait;

#[async_trait]
pub trait ReputationStore: Send + Sync {
    /// Adds `what` to the account's count for `hour`: one write, no read.
    async fn count(&self, account: &AccountId, hour: Hour, what: Counted) -> StoreResult<()>;
    /// The account's counts from `from` on, summed: one query.
    async fn tally(&self, account: &AccountId, from: Hour) -> StoreResult<Tally>;
    /// Pauses the account's sending unless it is paused already: one conditional write. `true` when
    /// this call paused it.
    async fn pause(&self, account: &AccountId, pause: &Pause) -> StoreResult<bool>;
    /// The account's pause, if its sending is paused: one read.
    async fn paused(&self, account: &AccountId) -> StoreResult<Option<Pause>>;
    /// Lifts the pause and forgets the counts so far, so the record starts again from nothing: one read
    /// and one atomic write. The pause lifted, if there was one.
    async fn resume(&self, account: &AccountId) -> StoreResult<Option<Pause>>;
}
