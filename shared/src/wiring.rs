//! Start-up for the Lambda binaries: read and check every variable first, then build the SDK clients
//! once. A configuration error names its variable, is reported to the Runtime API as an init error
//! (what Lambda shows for a failed init) and stops the function before it serves anything.
use crate::clock::SystemClock;
use crate::config::{ConfigError, Env};
use crate::mail::SesMailer;
use crate::service::{Deps, Sender};
use crate::store::dynamo::DynamoStore;
use std::sync::Arc;

/// For functions that only touch the table (list, cancel).
pub async fn store_only() -> Result<Deps, ConfigError> {
    let env = Env::process();
    let (table, policy) = match (env.table_name(), env.policy()) {
        (Ok(t), Ok(p)) => (t, p),
        (Err(e), _) | (_, Err(e)) => return Err(init_failed(e).await),
    };
    let aws = crate::aws::sdk_config().await;
    let db = aws_sdk_dynamodb::Client::new(&aws);
    crate::aws::warm_up(&db, None, &table).await;
    Ok(Deps { store: Arc::new(DynamoStore::new(db, table)), clock: Arc::new(SystemClock), policy })
}

/// For functions that send email too (invite, resend).
pub async fn with_mail() -> Result<(Deps, Sender), ConfigError> {
    let env = Env::process();
    let (table, policy, settings) = match (env.table_name(), env.policy(), env.mail()) {
        (Ok(t), Ok(p), Ok(m)) => (t, p, m),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return Err(init_failed(e).await),
    };
    let aws = crate::aws::sdk_config().await;
    let (db, ses) = (aws_sdk_dynamodb::Client::new(&aws), crate::aws::ses_client(&aws));
    crate::aws::warm_up(&db, Some(&ses), &table).await;
    let deps = Deps { store: Arc::new(DynamoStore::new(db, table)), clock: Arc::new(SystemClock), policy };
    let mailer = SesMailer::new(ses, &settings);
    Ok((deps, Sender { mailer: Arc::new(mailer), settings }))
}

/// Logs the error and posts it to `/runtime/init/error`, as the runtime does for its own init failures.
async fn init_failed(err: ConfigError) -> ConfigError {
    tracing::error!(variable = err.var, error = %err, "init failed");
    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        return err;
    };
    let Ok(base) = format!("http://{api}").parse() else {
        return err;
    };
    let client = lambda_runtime_api_client::PooledClient::builder().with_endpoint(base).build();
    let body = serde_json::json!({"errorType": "Runtime.InitError.Configuration", "errorMessage": err.to_string()});
    let request = lambda_runtime_api_client::build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header("Lambda-Runtime-Function-Error-Type", "Runtime.InitError")
        .body(lambda_runtime_api_client::body::Body::from(body.to_string()));
    if let Ok(request) = request {
        if let Err(e) = client.call(request).await {
            tracing::error!(error = %e, "could not report the init error to the Runtime API");
        }
    }
    err
}
