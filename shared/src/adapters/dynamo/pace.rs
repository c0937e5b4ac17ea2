//! The send schedule on DynamoDB: one item (`pk` = `PACE`, `sk` = `SES`) holding `next_slot`, the
//! epoch millisecond of the first slot nobody holds (GCRA's "theoretical arrival time"). A reservation
//! is one conditional update in either of two cases: the schedule is busy (`next_slot` ≥ now, so the
//! slots follow it) or idle (they start now). Of two reservers each moves the value past what the other
//! saw, so their slots never overlap. A sender late for the last slot reserved moves it to now with one
//! update conditional on `next_slot` being still right after that slot.
use super::{n, s, unavailable, DynamoStore, Item};
use crate::domain::Timestamp;
use crate::ports::store::{StoreError, StoreResult};
use aws_sdk_dynamodb::{error::SdkError, operation::update_item::UpdateItemError, types::ReturnValue};
use std::time::Duration;

/// The one schedule: SES's quota is the account's in its region, whatever the sender or the tenant.
const PACE_PK: &str = "PACE";
const PACE_SK: &str = "SES";
/// Each attempt fails only when another reserver moved the schedule between the two cases, which a
/// busy schedule cannot undo: a second busy attempt then succeeds.
const ATTEMPTS: usize = 4;

impl DynamoStore {
    pub(super) async fn reserve(&self, count: u32, interval: Duration, now: Timestamp) -> StoreResult<Timestamp> {
        let span = i64::from(count.max(1)) * interval.as_millis() as i64;
        for _ in 0..ATTEMPTS {
            // Busy first: under load that is the case, and it needs no knowledge of the old value.
            let busy = self
                .slot_update(
                    "SET next_slot = next_slot + :span",
                    "next_slot >= :now",
                    [(":span", span), (":now", now.millis())],
                )
                .await?;
            if let Some(next) = busy {
                return Ok(Timestamp::from_millis(next - span));
            }
            let idle = self
                .slot_update(
                    "SET next_slot = :next",
                    "attribute_not_exists(next_slot) OR next_slot < :now",
                    [(":next", now.millis() + span), (":now", now.millis())],
                )
                .await?;
            if idle.is_some() {
                return Ok(now);
            }
        }
        Err(StoreError::Corrupt("the send schedule kept changing under its own conditions".into()))
    }

    pub(super) async fn reclaim(&self, slot: Timestamp, interval: Duration, now: Timestamp) -> StoreResult<bool> {
        let step = interval.as_millis() as i64;
        let values = [(":next", now.millis() + step), (":after_mine", slot.millis() + step)];
        Ok(self.slot_update("SET next_slot = :next", "next_slot = :after_mine", values).await?.is_some())
    }

    /// One conditional update of the schedule item with the numbers `values`; `None` when its condition
    /// failed, else the new `next_slot`.
    async fn slot_update(&self, update: &str, condition: &str, values: [(&str, i64); 2]) -> StoreResult<Option<i64>> {
        let values: Item = values.into_iter().map(|(name, value)| (name.to_owned(), n(value))).collect();
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(PACE_PK))
            .key("sk", s(PACE_SK))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match result {
            Ok(out) => {
                let next = out.attributes().and_then(|a| a.get("next_slot")).and_then(|v| v.as_n().ok());
                let next = next.and_then(|v| v.parse::<i64>().ok());
                next.map(Some).ok_or_else(|| StoreError::Corrupt("the send schedule has no next_slot".into()))
            }
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(_) => Ok(None),
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }
}
