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

/// The SES client's settings. An invite sends up to 100 emails at once, which can exceed the account's
/// sending rate (14 a second by default); SES answers the excess with 429. It measures its rate per
/// second, so retries back off from 500 ms up to 2 s (the tables' 50 ms would spend every attempt in
/// the same second), and attempts are many (20) so that time, not their number, bounds a send. The
/// default retry quota (500 tokens at 5 a retry) would give up after 100 throttles, so this one holds
/// every retry of a full invite. 100 emails at 14 a second take at least 7 s; a send may take 20 s in
/// all, which leaves an invite time to answer within the function's 29 s.
pub fn ses_config(aws: &aws_config::SdkConfig) -> aws_sdk_sesv2::config::Builder {
    use aws_sdk_sesv2::config::retry::{RetryPartition, TokenBucket};
    let retries = crate::domain::invitees::MAX_INVITEES * (SES_ATTEMPTS as usize - 1);
    let quota = TokenBucket::builder().capacity(retries).retry_cost(1).throttling_retry_cost(1).timeout_retry_cost(1);
    let timeouts = aws.timeout_config().map(|t| t.to_builder()).unwrap_or_default();
    aws_sdk_sesv2::config::Builder::from(aws)
        .timeout_config(timeouts.operation_timeout(Duration::from_secs(20)).build())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(SES_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(500))
                .with_max_backoff(Duration::from_secs(2)),
        )
        .retry_partition(RetryPartition::custom("invitations-ses").token_bucket(quota.build()).build())
}

const SES_ATTEMPTS: u32 = 20;

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
