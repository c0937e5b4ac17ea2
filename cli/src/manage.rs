//! Every subcommand but invite: lists that can follow their cursors, and the actions on one invitation
//! or member, named by id or by address.
use crate::args::{AcceptArgs, AccountCommand, Format, ListArgs, Paging, UpdateArgs, UsersArgs};
use crate::client::Api;
use crate::output::{self, Column, INVITATIONS, PAUSE, SENDING, USERS};
use crate::Failure;
use reqwest::Method;
use serde_json::{json, Value};
use std::io::Write;
use std::process::ExitCode;

fn printed(result: std::io::Result<()>) -> Result<ExitCode, Failure> {
    result.map(|_| ExitCode::SUCCESS).map_err(|e| Failure::Error(format!("cannot write the output: {e}")))
}

/// Pages of `segment` from `paging`'s cursor: one page, or every page with `--all`. A cursor left over
/// is printed on standard error.
async fn pages(
    api: &Api,
    segment: &str,
    field: &str,
    mut query: Vec<(&str, String)>,
    paging: &Paging,
) -> Result<Vec<Value>, Failure> {
    query.push(("limit", paging.limit.to_string()));
    let mut cursor = paging.cursor.clone();
    let mut rows = Vec::new();
    loop {
        let mut q = query.clone();
        if let Some(c) = cursor.take() {
            q.push(("cursor", c));
        }
        let mut page = api.ok(Method::GET, &[segment], &q, None).await?;
        if let Some(items) = page[field].as_array_mut() {
            rows.append(items);
        }
        match page["next_cursor"].as_str() {
            Some(next) if paging.all => cursor = Some(next.to_owned()),
            Some(next) => {
                eprintln!("more: --cursor {next}");
                return Ok(rows);
            }
            None => return Ok(rows),
        }
    }
}

pub async fn list(api: &Api, args: &ListArgs, format: Format) -> Result<ExitCode, Failure> {
    let mut query = Vec::new();
    if !args.status.is_empty() {
        query.push(("status", args.status.join(",")));
    }
    if let Some(email) = &args.email {
        query.push(("email", email.clone()));
    }
    let rows = pages(api, "invitations", "invitations", query, &args.page).await?;
    printed(output::print(format, INVITATIONS, &rows))
}

pub async fn users(api: &Api, args: &UsersArgs, format: Format) -> Result<ExitCode, Failure> {
    let mut query = Vec::new();
    if !args.status.is_empty() {
        query.push(("status", args.status.join(",")));
    }
    if !args.delivery.is_empty() {
        query.push(("delivery", args.delivery.join(",")));
    }
    let rows = pages(api, "users", "users", query, &args.page).await?;
    printed(output::print(format, USERS, &rows))
}

/// An invitation id as given, or the id of the open invitation to an address (there is at most one).
async fn open_invitation(api: &Api, target: &str) -> Result<String, Failure> {
    if !target.contains('@') {
        return Ok(target.to_owned());
    }
    let query = [("email", target.to_owned()), ("status", "processing,pending".to_owned())];
    let page = api.ok(Method::GET, &["invitations"], &query, None).await?;
    page["invitations"][0]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Failure::Error(format!("no open invitation to {target}")))
}

async fn act(
    api: &Api,
    method: Method,
    segments: &[&str],
    columns: &[Column],
    format: Format,
) -> Result<ExitCode, Failure> {
    let body = api.ok(method, segments, &[], None).await?;
    printed(output::print_one(format, columns, &body))
}

pub async fn cancel(api: &Api, target: &str, format: Format) -> Result<ExitCode, Failure> {
    let id = open_invitation(api, target).await?;
    act(api, Method::DELETE, &["invitations", &id], INVITATIONS, format).await
}

pub async fn resend(api: &Api, target: &str, format: Format) -> Result<ExitCode, Failure> {
    let id = open_invitation(api, target).await?;
    act(api, Method::POST, &["invitations", &id, "resend"], INVITATIONS, format).await
}

