//! Account settings under the same lock as the invitations: the version check and the write are one step.
//! Seats are counted from the invitations and members themselves, under that lock, so a create's check
//! of the limit and its insert are one step too.
use super::{Inner, MemoryStore};
use crate::domain::{AccountId, AccountSettings, InvitationId, Seats};
use crate::events::Stored;
use crate::ports::settings::{SettingsOutcome, SettingsStore, SettingsWrite};
use crate::ports::store::StoreResult;
use async_trait::async_trait;

#[async_trait]
impl SettingsStore for MemoryStore {
    async fn settings(&self, account: &AccountId) -> StoreResult<AccountSettings> {
        Ok(self.lock().settings.get(account).cloned().unwrap_or_else(|| AccountSettings::defaults(account)))
    }

    async fn put_settings(&self, write: &SettingsWrite<'_>) -> StoreResult<SettingsOutcome> {
        let mut inner = self.lock();
        let before = inner.settings.get(write.account).cloned();
        let current = before.clone().unwrap_or_else(|| AccountSettings::defaults(write.account));
        if write.if_version.is_some_and(|v| v != current.version) {
            return Ok(SettingsOutcome::Changed(current));
        }
        let next = AccountSettings {
            account_id: write.account.clone(),
            settings: write.settings.clone(),
            version: current.version + 1,
            updated_at: Some(write.at),
            updated_by: Some(write.by.to_owned()),
        };
        inner.settings.insert(write.account.clone(), next.clone());
        if let Err(e) = self.persist(&inner) {
            match before.clone() {
                Some(b) => inner.settings.insert(write.account.clone(), b),
                None => inner.settings.remove(write.account),
            };
            return Err(e);
        }
        self.changed(before.map(Stored::Settings), Some(Stored::Settings(next.clone())));
        Ok(SettingsOutcome::Saved(next))
    }

    async fn seats(&self, account: &AccountId) -> StoreResult<Seats> {
        Ok(seats_of(&self.lock(), account))
    }
}

/// The account's limit, its members and its open invitations, as they are now.
pub(super) fn seats_of(inner: &Inner, account: &AccountId) -> Seats {
    let invitations = (account.clone(), InvitationId::MIN)..=(account.clone(), InvitationId::MAX);
    let pending = inner.invitations.range(invitations).filter(|(_, i)| i.status.is_open()).count();
    let active = inner.members.keys().filter(|(a, _)| a == account).count();
    let limit = inner.settings.get(account).and_then(|s| s.settings.seat_limit);
    Seats { limit, active: active as u64, pending: pending as u64 }
}
