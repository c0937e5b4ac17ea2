//! Idempotency records in the same table (pk `IDEMP#<account>`), removed by its TTL (`ttl`, epoch
//! seconds) a day after their answer; until DynamoDB deletes one, the condition treats it as gone. The
//! answer is kept compressed (`answers`): its first part in the record (`saved_z`, `saved_parts` in
//! all), any further part in an item of its own written in the same transaction.
use super::answers::{self, pack};
use super::{failed_check, n, new_write_id, s, unavailable, written_by, DynamoStore, Item};
use crate::domain::Timestamp;
use crate::ports::store::{Claim, IdempotencyStore, Saved, Scope, StoreError, StoreResult, CLAIM_LEASE, RETENTION};
use async_trait::async_trait;
use aws_sdk_dynamodb::{
    error::SdkError,
    operation::{delete_item::DeleteItemError, put_item::PutItemError, update_item::UpdateItemError},
    primitives::Blob,
    types::{AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update},
};
use std::collections::HashMap;

fn key_record_key(scope: &Scope<'_>) -> Item {
    HashMap::from([
        ("pk".into(), s(format!("IDEMP#{}", scope.account))),
        ("sk".into(), s(format!("KEY#{}", scope.key.as_str()))),
    ])
}

/// Part `n` (from 1) of a kept answer. `PART#` sets it apart from every record's `KEY#`, and the number
/// before the key from every other part, whatever a key holds.
fn part_key(scope: &Scope<'_>, n: usize) -> Item {
    HashMap::from([
        ("pk".into(), s(format!("IDEMP#{}", scope.account))),
        ("sk".into(), s(format!("PART#{n}#{}", scope.key.as_str()))),
    ])
}

const COMPLETE: &str = "SET saved_status = :st, saved_z = :z, saved_parts = :parts, #ttl = :ttl REMOVE lease_until";
/// Only the claim's own request completes it, once.
const STILL_OURS: &str = "fingerprint = :fp AND attribute_not_exists(saved_status)";

impl DynamoStore {
    /// The answer a finished record keeps: text in records written before answers were compressed,
    /// else its compressed parts.
    async fn kept_answer(&self, scope: &Scope<'_>, record: &Item) -> StoreResult<Option<Saved>> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("key record: {what}"));
        let Some(status) = record.get("saved_status") else { return Ok(None) };
        let status = status.as_n().ok().and_then(|v| v.parse().ok()).ok_or_else(|| corrupt("saved_status"))?;
        if let Some(body) = record.get("saved_body").and_then(|v| v.as_s().ok()) {
            return Ok(Some(Saved { status, body: body.clone() }));
        }
        let first = record.get("saved_z").and_then(|v| v.as_b().ok()).ok_or_else(|| corrupt("saved_z"))?;
        let count = record.get("saved_parts").and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<usize>().ok());
        let count = count.ok_or_else(|| corrupt("saved_parts"))?;
        let rest = futures::future::try_join_all((1..count).map(|i| self.get_item(part_key(scope, i)))).await?;
        let mut parts = vec![first.as_ref().to_vec()];
        for item in rest {
            let part = item.as_ref().and_then(|i| i.get("z")).and_then(|v| v.as_b().ok());
            parts.push(part.ok_or_else(|| corrupt("a part is missing"))?.as_ref().to_vec());
        }
        Ok(Some(Saved { status, body: answers::unpack(&parts)? }))
    }
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
                    let fingerprint = item.get("fingerprint").and_then(|v| v.as_s().ok()).cloned();
                    let fingerprint = fingerprint.ok_or_else(|| StoreError::Corrupt("key record".into()))?;
                    Ok(Claim::Existing { fingerprint, saved: self.kept_answer(scope, item).await? })
                }
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn complete(&self, scope: &Scope<'_>, saved: &Saved, now: Timestamp) -> StoreResult<()> {
        let mut parts = pack(&saved.body).into_iter();
        let first = parts.next().expect("a zlib stream is never empty");
        let ttl = n(now.plus(RETENTION).millis() / 1000);
        let rest: Vec<Item> = parts
            .enumerate()
            .map(|(i, z)| {
                let mut item = part_key(scope, i + 1);
                item.insert("z".into(), AttributeValue::B(Blob::new(z)));
                item.insert("ttl".into(), ttl.clone());
                item
            })
            .collect();
        let values = HashMap::from([
            (":st".to_owned(), n(saved.status)),
            (":z".to_owned(), AttributeValue::B(Blob::new(first))),
            (":parts".to_owned(), n(1 + rest.len())),
            (":ttl".to_owned(), ttl),
            (":fp".to_owned(), s(scope.fingerprint)),
        ]);
        let names = HashMap::from([("#ttl".to_owned(), "ttl".to_owned())]);
        if rest.is_empty() {
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key_record_key(scope)))
                .update_expression(COMPLETE)
                .condition_expression(STILL_OURS)
                .set_expression_attribute_names(Some(names))
                .set_expression_attribute_values(Some(values))
                .send()
                .await;
            // Someone took the key over after our lease ran out; their answer stands.
            return lost_is_fine(result, |e| matches!(e, UpdateItemError::ConditionalCheckFailedException(_)));
        }
        let record = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_record_key(scope)))
            .update_expression(COMPLETE)
            .condition_expression(STILL_OURS)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .expect("key, expressions and table are set");
        let mut items = vec![TransactWriteItem::builder().update(record).build()];
        for part in rest {
            let put =
                Put::builder().table_name(&self.table).set_item(Some(part)).build().expect("item and table are set");
            items.push(TransactWriteItem::builder().put(put).build());
        }
        match self.transact(items).await? {
            None => Ok(()),
            // As above: the key was taken over, and the parts were not written.
            Some(reasons) if reasons.first().is_some_and(failed_check) => Ok(()),
            Some(_) => Err(StoreError::Unavailable("keeping an answer collided with another write".into())),
        }
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
