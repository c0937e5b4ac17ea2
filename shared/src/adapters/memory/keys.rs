//! Idempotency records, kept in memory only, like the 24-hour window they serve.
use super::{KeyRecord, MemoryStore};
use crate::domain::Timestamp;
use crate::ports::store::{Claim, IdempotencyStore, Saved, Scope, StoreResult, CLAIM_LEASE, RETENTION};
use async_trait::async_trait;

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn claim(&self, scope: &Scope<'_>, now: Timestamp) -> StoreResult<Claim> {
        let mut inner = self.lock();
        let id = (scope.account.clone(), scope.key.as_str().to_owned());
        if let Some(r) = inner.keys.get(&id) {
            let live = r.expires > now && (r.saved.is_some() || r.lease_until > now);
            if live {
                return Ok(Claim::Existing { fingerprint: r.fingerprint.clone(), saved: r.saved.clone() });
            }
        }
        let record = KeyRecord {
            fingerprint: scope.fingerprint.to_owned(),
            saved: None,
            lease_until: now.plus(CLAIM_LEASE),
            expires: now.plus(RETENTION),
        };
        inner.keys.insert(id, record);
        Ok(Claim::Claimed)
    }

    async fn complete(&self, scope: &Scope<'_>, saved: &Saved, now: Timestamp) -> StoreResult<()> {
        let mut inner = self.lock();
        if let Some(r) = inner.keys.get_mut(&(scope.account.clone(), scope.key.as_str().to_owned())) {
            if r.fingerprint == scope.fingerprint && r.saved.is_none() {
                r.saved = Some(saved.clone());
                r.expires = now.plus(RETENTION);
            }
        }
        Ok(())
    }

    async fn release(&self, scope: &Scope<'_>) -> StoreResult<()> {
        let mut inner = self.lock();
        let id = (scope.account.clone(), scope.key.as_str().to_owned());
        if inner.keys.get(&id).is_some_and(|r| r.fingerprint == scope.fingerprint && r.saved.is_none()) {
            inner.keys.remove(&id);
        }
        Ok(())
    }
}
