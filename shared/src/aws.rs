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
