//! Start-up: read and check every variable first, then build the SDK clients once. A configuration
//! error names each bad variable, is reported to the Runtime API as an init error (what Lambda shows for
//! a failed init) and stops the function before it serves anything. The local server builds its
//! DynamoDB and SES parts with the same functions.
use crate::adapters::{aws, dynamo::DynamoStore, eventbridge::EventBridgeBus, ses::SesMailer, sqs::SqsQueue};
use crate::ports::clock::SystemClock;
use crate::ports::store::DueShards;
use crate::ports::SendRate;
use crate::rules::Policy;
use crate::service::pace::Pacing;
use crate::service::{Deps, MailSettings, Notifier};
use crate::startup::config::{ConfigErrors, Env, PacingConfig};
use std::sync::Arc;

/// The use cases' dependencies on a DynamoDB table, through `client` (the one the warm-up opened).
pub fn dynamo_deps(client: aws_sdk_dynamodb::Client, table: &str, due_shards: DueShards, policy: Policy) -> Deps {
    let store = DynamoStore::new(client, table).with_due_shards(due_shards);
    Deps { store: Arc::new(store), clock: Arc::new(SystemClock), policy }
}

/// A notifier that sends through SES v2 with `client` (built by `aws::ses_client`, paced as `pacing` is).
pub fn ses_notifier(client: aws_sdk_sesv2::Client, settings: MailSettings, pacing: Option<Pacing>) -> Notifier {
    let mailer = SesMailer::new(client, settings.from.clone(), settings.configuration_set.clone());
    Notifier { mailer: Arc::new(mailer), settings, pacing }
}

/// The pacing of a function that sends: the account's rate (from init's `GetAccount`), lowered by a
/// configured one; the sandbox's 1 a second when neither is known, as no account has less.
pub fn pacing(queue: aws_sdk_sqs::Client, config: &PacingConfig, account: Option<SendRate>) -> Pacing {
    let rate = match (account, config.rate) {
        (Some(account), Some(configured)) => account.min(configured),
        (Some(rate), None) | (None, Some(rate)) => rate,
        (None, None) => {
            tracing::warn!("the account's sending rate is unknown and SEND_RATE is not set: sending 1 email a second");
            SendRate::SANDBOX
        }
    };
    tracing::info!(emails_per_second = rate.per_second(), "sending rate");
    Pacing { rate, queue: Arc::new(SqsQueue::new(queue, &config.queue_url)) }
}

/// For functions that only touch the table (list, cancel).
pub async fn store_only() -> Result<Deps, ConfigErrors> {
    let config = match Env::process().function(false) {
        Ok(config) => config,
        Err(e) => return Err(init_failed(e).await),
    };
    let sdk = aws::sdk_config().await;
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    // The warm-up opens the connection the first request then finds in this client's pool.
    aws::warm_up_table(&db, &config.table).await;
    Ok(dynamo_deps(db, &config.table, config.due_shards, config.policy))
}

/// For functions that send email too (invite, resend, send).
pub async fn with_mail() -> Result<(Deps, Notifier), ConfigErrors> {
    let config = match Env::process().function(true) {
        Ok(config) => config,
        Err(e) => return Err(init_failed(e).await),
    };
    let settings = config.mail.expect("function(true) reads the mail settings");
    let pacing_config = config.pacing.expect("function(true) reads the pacing");
    let sdk = aws::sdk_config().await;
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    // The mail clients are made while the table's warm-up call is on the network (see `aws::warm_up`).
    let table_call = aws::start_warm_up(db.clone(), &config.table);
    let (ses, queue) = (aws::ses_client(&sdk, true), aws_sdk_sqs::Client::new(&sdk));
    let account_rate = aws::warm_up(table_call, &ses).await;
    let pacing = pacing(queue, &pacing_config, account_rate);
    Ok((dynamo_deps(db, &config.table, config.due_shards, config.policy), ses_notifier(ses, settings, Some(pacing))))
}

/// For the `delivery` function: the table, and the configuration set whose events it records.
pub async fn for_delivery() -> Result<(Deps, String), ConfigErrors> {
    let env = Env::process();
    let (config, set) = match (env.function(false), env.configuration_set()) {
        (Ok(config), Ok(set)) => (config, set),
        (config, set) => {
            let mut errors = config.err().map_or_else(Vec::new, |e| e.0);
            errors.extend(set.err());
            return Err(init_failed(ConfigErrors(errors)).await);
        }
    };
    let sdk = aws::sdk_config().await;
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    // Nobody waits on a report, but init runs at full CPU and the first invocation at the function's
    // share of a core: the handshake is cheaper here.
    aws::warm_up_table(&db, &config.table).await;
    Ok((dynamo_deps(db, &config.table, config.due_shards, config.policy), set))
}

/// For the `events` function: the bus its events go to. It reads no table (the stream brings the
/// items); it opens the bus's connection in init, which runs at full CPU, rather than in its first
/// batch.
pub async fn event_bus() -> Result<EventBridgeBus, ConfigErrors> {
    let bus = match Env::process().event_bus() {
        Ok(bus) => bus,
        Err(e) => return Err(init_failed(ConfigErrors(vec![e])).await),
    };
    let sdk = aws::sdk_config().await;
    let client = aws_sdk_eventbridge::Client::new(&sdk);
    aws::warm_up_bus(&client, &bus).await;
    Ok(EventBridgeBus::new(client, bus))
}

/// Logs the errors and posts them to `/runtime/init/error`, as the runtime does for its own init failures
/// (the console function reports its own configuration through it too).
pub async fn init_failed(err: ConfigErrors) -> ConfigErrors {
    tracing::error!(variables = ?err.vars(), error = %err, "init failed");
    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        return err;
    };
    let Ok(base) = format!("http://{api}").parse() else {
        tracing::error!("AWS_LAMBDA_RUNTIME_API is not a host and port; the init error is only logged");
        return err;
    };
    let client = lambda_runtime_api_client::PooledClient::builder().with_endpoint(base).build();
    let body = serde_json::json!({"errorType": "Runtime.InitError.Configuration", "errorMessage": err.to_string()});
    let request = lambda_runtime_api_client::build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header("Lambda-Runtime-Function-Error-Type", "Runtime.InitError")
        .body(lambda_runtime_api_client::body::Body::from(body.to_string()));
    match request {
        Ok(request) => {
            if let Err(e) = client.call(request).await {
                tracing::error!(error = %e, "could not report the init error to the Runtime API");
            }
        }
        Err(e) => tracing::error!(error = %e, "could not build the init error report"),
    }
    err
}
