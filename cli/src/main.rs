//! `invitations`: the invitation service's command line. It calls the HTTP API and nothing else.
mod access;
mod args;
mod client;
mod input;
mod invite;
mod manage;
mod output;
mod settings;

use args::{Cli, Command};
use clap::{CommandFactory, Parser};
use std::process::ExitCode;

/// Why a command did not do what was asked: bad usage (exit status 2) or an error (1).
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Error(String),
}

impl Failure {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Usage(_) => ExitCode::from(2),
            Failure::Error(_) => ExitCode::from(1),
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            eprintln!("{}", one_line(&e.to_string()));
            return ExitCode::from(2);
        }
        // --help and --version.
        Err(e) => e.exit(),
    };
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "invitations", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    match run(cli).await {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("error: {failure}");
            failure.exit_code()
        }
    }
}

/// A clap error on one line: its message without the usage and the pointer to --help.
fn one_line(rendered: &str) -> String {
    let kept: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    kept.join(" ")
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let format = cli.conn.output;
    let api = client::Api::new(cli.conn.api_url, cli.conn.token, cli.conn.account)?;
    match &cli.command {
        Command::Invite(args) => invite::run(&api, args, format).await,
        Command::List(args) => manage::list(&api, args, format).await,
        Command::Users(args) => manage::users(&api, args, format).await,
        Command::Cancel { target } => manage::cancel(&api, target, format).await,
        Command::Resend { target } => manage::resend(&api, target, format).await,
        Command::Update(args) => manage::update(&api, args, format).await,
        Command::Link { target } => manage::link(&api, target, format).await,
        Command::RemoveUser { target } => manage::remove_user(&api, target, format).await,
        Command::Accept(args) => manage::accept(&api, args, format).await,
        Command::Account(action) => manage::account(&api, action, format).await,
        Command::Settings { command } => settings::run(&api, command, format).await,
        Command::Seats => settings::seats(&api, format).await,
        Command::Completions { .. } => unreachable!("answered before any connection"),
    }
}
