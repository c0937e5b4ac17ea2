//! The command line: connection options shared by every subcommand, and one subcommand per action.
use crate::access::AccessFlags;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "invitations",
    version,
    about = "Invite people into an account and manage invitations and users, through the invitation service's API",
    after_help = "Exit status: 0 when everything asked for happened, 1 on an error, 2 on bad usage, 3 when some \
                  invitees were not invited.\n\nThe local server (`cargo run --bin local`) prints a token: \
                  export INVITATIONS_TOKEN=<it> and every subcommand talks to it."
)]
pub struct Cli {
    #[command(flatten)]
    pub conn: Connection,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args)]
pub struct Connection {
    /// The API's base URL.
    #[arg(long, env = "INVITATIONS_API_URL", default_value = "http://127.0.0.1:3000", global = true)]
    pub api_url: url::Url,
    /// Bearer token (a JWT from your identity provider).
    #[arg(long, env = "INVITATIONS_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// The account; by default the token's `account_id` claim.
    #[arg(long, global = true)]
    pub account: Option<String>,
    /// How results are printed.
    #[arg(long, short, value_enum, default_value_t = Format::Table, global = true)]
    pub output: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Subcommand)]
pub enum Command {
    /// Invite people by address or user id, with the access they get.
    #[command(after_help = INVITE_EXAMPLES)]
    Invite(InviteArgs),
    /// List invitations, newest first.
    #[command(
        after_help = "Examples:\n  invitations list --status pending,processing\n  invitations list --all --output csv > invitations.csv"
    )]
    List(ListArgs),
    /// List the account's users: members and open invitations.
    #[command(
        after_help = "Examples:\n  invitations users\n  invitations users --status active --all --output json\n  invitations users --delivery bounced,complained"
    )]
    Users(UsersArgs),
    /// Cancel an open invitation, named by its id or its address.
    #[command(after_help = "Examples:\n  invitations cancel ann@example.com\n  invitations cancel 0f8c…")]
    Cancel { target: String },
    /// Send a pending invitation's email again (a new link), named by its id or its address.
    #[command(after_help = "Examples:\n  invitations resend ann@example.com")]
    Resend { target: String },
    /// Change the access an open invitation gives, named by its id or its address; its link stays valid.
    #[command(
        after_help = "Examples:\n  invitations update ann@example.com --infra view_only\n  invitations update 0f8c… --access-file access.json"
    )]
    Update(UpdateArgs),
    /// Print a new accept link for an open invitation, named by its id or its address; the links sent
    /// before stop working, and no email is sent.
    #[command(after_help = "Examples:\n  invitations link ann@example.com")]
    Link { target: String },
    /// Remove a member from the account, named by user id or address.
    #[command(after_help = "Examples:\n  invitations remove-user user-42\n  invitations remove-user ann@example.com")]
    RemoveUser { target: String },
    /// Accept an invitation, as the invitee (the token is the invitee's own).
    #[command(
        after_help = "Examples:\n  invitations accept 'https://app.example.com/accept?account=acme&invitation=…&token=…'\n  \
                            invitations accept --account acme --invitation 0f8c… --invitation-token …"
    )]
    Accept(AcceptArgs),
    /// The account's sending: whether bounces or complaints paused it, and lifting the pause.
    #[command(subcommand, after_help = "Examples:\n  invitations account status\n  invitations account resume")]
    Account(AccountCommand),
    /// Read or change the account's settings (the owner role only).
    #[command(after_help = "Examples:\n  invitations settings get\n  invitations settings set --seat-limit 25 \
                            --allowed-domains example.com,example.org --ttl-days 14\n  \
                            invitations settings set --allowed-domains none")]
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
    /// How many of the account's seats are taken: members and open invitations, against its seat limit.
    #[command(after_help = "Examples:\n  invitations seats\n  invitations seats --output json")]
    Seats,
    /// Print a completion script for a shell.
    #[command(after_help = "Examples:\n  invitations completions bash > /etc/bash_completion.d/invitations\n  \
                            invitations completions zsh > \"${fpath[1]}/_invitations\"")]
    Completions { shell: clap_complete::Shell },
}

