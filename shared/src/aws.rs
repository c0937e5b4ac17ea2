//! Shared SDK configuration: built once per process, endpoints from the standard variables only.
use aws_config::{retry::RetryConfig, timeout::TimeoutConfig, BehaviorVersion};
use std::time::Duration;

/// Timeouts keep a stuck dependency from eating the whole invocation: it fails as `unavailable` instead.
/// The standard retry mode retries throttling (SES `TooManyRequestsException`, DynamoDB throughput errors)
/// with exponential backoff and jitter.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(4).with_initial_backoff(Duration::from_millis(50)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(3))
                .operation_timeout(Duration::from_secs(10))
                .build(),
        )
        .load()
        .await
}

/// Opens the connections (DNS, TCP, TLS) during init, which Lambda runs at full CPU, so the first
/// request does not pay for a handshake at the function's share of a core. The calls are cheap reads;
/// their answers do not matter, a failure only means the first request connects itself.
pub async fn warm_up(db: &aws_sdk_dynamodb::Client, ses: Option<&aws_sdk_sesv2::Client>, table: &str) {
    let dynamodb = async {
        if let Err(e) = db.describe_table().table_name(table).send().await {
            tracing::debug!(error = %e, "DynamoDB warm-up call failed");
        }
    };
    let ses = async {
        if let Some(ses) = ses {
            if let Err(e) = ses.get_account().send().await {
                tracing::debug!(error = %e, "SES warm-up call failed");
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), futures::future::join(dynamodb, ses)).await;
}
