//! The scheduled sweep's entry: EventBridge invokes the resend function with a Scheduled Event, which
//! runs the sweep until done or until the invocation's time runs short. A sweep that cannot read the
//! due index fails the invocation, so Lambda's retries and the function's on-failure destination see it.
use super::invocation;
use crate::domain::Timestamp;
use crate::service::sweep::{self, Summary};
use crate::service::{Deps, Notifier};
use lambda_http::lambda_runtime::{self, Context};
use serde_json::Value;

/// Whether an event is EventBridge's Scheduled Event rather than an HTTP API request.
pub fn is_scheduled(event: &Value) -> bool {
    event.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event")
}

/// Runs one sweep within the invocation's deadline, logs its summary line and its metrics, and answers
/// with the summary.
pub async fn run(deps: &Deps, notifier: &Notifier, context: &Context) -> Result<Value, lambda_runtime::Error> {
    let summary = sweep::sweep(deps, notifier, Some(invocation::deadline(context))).await.inspect_err(|e| {
        tracing::error!(error = %crate::logging::chain(e), "sweep failed");
    })?;
    tracing::info!(
        resent = summary.resent,
        expired = summary.expired,
        failed = summary.failed,
        retried = summary.retried,
        read = summary.read,
        unreadable = summary.unreadable,
        complete = summary.complete,
        "sweep done"
    );
    println!("{}", metrics(&summary, deps.clock.now()));
    Ok(serde_json::to_value(summary)?)
}

/// The sweep's counts as its metrics line.
pub fn metrics(summary: &Summary, at: Timestamp) -> Value {
    let counts = [
        ("resent", summary.resent.into()),
        ("expired", summary.expired.into()),
        ("failed", summary.failed.into()),
        ("retried", summary.retried.into()),
        ("unreadable", summary.unreadable as u64),
    ];
    invocation::metrics("sweep", at, &counts)
}