const INVITE_EXAMPLES: &str = "Examples:
  invitations invite ann@example.com bob@example.com --infra basic_user
  invitations invite user-42 --iam cloud-object-storage@default=Viewer,Writer
  invitations invite --file team.csv --cf-org acme --cf-org-role Auditor --cf-space us-south/dev=Developer
  cut -d, -f3 people.csv | invitations invite --file - --access-file access.json

Over 100 invitees go in requests of 100. Each request carries an Idempotency-Key derived from the caller
(the token's user and account), the whole input and its place in it, so running the same command again
(after Ctrl-C, a lost connection or a 503) sends no email twice and shows the first answers, while another
administrator running the same file gets answers of their own.";

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Whether the account's sending is paused, and its bounces and complaints of the last day.
    Status,
    /// Lift the pause (the account's owner only) and start its record afresh.
    Resume,
}

#[derive(Args)]
pub struct InviteArgs {
    /// Addresses and user ids; one argument may hold several, separated as the API separates them.
    pub invitees: Vec<String>,
    /// Read invitees from a file: plain text, or CSV with an `email` column; `-` reads standard input.
    #[arg(long, short, value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub access: AccessFlags,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=16))]
    pub parallel: u8,
}

#[derive(Args)]
pub struct ListArgs {
    /// Only these statuses (processing, pending, accepted, cancelled, expired, failed).
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<String>,
    /// Only this address.
    #[arg(long)]
    pub email: Option<String>,
    #[command(flatten)]
    pub page: Paging,
}

#[derive(Args)]
pub struct UsersArgs {
    /// Only these statuses (active, pending, processing).
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<String>,
    /// Only open invitations whose latest email SES reported so (sent, delivered, delayed, bounced,
    /// complained, suppressed, rejected).
    #[arg(long, value_delimiter = ',')]
    pub delivery: Vec<String>,
    #[command(flatten)]
    pub page: Paging,
}

#[derive(Args)]
pub struct Paging {
    /// Rows per page (1 to 100).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: u32,
    /// Follow the cursors to the end.
    #[arg(long, conflicts_with = "cursor")]
    pub all: bool,
    /// Start at this page (a `next_cursor` printed before).
    #[arg(long)]
    pub cursor: Option<String>,
}

#[derive(Args)]
pub struct AcceptArgs {
    /// The link from the invitation email.
    #[arg(required_unless_present = "invitation", conflicts_with_all = ["invitation", "invitation_token"])]
    pub link: Option<url::Url>,
    /// The invitation id (with --invitation-token and --account, instead of the link).
    #[arg(long, requires = "invitation_token")]
    pub invitation: Option<String>,
    /// The token from the link (with --invitation).
    #[arg(long, requires = "invitation")]
    pub invitation_token: Option<String>,
}

#[derive(Subcommand)]
pub enum SettingsCommand {
    /// Print the settings (`none`: the default).
    Get,
    /// Change the fields given, over the version just read; the others stay.
    Set(SettingsSet),
}

#[derive(Args)]
pub struct SettingsSet {
    /// Members plus open invitations at most, or `none` for no limit.
    #[arg(long, value_name = "N|none")]
    pub seat_limit: Option<String>,
    /// Comma-separated domains whose addresses may be invited, or `none` for any domain.
    #[arg(long, value_name = "DOMAINS|none")]
    pub allowed_domains: Option<String>,
    /// Days new invitations live (1 to 365), or `none` for the deployment's default.
    #[arg(long, value_name = "DAYS|none")]
    pub ttl_days: Option<String>,
}

#[derive(Args)]
pub struct UpdateArgs {
    /// The invitation's id, or the address of its open invitation.
    pub target: String,
    #[command(flatten)]
    pub access: AccessFlags,
}
