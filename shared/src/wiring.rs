//! Start-up for the Lambda binaries: read and check every variable first, then build the SDK clients
//! once. A configuration error names its variable and stops the function before it serves anything.
use crate::clock::SystemClock;
use crate::config::{ConfigError, Env};
use crate::mail::SesMailer;
use crate::service::{Deps, Sender};
use crate::store::dynamo::DynamoStore;
use std::sync::Arc;

/// For functions that only touch the table (list, cancel).
pub async fn store_only() -> Result<Deps, ConfigError> {
    let env = Env::process();
    let (table, policy) = (env.table_name()?, env.policy()?);
    let aws = crate::aws::sdk_config().await;
    Ok(Deps {
        store: Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table)),
        clock: Arc::new(SystemClock),
        policy,
    })
}

/// For functions that send email too (invite, resend).
pub async fn with_mail() -> Result<(Deps, Sender), ConfigError> {
    let env = Env::process();
    let (table, policy, settings) = (env.table_name()?, env.policy()?, env.mail()?);
    let aws = crate::aws::sdk_config().await;
    let deps = Deps {
        store: Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table)),
        clock: Arc::new(SystemClock),
        policy,
    };
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(&aws), &settings);
    Ok((
        deps,
        Sender {
            mailer: Arc::new(mailer),
            settings,
        },
    ))
}
