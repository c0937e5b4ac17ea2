//! An account's settings: one item, `pk` = `ACCOUNT#<account>`, `sk` = `SETTINGS`, the settings as JSON
//! and their `version`. Each write is one conditional `UpdateItem` on the version read (or none), whose
//! failure returns the stored item, so "changed meanwhile" needs no second read. It carries neither
//! `users_pk`, `due_pk` nor `email_key`, so no index holds it, and the list reads `INV#` keys only. The
//! same item counts the account's seats (`seats`), which a settings write leaves alone; an item with
//! seats and no `version` is an account whose owner never set anything.
use super::seats::seats_of;
use super::{n, new_write_id, s, settings_key, unavailable, written_by, DynamoStore, Item};
use crate::domain::{AccountId, AccountSettings, Seats, Settings, Timestamp};
use crate::ports::settings::{SettingsOutcome, SettingsStore, SettingsWrite};
use crate::ports::store::{StoreError, StoreResult};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use std::collections::HashMap;

/// Whether the owner ever wrote the settings the item holds (else it holds only seats).
pub(super) fn is_written(item: &Item) -> bool {
    item.contains_key("version")
}

/// The settings an item holds, or the defaults when it holds only the account's seats.
fn settings_of(item: Option<&Item>, account: &AccountId) -> StoreResult<AccountSettings> {
    match item {
        Some(item) if is_written(item) => from_settings_item(item),
        _ => Ok(AccountSettings::defaults(account)),
    }
}

pub(super) fn from_settings_item(item: &Item) -> StoreResult<AccountSettings> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("settings item: {what}"));
    let get_s = |k: &str| item.get(k).and_then(|v| v.as_s().ok());
    let get_n = |k: &str| item.get(k).and_then(|v| v.as_n().ok());
    let account = get_s("account_id").and_then(|a| AccountId::parse(a)).ok_or_else(|| corrupt("account_id"))?;
    let settings: Settings =
        get_s("settings").and_then(|j| serde_json::from_str(j).ok()).ok_or_else(|| corrupt("settings"))?;
    Ok(AccountSettings {
        account_id: account,
        settings,
        version: get_n("version").and_then(|v| v.parse().ok()).ok_or_else(|| corrupt("version"))?,
        updated_at: get_n("updated_at").and_then(|v| v.parse().ok()).map(Timestamp::from_millis),
        updated_by: get_s("updated_by").cloned(),
    })
}

#[async_trait]
impl SettingsStore for DynamoStore {
    async fn settings(&self, account: &AccountId) -> StoreResult<AccountSettings> {
        settings_of(self.get_item(settings_key(account)).await?.as_ref(), account)
    }

    async fn seats(&self, account: &AccountId) -> StoreResult<Seats> {
        Ok(seats_of(self.get_item(settings_key(account)).await?.as_ref()))
    }

    async fn put_settings(&self, write: &SettingsWrite<'_>) -> StoreResult<SettingsOutcome> {
        let write_id = new_write_id();
        let json = serde_json::to_string(write.settings).expect("settings serialize");
        let mut values = HashMap::from([
            (":acct".to_owned(), s(write.account.as_str())),
            (":settings".to_owned(), s(json)),
            (":at".to_owned(), n(write.at.millis())),
            (":by".to_owned(), s(write.by)),
            (":one".to_owned(), n(1)),
            (":zero".to_owned(), n(0)),
            (":wid".to_owned(), s(&write_id)),
        ]);
        let mut update = "SET account_id = :acct, #settings = :settings, updated_at = :at, updated_by = :by, \
                          #version = if_not_exists(#version, :zero) + :one, write_id = :wid"
            .to_owned();
        // The limit beside the JSON too, where a create's condition on the seats can compare with it.
        match write.settings.seat_limit {
            Some(limit) => {
                update.push_str(", seat_limit = :limit");
                values.insert(":limit".into(), n(limit));
            }
            None => update.push_str(" REMOVE seat_limit"),
        }
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(settings_key(write.account)))
            .update_expression(update)
            .expression_attribute_names("#settings", "settings")
            .expression_attribute_names("#version", "version")
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        match write.if_version {
            None => {}
            // Version 0 is the defaults: the item must not exist yet.
            Some(0) => request = request.condition_expression("attribute_not_exists(#version)"),
            Some(v) => {
                values.insert(":v".into(), n(v));
                request = request.condition_expression("#version = :v");
            }
        }
        match request.set_expression_attribute_values(Some(values)).send().await {
            Ok(out) => {
                let item =
                    out.attributes().ok_or_else(|| StoreError::Corrupt("update returned no attributes".into()))?;
                Ok(SettingsOutcome::Saved(from_settings_item(item)?))
            }
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(c) => match c.item() {
                    // The SDK's retry of this very write, whose first answer was lost.
                    Some(item) if written_by(item, "write_id", &write_id) => {
                        Ok(SettingsOutcome::Saved(from_settings_item(item)?))
                    }
                    item => Ok(SettingsOutcome::Changed(settings_of(item, write.account)?)),
                },
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }
}
