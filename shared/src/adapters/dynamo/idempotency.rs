//! Idempotency records in the same table (pk `IDEMP#<account>`), removed by its TTL (`ttl`, epoch
//! seconds) a day after their answer; until DynamoDB deletes one, the condition treats it as gone.
use super::{n, new_write_id, s, unavailable, written_by, DynamoStore, Item};
use crate::domain::Timestamp;
use crate::ports::store::{Claim, IdempotencyStore, Saved, Scope, StoreError, StoreResult, CLAIM_LEASE, RETENTION};
use async_trait::async_trait;
use aws_sdk_dynamodb::{
    error::SdkError,
    operation::{delete_item::DeleteItemError, put_item::PutItemError, update_item::UpdateItemError},
    types::ReturnValuesOnConditionCheckFailure,
};
use std::collections::HashMap;

fn key_record_key(scope: &Scope<'_>) -> Item {
    HashMap::from([
        ("pk".into(), s(format!("IDEMP#{}", scope.account))),
        ("sk".into(), s(format!("KEY#{}", scope.key.as_str()))),
    ])
}

#[async_trait]
impl IdempotencyStore for DynamoStore {
    async fn claim(&self, scope: &Scope<'_>, now: Timestamp) -> StoreResult<Claim> {
        let mut item = key_record_key(scope);
        let claim_id = new_write_id();
        item.insert("claim_id".into(), s(&claim_id));
        item.insert("fingerprint".into(), s(scope.fingerprint));
        item.insert("lease_until".into(), n(now.plus(CLAIM_LEASE).millis()));
        item.insert("ttl".into(), n(now.plus(RETENTION).millis() / 1000));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(pk) OR #ttl <= :now_s OR (attribute_not_exists(saved_status) AND lease_until <= :now)",
            )
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now_s", n(now.millis() / 1000))
            .expression_attribute_values(":now", n(now.millis()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Claimed),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                PutItemError::ConditionalCheckFailedException(c) => {
                    let item = c.item().ok_or_else(|| StoreError::Corrupt("key record without item".into()))?;
                    // The SDK's retry of this very claim, whose first answer was lost.
                    if written_by(item, "claim_id", &claim_id) {
                        return Ok(Claim::Claimed);
                    }
                    let get_s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
                    let fingerprint = get_s("fingerprint").ok_or_else(|| StoreError::Corrupt("key record".into()))?;
                    let status = item.get("saved_status").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok());
                    let saved = match (status, get_s("saved_body")) {
                        (Some(status), Some(body)) => Some(Saved { status, body }),
                        _ => None,
                    };
                    Ok(Claim::Existing { fingerprint, saved })
                }
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn complete(&self, scope: &Scope<'_>, saved: &Saved, now: Timestamp) -> StoreResult<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_record_key(scope)))
            .update_expression("SET saved_status = :st, saved_body = :b, #ttl = :ttl REMOVE lease_until")
            .condition_expression("fingerprint = :fp AND attribute_not_exists(saved_status)")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":st", n(saved.status))
            .expression_attribute_values(":b", s(&saved.body))
            .expression_attribute_values(":ttl", n(now.plus(RETENTION).millis() / 1000))
            .expression_attribute_values(":fp", s(scope.fingerprint))
            .send()
            .await;
        // Someone took the key over after our lease ran out; their answer stands.
        lost_is_fine(result, |e| matches!(e, UpdateItemError::ConditionalCheckFailedException(_)))
    }

    async fn release(&self, scope: &Scope<'_>) -> StoreResult<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_record_key(scope)))
            .condition_expression("fingerprint = :fp AND attribute_not_exists(saved_status)")
            .expression_attribute_values(":fp", s(scope.fingerprint))
            .send()
            .await;
        // The key was completed or taken over meanwhile: nothing of ours is left to give up.
        lost_is_fine(result, |e| matches!(e, DeleteItemError::ConditionalCheckFailedException(_)))
    }
}

/// A conditional write that lost to another writer leaves that writer's record, which is what we want;
/// anything else is the store failing.
fn lost_is_fine<O, E, R>(result: Result<O, SdkError<E, R>>, lost: impl Fn(&E) -> bool) -> StoreResult<()>
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(SdkError::ServiceError(e)) if lost(e.err()) => Ok(()),
        Err(e) => Err(unavailable(e)),
    }
}
