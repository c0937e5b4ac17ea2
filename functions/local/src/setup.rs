//! `local setup`: makes DynamoDB Local and the SES emulator ready for the Lambda functions, as
//! `./scripts/aws-local up` runs it: the table as the template declares it, the sender verified, the
//! event bus and the send queue, and the invitations the sample events name. Running it again changes nothing; `--fresh` starts the table over.
use crate::samples::{self, Sample};
use crate::table::{Created, TableSpec};
use aws_sdk_sesv2::error::SdkError;
use invitations::adapters::dynamo::DynamoStore;
use invitations::ports::store::{CreateOutcome, InvitationStore};
use invitations::startup::config::Env;
use std::path::PathBuf;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, clap::Args)]
pub struct SetupArgs {
    /// The SAM template whose table is created.
    #[arg(long, default_value = "template.yaml")]
    pub template: PathBuf,
    /// The sample events whose invitations are seeded.
    #[arg(long, default_value = "events")]
    pub events: PathBuf,
    /// Delete the table first, so the samples find their invitations as seeded.
    #[arg(long)]
    pub fresh: bool,
}

/// Runs the setup with TABLE_NAME, SENDER_EMAIL and the standard AWS variables, and prints each step.
pub async fn run(args: &SetupArgs) -> Result<(), Error> {
    // It deletes tables (--fresh) and writes sample data: never against AWS itself.
    if ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"].iter().all(|v| std::env::var_os(v).is_none()) {
        return Err("setup is for DynamoDB Local: set AWS_ENDPOINT_URL_DYNAMODB (./scripts/aws-local does)".into());
    }
    let env = Env::process();
    let table = env.table_name()?;
    let sender = std::env::var("SENDER_EMAIL").map_err(|_| "SENDER_EMAIL is not set")?;
    let template = std::fs::read_to_string(&args.template).map_err(|e| format!("{}: {e}", args.template.display()))?;
    let spec = TableSpec::from_template(&template)?;
    let samples = samples::load(&args.events, &template)?;

    let sdk = invitations::adapters::aws::sdk_config_from_chains().await;
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    if args.fresh {
        match db.delete_table().table_name(&table).send().await {
            Ok(_) => println!("table {table}: deleted"),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => {}
            Err(e) => return Err(Box::new(e)),
        }
    }
    let created = spec.create(&db, &table).await?;
    let indexes = spec.index_names().join(", ");
    let ttl = spec.ttl_attribute().map(|a| format!(", TTL on {a}")).unwrap_or_default();
    match created {
        Created::Created => println!("table {table}: created (indexes {indexes}{ttl})"),
        Created::Existed => println!("table {table}: exists, left as it is (--fresh starts it over)"),
    }

    // SES v2's CreateEmailIdentity: what verifying the sender is in the emulator.
    let ses = aws_sdk_sesv2::Client::new(&sdk);
    match ses.create_email_identity().email_identity(&sender).send().await {
        Ok(_) => println!("sender {sender}: verified"),
        Err(SdkError::ServiceError(e)) if e.err().is_already_exists_exception() => {
            println!("sender {sender}: already verified")
        }
        Err(e) => return Err(Box::new(e)),
    }

    // The events function publishes to this bus; moto refuses a bus it was never told of.
    if let Ok(bus) = std::env::var("EVENT_BUS_NAME") {
        let events = aws_sdk_eventbridge::Client::new(&sdk);
        match events.create_event_bus().name(&bus).send().await {
            Ok(_) => println!("event bus {bus}: created"),
            Err(SdkError::ServiceError(e)) if e.err().is_resource_already_exists_exception() => {
                println!("event bus {bus}: exists")
            }
            Err(e) => return Err(Box::new(e)),
        }
    }

    // Invite, resend and send hand emails beyond a request's budget to this queue; moto knows only the
    // queues it was asked to create. The URL's last segment is the queue's name.
    if let Ok(url) = std::env::var("SEND_QUEUE_URL") {
        let name = url.rsplit('/').next().unwrap_or_default();
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        // CreateQueue of a queue that exists with the same attributes returns it: running again is fine.
        let made = sqs.create_queue().queue_name(name).send().await?;
        println!("send queue {name}: ready at {}", made.queue_url().unwrap_or_default());
    }

    if created == Created::Created {
        seed(&db, &table, &env, &samples).await?;
    }
    println!("sample events (file, template function, binary):");
    for s in &samples {
        println!("  {} {} {}", s.path.display(), s.function, s.binary);
    }
    Ok(())
}

async fn seed<F: Fn(&str) -> Option<String>>(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    env: &Env<F>,
    samples: &[Sample],
) -> Result<(), Error> {
    let policy = env.policy()?;
    let store = DynamoStore::new(db.clone(), table).with_due_shards(env.due_shards()?);
    for inv in samples::seeds(samples, &policy)? {
        let due = inv.due_at.is_some_and(|d| d <= invitations::domain::Timestamp::now());
        match store.create(&inv).await? {
            CreateOutcome::Created => {
                println!("seeded {} {} ({}{})", inv.id, inv.email.as_str(), inv.status, if due { ", due" } else { "" })
            }
            CreateOutcome::AlreadyOpen(_) | CreateOutcome::AlreadyMember(_) | CreateOutcome::Undeliverable(_) => {
                println!("seeded {} already", inv.email.as_str())
            }
            CreateOutcome::SeatLimitReached => {
                println!("not seeded {}: the account's seats are full", inv.email.as_str())
            }
        }
    }
    Ok(())
}
