//! An account's settings: one item, `pk` = `ACCOUNT#<account>`, `sk` = `SETTINGS`, the settings as JSON
//! and their `version`. Each write is one conditional `UpdateItem` on the version read (or none), whose
//! failure returns the stored item, so "changed meanwhile" needs no second read. It carries neither
//! `users_pk`, `due_pk` nor `email_key`, so no index holds it, and the list reads `INV#` keys only.
use super::{account_pk, n, new_write_id, s, unavailable, written_by, DynamoStore, Item};
use crate::domain::{AccountId, AccountSettings, Settings, Timestamp};
use crate::ports::settings::{SettingsOutcome, SettingsStore, SettingsWrite};
use crate::ports::store::{StoreError, StoreResult};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use std::collections::HashMap;

pub(super) const SETTINGS_SK: &str = "SETTINGS";

fn settings_key(account: &AccountId) -> Item {
    HashMap::from([("pk".into(), s(account_pk(account))), ("sk".into(), s(SETTINGS_SK))])
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
        match self.get_item(settings_key(account)).await? {
            Some(item) => from_settings_item(&item),
            None => Ok(AccountSettings::defaults(account)),
        }
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
        let update = "SET account_id = :acct, #settings = :settings, updated_at = :at, updated_by = :by, \
                      #version = if_not_exists(#version, :zero) + :one, write_id = :wid";
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
            Some(0) => request = request.condition_expression("attribute_not_exists(pk)"),
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
                    None => Ok(SettingsOutcome::Changed(AccountSettings::defaults(write.account))),
                    // The SDK's retry of this very write, whose first answer was lost.
                    Some(item) if written_by(item, "write_id", &write_id) => {
                        Ok(SettingsOutcome::Saved(from_settings_item(item)?))
                    }
                    Some(item) => Ok(SettingsOutcome::Changed(from_settings_item(item)?)),
                },
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }
}
