//! Each account's sending record and pause, under the same lock as the invitations. Kept in memory only,
//! like the idempotency records: a restart of the local server starts every record afresh.
use super::MemoryStore;
use crate::domain::{AccountId, Counted, Hour, Pause, Tally};
use crate::ports::reputation::ReputationStore;
use crate::ports::store::StoreResult;
use async_trait::async_trait;
use std::collections::BTreeMap;

/// One account's record: its counts by hour, and its pause.
#[derive(Default)]
pub(super) struct Record {
    hours: BTreeMap<Hour, Tally>,
    pause: Option<Pause>,
}

#[async_trait]
impl ReputationStore for MemoryStore {
    async fn count(&self, account: &AccountId, hour: Hour, what: Counted) -> StoreResult<()> {
        let mut inner = self.lock();
        let tally = inner.reputation.entry(account.clone()).or_default().hours.entry(hour).or_default();
        let one = match what {
            Counted::Send => Tally { sends: 1, ..Tally::default() },
            Counted::Bounce => Tally { bounces: 1, ..Tally::default() },
            Counted::Complaint => Tally { complaints: 1, ..Tally::default() },
        };
        tally.add(one);
        Ok(())
    }

    async fn tally(&self, account: &AccountId, from: Hour) -> StoreResult<Tally> {
        let inner = self.lock();
        let mut sum = Tally::default();
        if let Some(record) = inner.reputation.get(account) {
            record.hours.range(from..).for_each(|(_, t)| sum.add(*t));
        }
        Ok(sum)
    }

    async fn pause(&self, account: &AccountId, pause: &Pause) -> StoreResult<bool> {
        let mut inner = self.lock();
        let record = inner.reputation.entry(account.clone()).or_default();
        if record.pause.is_some() {
            return Ok(false);
        }
        record.pause = Some(pause.clone());
        Ok(true)
    }

    async fn paused(&self, account: &AccountId) -> StoreResult<Option<Pause>> {
        Ok(self.lock().reputation.get(account).and_then(|r| r.pause.clone()))
    }

    async fn resume(&self, account: &AccountId) -> StoreResult<Option<Pause>> {
        Ok(self.lock().reputation.remove(account).and_then(|r| r.pause))
    }
}
