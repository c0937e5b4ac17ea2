use clap::Parser;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use invitations::clock::SystemClock;
use invitations::config::{Env, MailSettings};
use invitations::mail::{Mailer, OutboxMailer, SesMailer};
use invitations::service::{Deps, Sender};
use invitations::store::{dynamo::DynamoStore, memory::MemoryStore, Store};
use local::auth::DevAuth;
use local::gateway::Gateway;
use serde_json::json;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Serves the invitations API on 127.0.0.1 with no AWS: the Lambda handlers behind a stand-in for API
/// Gateway and its JWT authorizer. Rules are read from the same variables as in AWS (INVITATION_TTL,
/// RESEND_MIN_INTERVAL, ...).
#[derive(Parser)]
#[command(name = "local", version)]
struct Args {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Keep invitations in this JSON file, so a restart keeps them (default: memory only).
    #[arg(long, value_name = "FILE", conflicts_with = "dynamodb")]
    data: Option<PathBuf>,
    /// Use DynamoDB (TABLE_NAME and the standard AWS_* / AWS_ENDPOINT_URL_DYNAMODB variables).
    #[arg(long)]
    dynamodb: bool,
    /// Folder the emails are written to, one .eml file each.
    #[arg(long, value_name = "DIR", default_value = "outbox")]
    outbox: PathBuf,
    /// Send through SES v2 instead (SENDER_EMAIL, ACCEPT_URL and the standard AWS_* variables).
    #[arg(long, conflicts_with = "outbox")]
    ses: bool,
    /// Account of the development token printed at start.
    #[arg(long, default_value = "acme")]
    account: String,
    /// Roles of that token, space-separated.
    #[arg(long, default_value = "owner")]
    roles: String,
    /// User id (sub) of that token.
    #[arg(long, default_value = "dev-admin")]
    user: String,
    /// Email of that token's user, shown as the inviter.
    #[arg(long, default_value = "admin@example.com")]
    email: String,
}

const TOKEN_TTL: Duration = Duration::from_secs(12 * 3600);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    invitations::logging::init();
    let args = Args::parse();
    let env = Env::process();
    let policy = env.policy()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));

    let aws = if args.dynamodb || args.ses { Some(invitations::aws::sdk_config().await) } else { None };
    let (store, store_note): (Arc<dyn Store>, String) = match (&aws, args.dynamodb, &args.data) {
        (Some(aws), true, _) => {
            let table = env.table_name()?;
            (Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(aws), &table)), format!("DynamoDB table {table}"))
        }
        (_, _, Some(path)) => (Arc::new(MemoryStore::open(path)?), format!("file {}", path.display())),
        _ => (Arc::new(MemoryStore::new()), "memory (gone at exit; --data FILE keeps it)".into()),
    };
    let (mailer, settings, mail_note): (Arc<dyn Mailer>, MailSettings, String) = match &aws {
        Some(aws) if args.ses => {
            let settings = env.mail()?;
            (Arc::new(SesMailer::new(invitations::aws::ses_client(aws), &settings)), settings, "SES".into())
        }
        _ => {
            let settings = MailSettings {
                sender: std::env::var("SENDER_EMAIL").unwrap_or_else(|_| "invitations@example.com".into()),
                accept_url: format!("http://{addr}/accept").parse()?,
                configuration_set: None,
            };
            let mailer = OutboxMailer::new(args.outbox.clone(), settings.sender.clone())?;
            (Arc::new(mailer), settings, format!("{}/", args.outbox.display()))
        }
    };
    let deps = Deps { store, clock: Arc::new(SystemClock), policy };
    let auth = DevAuth::new();
    let claims = json!({"sub": args.user, "email": args.email, "account_id": args.account, "roles": args.roles});
    let token = auth.mint(claims.as_object().expect("an object"), TOKEN_TTL);
    let gateway = Arc::new(Gateway { deps, sender: Sender { mailer, settings }, auth });

    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("Invitations API on http://{addr}");
    println!("store: {store_note}; emails: {mail_note}");
    println!("Development token for account {} (roles: {}), valid 12 hours:", args.account, args.roles);
    println!("export TOKEN={token}");
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let gateway = gateway.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let gateway = gateway.clone();
                async move { Ok::<_, std::convert::Infallible>(gateway.handle(req).await) }
            });
            if let Err(e) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
}
