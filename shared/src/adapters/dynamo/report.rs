//! An SES report on an invitation's item: `delivery_*` attributes, `undeliverable` only while true (so a
//! claim's condition is `attribute_not_exists(undeliverable)`), and the rule's condition as DynamoDB
//! compares it: the report's send between `send_count` and the one being sent, its order (send, then
//! stage) and time after the stored report's.
use super::{invitation_key, n, s, unavailable, DynamoStore, Item};
use crate::domain::{AccountId, Delivery, DeliveryStatus, InvitationId, Timestamp};
use crate::ports::store::{StoreError, StoreResult, UpdateOutcome};
use crate::rules::Report;
use aws_sdk_dynamodb::{
    error::SdkError,
    operation::update_item::UpdateItemError,
    types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure},
};
use std::collections::HashMap;

const CONDITION: &str = "attribute_exists(pk) AND send_count <= :dsend AND send_count >= :dprev \
     AND (attribute_not_exists(delivery_order) OR delivery_order < :dord \
     OR (delivery_order = :dord AND delivery_at < :dat))";

pub(super) fn delivery_attributes(d: &Delivery) -> Item {
    let mut item = HashMap::from([
        ("delivery_status".to_owned(), s(d.status.as_str())),
        ("delivery_at".to_owned(), n(d.at.millis())),
        ("delivery_send".to_owned(), n(d.send)),
        ("delivery_order".to_owned(), n(d.order())),
    ]);
    if let Some(detail) = &d.detail {
        item.insert("delivery_detail".into(), s(detail));
    }
    if d.undeliverable {
        item.insert("undeliverable".into(), AttributeValue::Bool(true));
    }
    item
}

/// The stored report, if any; a partial or unknown one is `Corrupt`.
pub(super) fn delivery_of(item: &Item) -> StoreResult<Option<Delivery>> {
    let Some(status) = item.get("delivery_status") else { return Ok(None) };
    let corrupt = |what: &str| StoreError::Corrupt(format!("invitation item: {what}"));
    let num = |k: &str| item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok());
    let status = status.as_s().ok().and_then(|v| DeliveryStatus::parse(v)).ok_or_else(|| corrupt("delivery_status"))?;
    let at = num("delivery_at").ok_or_else(|| corrupt("delivery_at"))?;
    let send = num("delivery_send").and_then(|v| u32::try_from(v).ok()).ok_or_else(|| corrupt("delivery_send"))?;
    let detail = match item.get("delivery_detail") {
        None => None,
        Some(v) => Some(v.as_s().map_err(|_| corrupt("delivery_detail"))?.clone()),
    };
    let undeliverable = match item.get("undeliverable") {
        None => false,
        Some(v) => *v.as_bool().map_err(|_| corrupt("undeliverable"))?,
    };
    Ok(Some(Delivery { status, at: Timestamp::from_millis(at), detail, send, undeliverable }))
}

impl DynamoStore {
    pub(super) async fn report_delivery(
        &self,
        account: &AccountId,
        id: InvitationId,
        report: &Report,
    ) -> StoreResult<UpdateOutcome> {
        let d = &report.delivery;
        let mut values = HashMap::from([
            (":dsend".to_owned(), n(d.send)),
            (":dprev".to_owned(), n(d.send.saturating_sub(1))),
            (":dord".to_owned(), n(d.order())),
            (":dat".to_owned(), n(d.at.millis())),
            (":ds".to_owned(), s(d.status.as_str())),
            (":dn".to_owned(), n(d.send)),
        ]);
        let mut set =
            vec!["delivery_status = :ds", "delivery_at = :dat", "delivery_send = :dn", "delivery_order = :dord"];
        let mut remove = Vec::new();
        match &d.detail {
            Some(detail) => {
                set.push("delivery_detail = :dd");
                values.insert(":dd".into(), s(detail));
            }
            None => remove.push("delivery_detail"),
        }
        if d.undeliverable {
            set.push("undeliverable = :du");
            values.insert(":du".into(), AttributeValue::Bool(true));
        } else {
            remove.push("undeliverable");
        }
        let mut update = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            update.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(invitation_key(account, id)))
            .condition_expression(CONDITION)
            .update_expression(update)
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => Ok(UpdateOutcome::Updated(super::item::from_item(
                out.attributes().ok_or_else(|| StoreError::Corrupt("update returned no attributes".into()))?,
            )?)),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                // A retry of this very write after a lost answer finds the report stored: as a repeat,
                // it changes nothing, which is what it would have done the first time.
                UpdateItemError::ConditionalCheckFailedException(c) => match c.item() {
                    None => Ok(UpdateOutcome::NotFound),
                    Some(item) => Ok(UpdateOutcome::Mismatch(super::item::from_item(item)?)),
                },
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }
}
