//! An SES report on an invitation's item: `delivery_*` attributes, `undeliverable` only while true (so a
//! claim's condition is `attribute_not_exists(undeliverable)`), and the rule's condition as DynamoDB
//! compares it: the report's send between `send_count` and the one being sent, its order (send, then
//! stage) and time after the stored report's.
use super::{invitation_key, n, s, unavailable, DynamoStore};
use crate::domain::{AccountId, InvitationId};
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
