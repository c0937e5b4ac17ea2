//! The storage of an account's settings: one record per account, versioned, each write one conditional
//! write on the version it read (optimistic concurrency), so of two owners editing at once one wins and
//! the other learns that the settings changed under it.
use super::store::StoreResult;
use crate::domain::{AccountId, AccountSettings, Seats, Settings, Timestamp};
use async_trait::async_trait;

/// One write of an account's settings.
#[derive(Debug, Clone)]
pub struct SettingsWrite<'a> {
    pub account: &'a AccountId,
    pub settings: &'a Settings,
    pub by: &'a str,
    pub at: Timestamp,
    /// Write only over this version (0: over the defaults, never written); `None`: over whatever is there.
    pub if_version: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsOutcome {
    /// Written, with the next version.
    Saved(AccountSettings),
    /// The stored version is not the one expected: nothing was written; this is what is stored.
    Changed(AccountSettings),
}

#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// The account's settings as stored now (a strongly consistent read); the defaults, version 0, when
    /// its owner never set any.
    async fn settings(&self, account: &AccountId) -> StoreResult<AccountSettings>;
    /// One conditional write: the settings at the next version.
    async fn put_settings(&self, write: &SettingsWrite<'_>) -> StoreResult<SettingsOutcome>;
    /// The account's seats as stored now (a strongly consistent read): its limit, members and open
    /// invitations.
    async fn seats(&self, account: &AccountId) -> StoreResult<Seats>;
}
