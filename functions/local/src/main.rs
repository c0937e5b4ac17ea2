use clap::Parser;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use invitations::adapters::{
    event_log::EventLog, memory::MemoryStore, outbox::OutboxMailer, simulator::MailboxSimulator,
};
use invitations::domain::Email;
use invitations::ports::clock::SystemClock;
use invitations::ports::Store;
use invitations::service::{Deps, MailSettings, Notifier};
use invitations::startup::config::Env;
use invitations::startup::wiring;
use invitations_console::Development;
use local::auth::DevAuth;
use local::console;
use local::gateway::Gateway;
use serde_json::json;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Serves the invitations API on 127.0.0.1 with no AWS: the Lambda handlers behind a stand-in for API
/// Gateway and its JWT authorizer. Rules are read from the same variables as in AWS (INVITATION_TTL,
/// RESEND_MIN_INTERVAL, ...).
///
/// At / it serves the Users window, the administrators' console, with a development sign-in where you
/// choose the account, roles, user id and address its token carries (for development only, like the
/// one below). With OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_SCOPES set it signs in with that issuer
/// instead, as the deployed console does.
///
/// The links in the outbox emails open its accept page, GET /accept, where the invitee signs in and
/// accepts. That sign-in, POST /dev/sign-in with {"email": "..."}, is for development only: it hands
/// anyone a one-hour invitee token for whatever address they type, and exists in this server alone,
/// never in a Lambda function.
#[derive(Parser)]
#[command(name = "local", version)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Keep invitations in this JSON file, so a restart keeps them (default: memory only).
    #[arg(long, value_name = "FILE", conflicts_with = "dynamodb")]
    data: Option<PathBuf>,
    /// Use DynamoDB (TABLE_NAME and the standard AWS_* / AWS_ENDPOINT_URL_DYNAMODB variables).
    #[arg(long)]
    dynamodb: bool,
    /// Append the lifecycle events (invitation.created, member.added, ...) to this file as JSON lines, as
    /// the events function would publish them; `-` for standard output. Not with --dynamodb, whose
    /// events come from the table's stream.
    #[arg(long, value_name = "FILE", conflicts_with = "dynamodb")]
    events: Option<PathBuf>,
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

#[derive(clap::Subcommand)]
enum Command {
    /// Readies DynamoDB Local and the SES emulator for the Lambda functions instead of serving: creates
    /// TABLE_NAME as template.yaml declares it, verifies SENDER_EMAIL, and seeds the invitations the
    /// sample events name (only into a table it created). ./scripts/aws-local up runs it.
    Setup(local::setup::SetupArgs),
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    invitations::logging::init();
    let args = Args::parse();
    if let Some(Command::Setup(setup)) = &args.command {
        return local::setup::run(setup).await;
    }
    let env = Env::process();
    let policy = env.policy()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));

    let aws =
        if args.dynamodb || args.ses { Some(invitations::adapters::aws::sdk_config_from_chains().await) } else { None };
    let (deps, store_note) = match (&aws, args.dynamodb, &args.data) {
        (Some(aws), true, _) => {
            let table = env.table_name()?;
            let client = aws_sdk_dynamodb::Client::new(aws);
            (wiring::dynamo_deps(client, &table, env.due_shards()?, policy), format!("DynamoDB table {table}"))
        }
        (_, _, data) => {
            let (store, mut note) = match data {
                Some(path) => (MemoryStore::open(path)?, format!("file {}", path.display())),
                None => (MemoryStore::new(), "memory (gone at exit; --data FILE keeps it)".into()),
            };
            let store: Arc<dyn Store> = match &args.events {
                Some(path) => {
                    let log = if path.as_os_str() == "-" {
                        EventLog::new(std::io::stdout())
                    } else {
                        EventLog::append(path)?
                    };
                    note.push_str(&format!("; events: {}", path.display()));
                    Arc::new(store.with_listener(Arc::new(log)))
                }
                None => Arc::new(store),
            };
            (Deps { store, clock: Arc::new(SystemClock), policy }, note)
        }
    };
    let (notifier, mail_note) = match &aws {
        Some(aws) if args.ses => (
            wiring::ses_notifier(invitations::adapters::aws::ses_client(aws, false), env.mail()?, None),
            "SES".to_owned(),
        ),
        _ => {
            let from = match std::env::var("SENDER_EMAIL") {
                Ok(from) => {
                    Email::parse(from.trim()).map_err(|e| format!("SENDER_EMAIL is not an email address: it {e}"))?
                }
                Err(_) => Email::parse("invitations@example.com")?,
            };
            let settings = MailSettings {
                from: from.as_str().to_owned(),
                accept_url: format!("http://{addr}/accept").parse()?,
                configuration_set: None,
            };
            let outbox = Arc::new(OutboxMailer::new(args.outbox.clone(), settings.from.clone())?);
            // What SES would report of each email is recorded on its invitation, the mailbox simulator's
            // addresses (bounce@simulator.amazonses.com, ...) behaving as their names say.
            let mailer = MailboxSimulator::new(outbox, deps.clone());
            (Notifier { mailer: Arc::new(mailer), settings, pacing: None }, format!("{}/", args.outbox.display()))
        }
    };
    let auth = DevAuth::new();
    // The development identity provider vouches for the address it was given.
    let claims = json!({"sub": args.user, "email": args.email, "email_verified": "true", "account_id": args.account, "roles": args.roles});
    let token = auth.mint(claims.as_object().expect("an object"), console::ADMIN_TOKEN_TTL);
    let first =
        Development { account: args.account.clone(), roles: args.roles.clone(), user: args.user, email: args.email };
    let (console, console_note) = console::site(first, |name| std::env::var(name).ok())?;
    let gateway = Arc::new(Gateway { deps, notifier, auth, console });

    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("Users console: http://{addr}/ ({console_note})");
    println!("Invitations API on http://{addr}");
    println!("store: {store_note}; emails: {mail_note}");
    println!("Its description (OpenAPI 3.1): http://{addr}/openapi.yaml");
    if !args.ses {
        println!("The emailed links open http://{addr}/accept, with a development sign-in (any address).");
    }
    println!("Development token for account {} (roles: {}), valid 12 hours:", args.account, args.roles);
    println!("export TOKEN={token}");
    println!("For the `invitations` command line:");
    println!("export INVITATIONS_TOKEN=$TOKEN INVITATIONS_API_URL=http://{addr}");
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let gateway = gateway.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let gateway = gateway.clone();
                // Its own task, as a Lambda invocation finishes when its client goes away: a request cut
                // off mid-way still completes and keeps its idempotent answer for the client's retry.
                tokio::spawn(async move { gateway.handle(req).await })
            });
            if let Err(e) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
}
