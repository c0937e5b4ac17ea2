//! Each account's sending record on DynamoDB, under a partition of its own (`pk` = `SENDING#<account>`,
//! outside the account's invitations, so no list, Users page or stream event ever meets it):
//! - an item per hour with counts (`sk` = `HOUR#<hours since the epoch, ten digits>`: `sends`,
//!   `bounces`, `complaints`), each added to by one `UpdateItem` and removed by the table's TTL two days on;
//! - the pause, when there is one (`sk` = `PAUSE`), put by one conditional write.
//!
//! A count the SDK sends again after a lost answer may count twice; the guard then errs toward pausing.
use super::{n, new_write_id, s, unavailable, written_by, DynamoStore, Item};
use crate::domain::{AccountId, Cause, Counted, Hour, Pause, Rate, Tally, Timestamp};
use crate::ports::reputation::ReputationStore;
use crate::ports::store::{StoreError, StoreResult};
use async_trait::async_trait;
use aws_sdk_dynamodb::{
    error::SdkError,
    operation::put_item::PutItemError,
    types::{Delete, ReturnValuesOnConditionCheckFailure, TransactWriteItem},
};
use std::collections::HashMap;
use std::time::Duration;

const PAUSE_SK: &str = "PAUSE";
/// How long an hour's counts are kept after the hour: past the window, with room for TTL's lag.
const KEPT: Duration = Duration::from_secs(48 * 3600);
/// TransactWriteItems' limit.
const MOST_PER_TRANSACTION: usize = 100;

fn pk(account: &AccountId) -> String {
    format!("SENDING#{account}")
}

fn hour_sk(hour: Hour) -> String {
    format!("HOUR#{:010}", hour.0)
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

fn count_of(item: &Item, name: &str) -> u32 {
    number(item, name).and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
}

fn pause_item(account: &AccountId, pause: &Pause, write_id: &str) -> Item {
    HashMap::from([
        ("pk".into(), s(pk(account))),
        ("sk".into(), s(PAUSE_SK)),
        ("cause".into(), s(pause.cause.as_str())),
        ("rate".into(), n(pause.rate.0)),
        ("limit".into(), n(pause.limit.0)),
        ("at".into(), n(pause.at.millis())),
        ("sends".into(), n(pause.tally.sends)),
        ("bounces".into(), n(pause.tally.bounces)),
        ("complaints".into(), n(pause.tally.complaints)),
        ("write_id".into(), s(write_id)),
    ])
}

fn read_pause(item: &Item) -> StoreResult<Pause> {
    let corrupt = || StoreError::Corrupt("an account's pause is malformed".into());
    let cause = item.get("cause").and_then(|v| v.as_s().ok()).and_then(|c| Cause::parse(c)).ok_or_else(corrupt)?;
    let rate = |name| number(item, name).and_then(|v| u32::try_from(v).ok()).map(Rate).ok_or_else(corrupt);
    Ok(Pause {
        cause,
        rate: rate("rate")?,
        limit: rate("limit")?,
        at: Timestamp::from_millis(number(item, "at").ok_or_else(corrupt)?),
        tally: Tally {
            sends: count_of(item, "sends"),
            bounces: count_of(item, "bounces"),
            complaints: count_of(item, "complaints"),
        },
    })
}

#[async_trait]
impl ReputationStore for DynamoStore {
    async fn count(&self, account: &AccountId, hour: Hour, what: Counted) -> StoreResult<()> {
        let counter = match what {
            Counted::Send => "sends",
            Counted::Bounce => "bounces",
            Counted::Complaint => "complaints",
        };
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk(account)))
            .key("sk", s(hour_sk(hour)))
            .update_expression(format!("ADD {counter} :one SET #ttl = :ttl"))
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ttl", n(hour.end().plus(KEPT).millis() / 1000))
            .send()
            .await
            .map_err(|e| unavailable(e.into_service_error()))?;
        Ok(())
    }

    async fn tally(&self, account: &AccountId, from: Hour) -> StoreResult<Tally> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(pk(account)))
            .expression_attribute_values(":from", s(hour_sk(from)))
            .expression_attribute_values(":to", s(hour_sk(Hour(u32::MAX))))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable(e.into_service_error()))?;
        let mut sum = Tally::default();
        for item in out.items() {
            sum.add(Tally {
                sends: count_of(item, "sends"),
                bounces: count_of(item, "bounces"),
                complaints: count_of(item, "complaints"),
            });
        }
        Ok(sum)
    }

    async fn pause(&self, account: &AccountId, pause: &Pause) -> StoreResult<bool> {
        let write_id = new_write_id();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(pause_item(account, pause, &write_id)))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                // Our own put, sent again after its answer was lost, still paused it.
                PutItemError::ConditionalCheckFailedException(c) => {
                    Ok(c.item().is_some_and(|old| written_by(old, "write_id", &write_id)))
                }
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn paused(&self, account: &AccountId) -> StoreResult<Option<Pause>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk(account)))
            .key("sk", s(PAUSE_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable(e.into_service_error()))?;
        out.item().map(read_pause).transpose()
    }

    async fn resume(&self, account: &AccountId) -> StoreResult<Option<Pause>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(pk(account)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable(e.into_service_error()))?;
        let pause = out.items().iter().find(|i| i.get("sk").and_then(|v| v.as_s().ok()) == Some(&PAUSE_SK.to_owned()));
        let pause = pause.map(read_pause).transpose()?;
        // The counts go first and the pause last, so a resume cut short leaves the account paused for a retry.
        let mut keys: Vec<Item> = out
            .items()
            .iter()
            .filter_map(|i| {
                Some(HashMap::from([("pk".into(), i.get("pk")?.clone()), ("sk".into(), i.get("sk")?.clone())]))
            })
            .collect();
        keys.sort_by_key(|k| k.get("sk").and_then(|v| v.as_s().ok()).map(|sk| sk == PAUSE_SK));
        for chunk in keys.chunks(MOST_PER_TRANSACTION) {
            let deletes = chunk
                .iter()
                .map(|key| {
                    let delete = Delete::builder().table_name(&self.table).set_key(Some(key.clone())).build();
                    delete.map(|d| TransactWriteItem::builder().delete(d).build()).map_err(unavailable)
                })
                .collect::<StoreResult<Vec<_>>>()?;
            self.client
                .transact_write_items()
                .set_transact_items(Some(deletes))
                .send()
                .await
                .map_err(|e| unavailable(e.into_service_error()))?;
        }
        Ok(pause)
    }
}
