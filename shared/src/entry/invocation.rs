//! What the entries other than HTTP share about an invocation: the time it has left, and its counts as
//! one metrics line. The entries themselves never import one another.
use crate::domain::Timestamp;
use lambda_http::lambda_runtime::Context;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// Lambda's longest timeout: no invocation outlives it.
const LONGEST_INVOCATION: Duration = Duration::from_secs(900);

/// When the invocation must be done, on the clock the waits use.
pub fn deadline(context: &Context) -> Instant {
    Instant::now() + time_left(context.deadline(), SystemTime::now())
}

/// The time the invocation has left by its deadline. Lambda's deadline is always ahead when an
/// invocation starts; one further back than any invocation can live is no deadline at all (cargo
/// lambda's emulator sends a fixed 600000 ms, ten minutes into 1970, and kills nothing), and then the
/// invocation takes Lambda's longest timeout. A deadline just passed still leaves nothing, so no claim
/// is cut off by a real one.
fn time_left(deadline: SystemTime, now: SystemTime) -> Duration {
    match deadline.duration_since(now) {
        Ok(left) => left,
        Err(past) if past.duration() > LONGEST_INVOCATION => {
            tracing::warn!(
                deadline_ms = deadline.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_millis() as u64,
                budget_s = LONGEST_INVOCATION.as_secs(),
                "the runtime gave no usable deadline; working within Lambda's longest timeout"
            );
            LONGEST_INVOCATION
        }
        Err(_) => Duration::ZERO,
    }
}

/// An invocation's counts as one CloudWatch Embedded Metric Format line: CloudWatch turns each count
/// into a metric of the `Invitations` namespace with the operation as its dimension, at no API call.
pub fn metrics(operation: &str, at: Timestamp, counts: &[(&str, u64)]) -> Value {
    let names: Vec<Value> = counts.iter().map(|(name, _)| json!({"Name": name, "Unit": "Count"})).collect();
    let mut line = json!({
        "_aws": {"Timestamp": at.millis(), "CloudWatchMetrics": [{"Namespace": "Invitations", "Dimensions": [["Operation"]], "Metrics": names}]},
        "Operation": operation,
    });
    for (name, count) in counts {
        line[*name] = json!(count);
    }
    line
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

    #[test]
    fn a_metrics_line_names_each_count_and_carries_it() {
        let line = metrics("send", Timestamp::from_millis(1_795_000_000_000), &[("sent", 3), ("failed", 1)]);
        let declared = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(declared["Metrics"][1]["Name"], "failed");
        assert_eq!(
            (line["Operation"].as_str(), line["sent"].as_u64(), line["failed"].as_u64()),
            (Some("send"), Some(3), Some(1))
        );
        assert_eq!(line["_aws"]["Timestamp"], 1_795_000_000_000_i64);
    }
}
