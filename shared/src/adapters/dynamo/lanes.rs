//! The fair lanes on DynamoDB: one item (`pk` = `PACE`, `sk` = `LANES`) holding the model of
//! `rules::Lanes`, its virtual clock (`at`, `virtual`) and each waiting account's finish tag (`tags`, a
//! map), with a `version`. Taking turns reads it, applies the model and puts it back on the condition
//! that the version is the one read. A put that loses to another answers the item that won, so a
//! collision costs one more put, not another read. One item for every account: it is written once per
//! request that hands emails on, not per email, and holds only accounts with emails waiting.
use super::{n, s, unavailable, DynamoStore, Item};
use crate::domain::{AccountId, Timestamp};
use crate::ports::store::{StoreError, StoreResult};
use crate::rules::{Lanes, Turns};
use aws_sdk_dynamodb::{
    error::SdkError, operation::put_item::PutItemError, types::AttributeValue,
    types::ReturnValuesOnConditionCheckFailure,
};
use std::time::Duration;

const PK: &str = "PACE";
const SK: &str = "LANES";
/// Each failed put lost to another taker's, whose item it answers; the next put starts from that. Of
/// takers at once one wins each round, so the attempts hold a few dozen at once.
const ATTEMPTS: u32 = 40;

impl DynamoStore {
    pub(super) async fn take_turns(
        &self,
        account: &AccountId,
        count: u32,
        interval: Duration,
        now: Timestamp,
    ) -> StoreResult<Turns> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(PK))
            .key("sk", s(SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable(e.into_service_error()))?;
        let mut stored = out.item().map(read).transpose()?;
        for attempt in 0..ATTEMPTS {
            let (mut lanes, version) = stored.unwrap_or_default();
            let turns = lanes.take(account, count, interval, now);
            let put = self.client.put_item().table_name(&self.table).set_item(Some(item(&lanes, version + 1)));
            let put = match version {
                0 => put.condition_expression("attribute_not_exists(pk)"),
                v => put.condition_expression("version = :v").expression_attribute_values(":v", n(v)),
            };
            let result =
                put.return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld).send().await;
            match result {
                Ok(_) => return Ok(turns),
                Err(SdkError::ServiceError(e)) => match e.into_err() {
                    PutItemError::ConditionalCheckFailedException(c) => stored = c.item().map(read).transpose()?,
                    other => return Err(unavailable(other)),
                },
                Err(e) => return Err(unavailable(e)),
            }
            // Takers that collide once would collide again at once: they part by a random pause.
            let ms = 4u64 << attempt.min(4);
            tokio::time::sleep(Duration::from_millis(rand::random_range(ms / 4..=ms))).await;
        }
        Err(StoreError::Unavailable("the fair lanes kept changing under each take".into()))
    }
}

fn item(lanes: &Lanes, version: u64) -> Item {
    let tags = lanes.tags.iter().map(|(account, tag)| (account.clone(), n(tag))).collect();
    Item::from([
        ("pk".to_owned(), s(PK)),
        ("sk".to_owned(), s(SK)),
        ("at".to_owned(), n(lanes.at)),
        ("virtual".to_owned(), n(lanes.virtual_ms)),
        ("tags".to_owned(), AttributeValue::M(tags)),
        ("version".to_owned(), n(version)),
    ])
}

fn read(item: &Item) -> StoreResult<(Lanes, u64)> {
    let corrupt = || StoreError::Corrupt("the fair lanes' item is malformed".into());
    let number = |name: &str| item.get(name).and_then(|v| v.as_n().ok()).ok_or_else(corrupt);
    let tags = item.get("tags").and_then(|v| v.as_m().ok()).ok_or_else(corrupt)?;
    let tags = tags
        .iter()
        .map(|(account, tag)| Ok((account.clone(), tag.as_n().ok().and_then(|t| t.parse().ok()).ok_or_else(corrupt)?)))
        .collect::<StoreResult<_>>()?;
    let lanes = Lanes {
        at: number("at")?.parse().map_err(|_| corrupt())?,
        virtual_ms: number("virtual")?.parse().map_err(|_| corrupt())?,
        tags,
    };
    Ok((lanes, number("version")?.parse().map_err(|_| corrupt())?))
}
