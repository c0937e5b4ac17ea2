//! An invitation item's `delivery_*` attributes: the latest SES report, written by the report's update
//! and read with the rest of the item.
use super::{n, s, Item};
use crate::domain::{Delivery, DeliveryStatus, Timestamp};
use crate::ports::store::{StoreError, StoreResult};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

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
