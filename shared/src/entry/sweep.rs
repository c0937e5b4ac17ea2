//! The scheduled sweep's entry: EventBridge invokes the resend function with a Scheduled Event, which
//! runs the sweep until done or until the invocation's time runs short. A sweep that cannot read the
//! due index fails the invocation, so Lambda's retries and the function's on-failure destination see it.
use crate::service::{sweep, Deps, Notifier};
use lambda_http::lambda_runtime::{self, Context};
use serde_json::Value;
use std::time::{Duration, SystemTime};

/// Lambda's longest timeout: no invocation outlives it.
const LONGEST_INVOCATION: Duration = Duration::from_secs(900);

/// Whether an event is EventBridge's Scheduled Event rather than an HTTP API request.
pub fn is_scheduled(event: &Value) -> bool {
    event.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event")
}

/// Runs one sweep within the invocation's deadline, logs its summary line and its metrics, and answers
/// with the summary.
pub async fn run(deps: &Deps, notifier: &Notifier, context: &Context) -> Result<Value, lambda_runtime::Error> {
    let deadline = tokio::time::Instant::now() + time_left(context.deadline(), SystemTime::now());
    let summary = sweep::sweep(deps, notifier, Some(deadline)).await.inspect_err(|e| {
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
    println!("{}", summary.emf(deps.clock.now()));
    Ok(serde_json::to_value(summary)?)
}

/// The time the invocation has left by its deadline. Lambda's deadline is always ahead when an
/// invocation starts; one further back than any invocation can live is no deadline at all (cargo
/// lambda's emulator sends a fixed 600000 ms, ten minutes into 1970, and kills nothing), and then the
/// sweep takes Lambda's longest timeout. A deadline just passed still leaves nothing, so no claim is
/// cut off by a real one.
pub(crate) fn time_left(deadline: SystemTime, now: SystemTime) -> Duration {
    match deadline.duration_since(now) {
        Ok(left) => left,
        Err(past) if past.duration() > LONGEST_INVOCATION => {
            tracing::warn!(
                deadline_ms = deadline.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_millis() as u64,
                budget_s = LONGEST_INVOCATION.as_secs(),
                "the runtime gave no usable deadline; sweeping within Lambda's longest timeout"
            );
            LONGEST_INVOCATION
        }
        Err(_) => Duration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(millis: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(millis)
    }

    #[test]
    fn a_deadline_ahead_is_the_time_left() {
        let now = at(1_795_000_000_000);
        assert_eq!(time_left(at(1_795_000_300_000), now), Duration::from_secs(300));
    }

    #[test]
    fn a_deadline_just_passed_leaves_nothing() {
        let now = at(1_795_000_000_000);
        assert_eq!(time_left(at(1_795_000_000_000), now), Duration::ZERO);
        assert_eq!(time_left(now - LONGEST_INVOCATION, now), Duration::ZERO);
    }

    #[test]
    fn the_emulators_fixed_deadline_is_no_deadline() {
        // What `cargo lambda watch` puts in Lambda-Runtime-Deadline-Ms for every invocation.
        let now = at(1_795_000_000_000);
        assert_eq!(time_left(at(600_000), now), LONGEST_INVOCATION);
    }
}
