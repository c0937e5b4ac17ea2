//! The send schedules on DynamoDB. The shared one is one item (`pk` = `PACE`, `sk` = `SES`); each
//! account's lane is an item in the account's partition (`sk` = `LANE`), so lanes spread over the
//! table. Each holds `next_slot`, the epoch millisecond of the first slot nobody holds (GCRA's
//! "theoretical arrival time"). A reservation is one conditional update in either of two cases: the
//! schedule is busy (`next_slot` ≥ now, so the slots follow it) or idle (they start now). Of two
//! reservers each moves the value past what the other saw, so their slots never overlap. A bounded
//! reservation's condition also names the latest first slot its slots fit after; failing it, the old
//! value comes back with the failure, which says how many fit, and none costs no second call. A sender
//! late for the last slot reserved moves it to now with one update conditional on `next_slot` being
//! still right after that slot.
use super::{account_pk, n, s, unavailable, DynamoStore, Item};
use crate::domain::Timestamp;
use crate::ports::pace::{slots_fitting, Reserved, Schedule};
use crate::ports::store::{StoreError, StoreResult};
use aws_sdk_dynamodb::{
    error::SdkError,
    operation::update_item::UpdateItemError,
    types::{ReturnValue, ReturnValuesOnConditionCheckFailure},
};
use std::time::Duration;

/// The one shared schedule: SES's quota is the account's in its region, whatever the sender or the tenant.
const PACE_PK: &str = "PACE";
const PACE_SK: &str = "SES";
const LANE_SK: &str = "LANE";
/// Each attempt fails only when another reserver moved the schedule between the two cases, or took
/// the slots the bound left room for: a busy schedule cannot go back, so a later attempt settles.
const ATTEMPTS: usize = 4;

fn key(schedule: Schedule<'_>) -> Item {
    let (pk, sk) = match schedule {
        Schedule::Shared => (PACE_PK.to_owned(), PACE_SK),
        Schedule::Lane(account) => (account_pk(account), LANE_SK),
    };
    Item::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

/// How a conditional update of a schedule ended: the new `next_slot`, or its condition failed on the
/// value it held then (none: no schedule yet).
enum Update {
    Done(i64),
    Failed(Option<i64>),
}

impl DynamoStore {
    pub(super) async fn reserve(
        &self,
        schedule: Schedule<'_>,
        count: u32,
        interval: Duration,
        now: Timestamp,
        last: Option<Timestamp>,
    ) -> StoreResult<Reserved> {
        let step = interval.as_millis() as i64;
        let mut count = count;
        for _ in 0..ATTEMPTS {
            if count == 0 {
                // Nothing asked for: the schedule as it stands, without a write.
                return Ok(Reserved { first: now, count: 0 });
            }
            let span = i64::from(count) * step;
            // Busy first: under load that is the case, and it needs no knowledge of the old value.
            let latest_first = last.map(|last| last.millis() - i64::from(count - 1) * step);
            let mut values = vec![(":span", span), (":now", now.millis())];
            let mut condition = "next_slot >= :now".to_owned();
            if let Some(latest) = latest_first {
                values.push((":latest", latest));
                condition.push_str(" AND next_slot <= :latest");
            }
            let busy_at =
                match self.slot_update(schedule, "SET next_slot = next_slot + :span", &condition, &values).await? {
                    Update::Done(next) => return Ok(Reserved { first: Timestamp::from_millis(next - span), count }),
                    Update::Failed(old) => old.filter(|old| *old >= now.millis()),
                };
            if let Some(busy_at) = busy_at {
                // Busy, but not all fit before `last`: as many as do, or none.
                let first = Timestamp::from_millis(busy_at);
                count = slots_fitting(count, interval, first, last);
                if count == 0 {
                    return Ok(Reserved { first, count });
                }
                continue;
            }
            count = slots_fitting(count, interval, now, last);
            if count == 0 {
                return Ok(Reserved { first: now, count });
            }
            let next = now.millis() + i64::from(count) * step;
            let idle = self
                .slot_update(
                    schedule,
                    "SET next_slot = :next",
                    "attribute_not_exists(next_slot) OR next_slot < :now",
                    &[(":next", next), (":now", now.millis())],
                )
                .await?;
            if let Update::Done(_) = idle {
                return Ok(Reserved { first: now, count });
            }
        }
        Err(StoreError::Corrupt("the send schedule kept changing under its own conditions".into()))
    }

    pub(super) async fn reclaim(&self, slot: Timestamp, interval: Duration, now: Timestamp) -> StoreResult<bool> {
        let step = interval.as_millis() as i64;
        let values = [(":next", now.millis() + step), (":after_mine", slot.millis() + step)];
        let update = self.slot_update(Schedule::Shared, "SET next_slot = :next", "next_slot = :after_mine", &values);
        Ok(matches!(update.await?, Update::Done(_)))
    }

    /// One conditional update of `schedule`'s item with the numbers `values`.
    async fn slot_update(
        &self,
        schedule: Schedule<'_>,
        update: &str,
        condition: &str,
        values: &[(&str, i64)],
    ) -> StoreResult<Update> {
        let values: Item = values.iter().map(|(name, value)| ((*name).to_owned(), n(value))).collect();
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(schedule)))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::UpdatedNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let next_slot = |item: Option<&Item>| {
            item.and_then(|i| i.get("next_slot")).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok())
        };
        match result {
            Ok(out) => next_slot(out.attributes())
                .map(Update::Done)
                .ok_or_else(|| StoreError::Corrupt("the send schedule has no next_slot".into())),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(c) => Ok(Update::Failed(next_slot(c.item()))),
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }
}
