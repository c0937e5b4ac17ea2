//! The paced sender's entry: SQS delivers a batch of handed-on emails; they are sent in their slots,
//! all at once, and those that failed are reported as the batch's failures, so SQS delivers only them
//! again (and after `maxReceiveCount` tries moves them to the dead-letter queue).
use super::invocation;
use crate::ports::QueuedSend;
use crate::service::claim::claim_margin;
use crate::service::send::{send_queued, Delivery};
use crate::service::{Deps, Notifier};
use lambda_http::lambda_runtime::Context;
use serde_json::{json, Value};

/// Sends the batch's emails within the invocation's deadline and answers with the messages to retry.
pub async fn run(deps: &Deps, notifier: &Notifier, event: &Value, context: &Context) -> Value {
    let deadline = invocation::deadline(context);
    let margin = claim_margin(deps, notifier);
    let records = event.get("Records").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut outcomes = Vec::with_capacity(records.len());
    let (mut ids, mut batch) = (Vec::with_capacity(records.len()), Vec::with_capacity(records.len()));
    for record in records {
        let id = record.get("messageId").and_then(Value::as_str).unwrap_or_default().to_owned();
        let body = record.get("body").and_then(Value::as_str).unwrap_or_default();
        match serde_json::from_str::<QueuedSend>(body) {
            Ok(msg) => {
                ids.push(id);
                batch.push(msg);
            }
            // Retrying cannot mend it: dropped here, and logged for a person.
            Err(_) => {
                tracing::error!(message = %id, "a send message that does not read; dropped");
                outcomes.push((id, Ok(Delivery::Nothing)));
            }
        }
    }
    let sent = send_queued(deps, notifier, &batch, Some(deadline), margin).await;
    outcomes.extend(ids.into_iter().zip(sent));
    let mut failures = Vec::new();
    let (mut sent, mut requeued, mut nothing) = (0, 0, 0);
    for (id, outcome) in outcomes {
        match outcome {
            Ok(Delivery::Sent) => sent += 1,
            Ok(Delivery::Requeued) => requeued += 1,
            Ok(Delivery::Nothing) => nothing += 1,
            Err(e) => {
                tracing::warn!(message = %id, error = %crate::logging::chain(&e), "send failed; SQS delivers it again");
                failures.push(json!({"itemIdentifier": id}));
            }
        }
    }
    tracing::info!(sent, requeued, nothing, failed = failures.len(), "sends done");
    let counts = [("sent", sent), ("requeued", requeued), ("nothing", nothing), ("failed", failures.len() as u64)];
    println!("{}", invocation::metrics("send", deps.clock.now(), &counts));
    json!({"batchItemFailures": failures})
}
