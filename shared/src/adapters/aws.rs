//! Shared SDK configuration: built once per process, endpoints from the standard variables only.
use crate::ports::SendRate;
use aws_config::{retry::RetryConfig, timeout::TimeoutConfig, BehaviorVersion};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use std::time::Duration;

/// The functions' configuration. Lambda hands a function its credentials and region as environment
/// variables, so those are the only providers built: the default chains would also build the profile,
/// web-identity (STS), container and instance-metadata providers at every cold start, for nothing.
pub async fn sdk_config() -> aws_config::SdkConfig {
    use aws_config::environment::{EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider};
    loader()
        .credentials_provider(EnvironmentVariableCredentialsProvider::new())
        .region(EnvironmentVariableRegionProvider::new())
        .load()
        .await
}

/// The same settings with the SDK's default credential and region chains, for the local server on a
/// developer's machine, where they may come from a profile.
pub async fn sdk_config_from_chains() -> aws_config::SdkConfig {
    loader().load().await
}

/// Timeouts keep a stuck dependency from eating the whole invocation: it fails as `unavailable` instead.
/// The standard retry mode retries throttling (SES `TooManyRequestsException`, DynamoDB throughput errors)
/// with exponential backoff and jitter.
fn loader() -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .retry_config(RetryConfig::standard().with_max_attempts(4).with_initial_backoff(Duration::from_millis(50)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(3))
                .operation_timeout(DYNAMODB_OPERATION_TIMEOUT)
                .build(),
        )
}

/// The longest one DynamoDB call may take, retries included.
pub const DYNAMODB_OPERATION_TIMEOUT: Duration = Duration::from_secs(10);

/// The roots AWS endpoints chain to (Amazon Trust Services: Amazon Root CA 1 to 4 and Starfield Services
/// Root CA G2), compiled in: the SDK's default client reads and parses the whole system store at init
/// instead (2 to 5 ms of every cold start, BENCHMARKS.md). The functions talk TLS to nothing but AWS.
const AWS_ROOT_CAS: &[u8] = include_bytes!("../../certs/amazon-trust-services.pem");

/// The SDK's default HTTPS client (hyper 1, rustls with aws-lc) with [`AWS_ROOT_CAS`] as its only roots.
/// Unlike the default it ignores HTTPS_PROXY, which Lambda does not set.
fn https_client() -> impl HttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider, TlsContext, TrustStore};
    let roots = TrustStore::empty().with_pem_certificate(AWS_ROOT_CAS);
    let tls =
        TlsContext::builder().with_trust_store(roots).build().expect("a trust store alone is a valid TLS context");
    let client = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(tls)
        .build_https();
    ConnectorOnFirstCall(client)
}

/// The HTTPS client without the check the SDK runs as each service client is made, which builds a TLS
/// connector (parsing the roots, setting up rustls) and drops it, so that a system store would be read
/// at start-up rather than on the first call. The roots here are compiled in, and the first call is
/// the warm-up, in init: the check only cost every client a connector nobody used (about a quarter of
/// what making a client costs, counted with callgrind, BENCHMARKS.md). Connectors are still built, and
/// kept, on the first call with each setting.
#[derive(Debug)]
struct ConnectorOnFirstCall(SharedHttpClient);

impl HttpClient for ConnectorOnFirstCall {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
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
        .timeout_config(timeouts.operation_timeout(SES_OPERATION_TIMEOUT).build())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(SES_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(500))
                .with_max_backoff(Duration::from_secs(2)),
        )
        .retry_partition(RetryPartition::custom("invitations-ses").token_bucket(quota.build()).build())
}

/// The production SES client: [`ses_config`], [`paced`] when its sends go in slots of the schedule.
pub fn ses_client(aws: &aws_config::SdkConfig, is_paced: bool) -> aws_sdk_sesv2::Client {
    let config = ses_config(aws);
    aws_sdk_sesv2::Client::from_conf(if is_paced { paced(config) } else { config }.build())
}

/// The settings of a client whose sends go in slots: a throttle is not retried by the client, whose
/// backoff knows nothing of the schedule and would land in the slots of other sends (at 1 a second,
/// each retry that gets through throttles the send it displaced). It is answered instead, and the email
/// takes a fresh slot. Other failures are retried as before.
pub fn paced(config: aws_sdk_sesv2::config::Builder) -> aws_sdk_sesv2::config::Builder {
    config.retry_classifier(ThrottleNotRetried)
}

#[derive(Debug)]
struct ThrottleNotRetried;

