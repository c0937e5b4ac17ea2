//! The `events` function's entry: a batch of DynamoDB stream records becomes the lifecycle events of
//! their items, published to the bus. An item that cannot be read is logged by its key, counted and
//! skipped, so it never blocks the stream; a record whose events could not be published is reported as
//! the batch's first failure, so Lambda reads the stream again from it (docs/events.md, "Publishing").
use crate::adapters::dynamo::image;
use crate::events::{events, Change, Event, Stored};
use crate::ports::bus::EventBus;
use crate::ports::store::StoreError;
use crate::service::publish::{publish, Retry};
use aws_lambda_events::event::dynamodb::{Event as StreamEvent, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde::Serialize;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub records: usize,
    pub published: usize,
    /// Refusals by the bus, each retried.
    pub refused: usize,
    /// Records of invitations or members that could not be read: skipped.
    pub unreadable: usize,
    /// Records handed back to the stream (the first failed one and those after it).
    pub failed: usize,
}

/// Publishes the events of `event`'s records and answers which record the stream must resume from.
pub async fn handle(bus: &dyn EventBus, event: StreamEvent, retry: Retry) -> DynamoDbEventResponse {
    let mut summary = Summary { records: event.records.len(), ..Summary::default() };
    let made: Vec<Vec<Event>> = event
        .records
        .iter()
        .map(|record| match change_of(record) {
            Ok(change) => events(&change),
            Err(e) => {
                summary.unreadable += 1;
                let (pk, sk) = image::key_of(&image_of(&record.change.keys));
                let seq = record.change.sequence_number.as_deref().unwrap_or("?");
                tracing::error!(pk, sk, sequence_number = seq, error = %e, unreadable = 1, "unreadable item skipped");
                Vec::new()
            }
        })
        .collect();
    let done = publish(bus, &made, retry).await;
    summary.published = done.published;
    summary.refused = done.refused;
    let mut response = DynamoDbEventResponse::default();
    if let Some(first) = done.failed_from {
        summary.failed = event.records.len() - first;
        // Lambda resumes from the lowest sequence number reported; the records after it come again.
        let record = &event.records[first];
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier =
            Some(record.change.sequence_number.clone().unwrap_or_else(|| record.event_id.clone()));
        response.batch_item_failures.push(failure);
    }
    tracing::info!(
        records = summary.records,
        published = summary.published,
        refused = summary.refused,
        unreadable = summary.unreadable,
        failed = summary.failed,
        "stream batch done"
    );
    println!("{}", metrics(&summary));
    response
}

/// The record's item before and after, where it is an invitation or a member.
fn change_of(record: &EventRecord) -> Result<Change, StoreError> {
    let read = |item: &serde_dynamo::Item| -> Result<Option<Stored>, StoreError> {
        if item.is_empty() {
            return Ok(None);
        }
        image::stored(&image_of(item))
    };
    Ok(Change { old: read(&record.change.old_image)?, new: read(&record.change.new_image)? })
}

fn image_of(item: &serde_dynamo::Item) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    item.clone().into()
}

/// The batch's counts as its metrics line.
fn metrics(summary: &Summary) -> serde_json::Value {
    let counts = [
        ("published", summary.published as u64),
        ("refused", summary.refused as u64),
        ("unreadable", summary.unreadable as u64),
        ("failed", summary.failed as u64),
    ];
    super::invocation::metrics("events", crate::domain::Timestamp::now(), &counts)
}
