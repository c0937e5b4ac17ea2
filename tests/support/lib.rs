//! Test support: the emulators the test script started (never real AWS), a table and a sender identity
//! per test, the one test app that calls the handlers through the core's route table, shared fixtures,
//! the servers and emulators the end-to-end tests run binaries under, a headless browser with axe-core
//! and a stand-in OpenID Connect issuer, and `openapi.yaml` as the judge of every answer.
pub mod app;
pub mod axe;
pub mod backend;
pub mod browser;
pub mod bus;
pub mod checked;
pub mod described;
pub mod file_store;
pub mod fixtures;
pub mod http1;
pub mod issuer;
pub mod local_server;
pub mod logs;
pub mod mailer;
pub mod proxy;
pub mod queue;
pub mod quota;
pub mod runtime;
pub mod ses;
pub mod stream;
pub mod table;
pub mod template;

pub use app::{answer, event_json, page_event, Answer, App};
pub use backend::{mail_settings, Backend, Options};
pub use fixtures::{access_infra, claims, invitation, invitee, owner_of, sent_invitation, ses_report};
pub use ses::{SentMail, Ses};
pub use table::{all_items, new_table};

/// Tests that put hundreds of concurrent writes or megabytes into DynamoDB Local, and tests that pace
/// sends on the real clock, take turns: a burst beside a paced test keeps its sends from their slots.
pub async fn heavy_test() -> tokio::sync::MutexGuard<'static, ()> {
    static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    HEAVY.lock().await
}

/// An emulator's endpoint as the test script exported it.
pub fn endpoint(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the tests through ./scripts/test, which starts DynamoDB Local and moto")
    })
}

/// The SDK configuration the functions use, pointed at the emulators by the standard variables, with
/// [`emulator_timeouts`] in place of the production ones.
pub async fn sdk() -> aws_config::SdkConfig {
    production_sdk().await.to_builder().timeout_config(emulator_timeouts()).build()
}

/// Exactly the functions' SDK configuration, production timeouts included: for the tests of what those
/// timeouts do.
pub async fn production_sdk() -> aws_config::SdkConfig {
    endpoint("AWS_ENDPOINT_URL_DYNAMODB");
    endpoint("AWS_ENDPOINT_URL_SESV2");
    endpoint("AWS_ENDPOINT_URL_SQS");
    invitations::adapters::aws::sdk_config().await
}

/// Timeouts for clients of the emulators. AWS answers in milliseconds, and the production timeouts (3 s
/// an attempt) are for a dependency that is stuck; DynamoDB Local and moto share a busy two-core machine
/// with the tests and answer a burst (an invite's 100 transactions) in seconds. Under the production
/// timeouts such an answer is retried, so a test counting calls counts the retries too, or becomes a 503,
/// and the test's result would depend on the machine's load. A test of the timeouts themselves uses
/// [`production_sdk`] and a proxy that holds calls longer than they allow.
pub fn emulator_timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .operation_attempt_timeout(std::time::Duration::from_secs(60))
        .operation_timeout(std::time::Duration::from_secs(120))
        .build()
}

/// The variables that point a process at the emulators, for the binaries the tests start.
pub fn aws_env() -> Vec<(&'static str, String)> {
    [
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_SESV2",
        "AWS_ENDPOINT_URL_EVENTBRIDGE",
        "AWS_ENDPOINT_URL_SQS",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ]
    .into_iter()
    .map(|k| (k, endpoint(k)))
    .collect()
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}