impl aws_sdk_sesv2::config::retry::ClassifyRetry for ThrottleNotRetried {
    fn classify_retry(
        &self,
        ctx: &aws_sdk_sesv2::config::interceptors::InterceptorContext,
    ) -> aws_sdk_sesv2::config::retry::RetryAction {
        use aws_sdk_sesv2::config::retry::RetryAction;
        // SES answers its rate's excess 429 TooManyRequestsException; a forbidden retry overrides the
        // classifiers that would retry it.
        match ctx.response().map(|r| r.status().as_u16()) {
            Some(429) => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "a throttle is not retried: the schedule gives the email a fresh slot"
    }
}

const SES_ATTEMPTS: u32 = 20;

/// The longest one email may take, retries included.
pub const SES_OPERATION_TIMEOUT: Duration = Duration::from_secs(20);

/// Opens the connections (DNS, TCP, TLS) during init, which Lambda runs at full CPU, so the first
/// request does not pay for a handshake at the function's share of a core. The calls are cheap reads;
/// DynamoDB's answer does not matter, SES's is the account's sending rate (`None` when unknown: a
/// failure only means the first request connects itself).
///
/// The table's call goes out first ([`start_warm_up`]) and the mail clients are made while it is on the
/// network: making a client parses its SDK crate's endpoint partitions, and the two mail clients' are
/// about a quarter of a sending function's init (counted with callgrind, BENCHMARKS.md), work that
/// would otherwise wait for the calls or follow them. So the logged duration, from the table's call
/// to the last answer, holds that work too.
pub async fn warm_up(table: StartedWarmUp, ses: &aws_sdk_sesv2::Client) -> Option<SendRate> {
    let ses = async {
        let account = ses.get_account().send().await;
        match account {
            Ok(account) => account.send_quota().and_then(|q| SendRate::of_account(q.max_send_rate())),
            Err(e) => {
                tracing::debug!(error = %e, "SES warm-up call failed");
                None
            }
        }
    };
    let StartedWarmUp { at, mut call } = table;
    let done = timed(at, futures::future::join(&mut call, ses)).await;
    // A call past the bound is not left running into the first request.
    call.abort();
    done.and_then(|(_, rate)| rate)
}

/// The table's warm-up call, running on the runtime's workers since `at`.
pub struct StartedWarmUp {
    at: tokio::time::Instant,
    call: tokio::task::JoinHandle<()>,
}

/// Sends the table's warm-up call on `db` (a handle on the client the function keeps) and returns at
/// once (see [`warm_up`]).
pub fn start_warm_up(db: aws_sdk_dynamodb::Client, table: &str) -> StartedWarmUp {
    let table = table.to_owned();
    StartedWarmUp { at: tokio::time::Instant::now(), call: tokio::spawn(async move { describe(&db, &table).await }) }
}

/// [`warm_up`] for a function that sends no email: the table's connection only. A function of its own,
/// so those binaries link none of the SES client.
pub async fn warm_up_table(db: &aws_sdk_dynamodb::Client, table: &str) {
    timed(tokio::time::Instant::now(), describe(db, table)).await;
}

async fn describe(db: &aws_sdk_dynamodb::Client, table: &str) {
    if let Err(e) = db.describe_table().table_name(table).send().await {
        tracing::debug!(error = %e, "DynamoDB warm-up call failed");
    }
}

/// The events function's warm-up: the bus's connection, as [`warm_up`] opens the table's.
pub async fn warm_up_bus(client: &aws_sdk_eventbridge::Client, bus: &str) {
    timed(tokio::time::Instant::now(), async {
        if let Err(e) = client.describe_event_bus().name(bus).send().await {
            tracing::debug!(error = %e, "EventBridge warm-up call failed");
        }
    })
    .await;
}

/// How long init waits for its warm-up calls.
const WARM_UP_BOUND: Duration = Duration::from_secs(2);

/// Runs a warm-up started at `since` until at most [`WARM_UP_BOUND`] after it, and logs how long it
/// took: init's share spent on the warm-up, so an init duration can be read against the floor.
async fn timed<T>(since: tokio::time::Instant, calls: impl std::future::Future<Output = T>) -> Option<T> {
    let done = tokio::time::timeout_at(since + WARM_UP_BOUND, calls).await;
    tracing::info!(warm_up_ms = since.elapsed().as_secs_f64() * 1000.0, "connections opened");
    done.ok()
}

#[cfg(test)]
mod tests {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;

    #[test]
    fn the_compiled_in_store_holds_the_five_aws_roots() {
        let certs: Vec<_> = CertificateDer::pem_slice_iter(super::AWS_ROOT_CAS).collect::<Result<_, _>>().unwrap();
        assert_eq!(certs.len(), 5);
        // Each subject's common name appears in its DER; an emptied or swapped file fails here.
        for name in
            ["Amazon Root CA 1", "Amazon Root CA 2", "Amazon Root CA 3", "Amazon Root CA 4", "Starfield Services Root"]
        {
            assert!(certs.iter().any(|c| c.windows(name.len()).any(|w| w == name.as_bytes())), "{name}");
        }
    }
}
