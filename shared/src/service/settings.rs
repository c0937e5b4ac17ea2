//! An account's settings: read and written by its owner only. A write names the version it read (the
//! `ETag` its GET answered); of two owners editing at once, the second learns the settings changed under
//! it instead of overwriting them. Each write is one conditional write; its `settings.updated` event
//! comes from the stored change, as every lifecycle event does.
use super::{Authorized, Deps};
use crate::domain::{AccountSettings, Seats, Settings};
use crate::ports::settings::{SettingsOutcome, SettingsWrite};
use crate::ports::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("an account's settings are its owner's: they need the owner role")]
    NotOwner,
    /// Someone wrote since the version the request names; this is what is stored now.
    #[error("the settings changed since version {expected}; they are at version {}: read them again", .current.version)]
    Changed { expected: u64, current: Box<AccountSettings> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn owner(auth: &Authorized) -> Result<(), SettingsError> {
    if auth.caller().is_owner() {
        Ok(())
    } else {
        Err(SettingsError::NotOwner)
    }
}

pub async fn get(deps: &Deps, auth: &Authorized) -> Result<AccountSettings, SettingsError> {
    owner(auth)?;
    Ok(deps.store.settings(auth.account()).await?)
}

/// Replaces the settings whole; with `if_version`, only over that version.
pub async fn put(
    deps: &Deps,
    auth: &Authorized,
    settings: &Settings,
    if_version: Option<u64>,
) -> Result<AccountSettings, SettingsError> {
    owner(auth)?;
    let write = SettingsWrite {
        account: auth.account(),
        settings,
        by: &auth.caller().user_id,
        at: deps.clock.now(),
        if_version,
    };
    match deps.store.put_settings(&write).await? {
        SettingsOutcome::Saved(saved) => Ok(saved),
        SettingsOutcome::Changed(current) => {
            Err(SettingsError::Changed { expected: if_version.unwrap_or_default(), current: Box::new(current) })
        }
    }
}

/// The account's seats: anyone who may act in the account sees how many are taken, as they see its users.
pub async fn seats(deps: &Deps, auth: &Authorized) -> Result<Seats, StoreError> {
    deps.store.seats(auth.account()).await
}