/// New access for an open invitation, in the invite's flags.
pub async fn update(api: &Api, args: &UpdateArgs, format: Format) -> Result<ExitCode, Failure> {
    let access = crate::access::from_args(&args.access)?;
    let id = open_invitation(api, &args.target).await?;
    let body = api.ok(Method::PATCH, &["invitations", &id], &[], Some(&json!({ "access": access }))).await?;
    printed(output::print_one(format, INVITATIONS, &body))
}

/// A new accept link: the URL alone on standard output (the answer whole with `--output json`), for
/// the inviter to hand over; it is printed once and kept nowhere.
pub async fn link(api: &Api, target: &str, format: Format) -> Result<ExitCode, Failure> {
    let id = open_invitation(api, target).await?;
    let body = api.ok(Method::POST, &["invitations", &id, "link"], &[], None).await?;
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&body).expect("values serialize"),
        _ => body["accept_url"].as_str().unwrap_or_default().to_owned(),
    };
    printed(writeln!(std::io::stdout(), "{text}"))
}

/// A user id as given, or the member holding an address (members invited by user id show their address
/// masked, so only their user id finds them).
pub async fn remove_user(api: &Api, target: &str, format: Format) -> Result<ExitCode, Failure> {
    let user = if target.contains('@') {
        let paging = Paging { limit: 100, all: true, cursor: None };
        let members = pages(api, "users", "users", vec![("status", "active".into())], &paging).await?;
        let found = members.iter().find(|m| m["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(target)));
        found
            .and_then(|m| m["user_id"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| Failure::Error(format!("no member with the address {target}")))?
    } else {
        target.to_owned()
    };
    act(api, Method::DELETE, &["users", &user], USERS, format).await
}

/// The link's account, invitation and token, or the same from the flags.
fn accept_parts(api: &Api, args: &AcceptArgs) -> Result<(String, String, String), Failure> {
    let Some(link) = &args.link else {
        let id = args.invitation.clone().expect("clap requires --invitation without a link");
        let token = args.invitation_token.clone().expect("clap requires --invitation-token with --invitation");
        return Ok((api.account()?.to_owned(), id, token));
    };
    let param = |name: &str| link.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    match (param("account"), param("invitation"), param("token")) {
        (Some(account), Some(id), Some(token)) => Ok((account, id, token)),
        _ => Err(Failure::Usage("the link needs its account, invitation and token parameters".into())),
    }
}

pub async fn accept(api: &Api, args: &AcceptArgs, format: Format) -> Result<ExitCode, Failure> {
    let (account, id, token) = accept_parts(api, args)?;
    let body = json!({"token": token});
    let answer = api.call(Method::POST, &account, &["invitations", &id, "accept"], &[], Some(&body), None).await?;
    if !answer.status.is_success() {
        return Err(answer.failure());
    }
    printed(match format {
        Format::Json => output::print_one(format, USERS, &answer.body),
        _ => output::print_one(format, USERS, &answer.body["member"]),
    })
}

/// `account status` shows the pause and the record on one row; `account resume` the pause it lifted.
pub async fn account(api: &Api, action: &AccountCommand, format: Format) -> Result<ExitCode, Failure> {
    match action {
        AccountCommand::Status => {
            let body = api.ok(Method::GET, &["sending"], &[], None).await?;
            let mut row = body["recent"].clone();
            row["paused"] = body["paused"].clone();
            for key in ["cause", "rate", "limit", "since"] {
                row[key] = body["pause"][key].clone();
            }
            printed(match format {
                Format::Json => output::print_one(format, SENDING, &body),
                _ => output::print_one(format, SENDING, &row),
            })
        }
        AccountCommand::Resume => {
            let body = api.ok(Method::POST, &["sending", "resume"], &[], None).await?;
            if body["lifted"].is_null() && format == Format::Table {
                return printed(output::line("sending was not paused; nothing changed"));
            }
            printed(match format {
                Format::Json => output::print_one(format, PAUSE, &body),
                _ => output::print_one(format, PAUSE, &body["lifted"]),
            })
        }
    }
}
