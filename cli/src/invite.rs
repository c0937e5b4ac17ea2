//! Bulk invites: requests of at most 100 invitees, a few at a time, each with an Idempotency-Key derived
//! from the caller, the whole input and its place in it, so that the same command run again by the same
//! administrator sends no email twice and shows the first answers. The API binds a key to the caller
//! who first sent it (another caller's request under it is `idempotency_conflict`), so a key without the
//! caller would stop a second administrator running the same file.
use crate::args::{Format, InviteArgs};
use crate::client::Api;
use crate::output::{self, RESULTS};
use crate::Failure;
use futures::{stream, StreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::IsTerminal;
use std::process::ExitCode;

/// The most invitees the API takes in one request.
pub const CHUNK: usize = 100;

/// Every chunk's key: `cli-` and a digest of the account, the caller, the invitees in order and the
/// access, then the chunk's index. Another caller or another input (even another order) is another set
/// of keys.
pub fn keys(account: &str, caller: &str, invitees: &[String], access: &Value, chunks: usize) -> Vec<String> {
    let input = json!([account, caller, invitees, access]).to_string();
    let digest = Sha256::digest(input.as_bytes());
    let hex: String = digest.iter().take(20).map(|b| format!("{b:02x}")).collect();
    (0..chunks).map(|i| format!("cli-{hex}-{i}")).collect()
}

pub async fn run(api: &Api, args: &InviteArgs, format: Format) -> Result<ExitCode, Failure> {
    let access = crate::access::from_args(&args.access)?;
    let invitees = crate::input::invitees(&args.invitees, args.file.as_deref())?;
    let account = api.account()?;
    let chunks: Vec<&[String]> = invitees.chunks(CHUNK).collect();
    let keys = keys(account, &api.caller(), &invitees, &access, chunks.len());
    let progress = progress(invitees.len() as u64);
    let request = Request { api, account, access: &access, progress: &progress };
    // The first request alone: a refusal that would refuse them all (bad access, a bad token, a role
    // that may not grant it) stops the command before anything else is sent.
    let mut answers = request.send(chunks[0], &keys[0]).await?;
    let rest: Vec<_> = stream::iter(chunks.iter().zip(&keys).skip(1))
        .map(|(chunk, key)| async { (*chunk, request.send(chunk, key).await) })
        .buffered(args.parallel.into())
        .collect()
        .await;
    progress.finish_and_clear();
    let mut failure = None;
    for (chunk, answer) in rest {
        match answer {
            Ok(results) => answers.extend(results),
            Err(f) => {
                let error = f.to_string();
                answers.extend(chunk.iter().map(|i| json!({"invitee": i, "outcome": "failed", "error": error})));
                failure.get_or_insert(f);
            }
        }
    }
    let shown = report(answers, format)?;
    Ok(failure.map_or(shown, |f| {
        eprintln!("error: {f}");
        f.exit_code()
    }))
}

struct Request<'a> {
    api: &'a Api,
    account: &'a str,
    access: &'a Value,
    progress: &'a ProgressBar,
}

impl Request<'_> {
    /// One chunk's per-invitee results.
    async fn send(&self, chunk: &[String], key: &str) -> Result<Vec<Value>, Failure> {
        let body = json!({"invitees": chunk, "access": self.access});
        let answer = self.api.call(Method::POST, self.account, &["invitations"], &[], Some(&body), Some(key)).await?;
        self.progress.inc(chunk.len() as u64);
        if !answer.status.is_success() {
            return Err(answer.failure());
        }
        Ok(answer.body["results"].as_array().cloned().unwrap_or_default())
    }
}

fn progress(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total);
    // The estimate is of the requests; the emails past each request's second follow at the sending rate.
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} invitees, {elapsed}, about {eta} left")
        .expect("a valid template");
    bar.set_style(style);
    bar
}

/// The API's outcomes, then the command's own for an invitee whose request failed.
const OUTCOMES: [&str; 8] = [
    "invited",
    "already_invited",
    "already_member",
    "undeliverable",
    "domain_not_allowed",
    "seat_limit_reached",
    "invalid",
    "failed",
];

/// Prints one row per invitee, then on standard error the summary by outcome and every invitee not
/// invited with its reason. Some not invited: exit status 3.
fn report(results: Vec<Value>, format: Format) -> Result<ExitCode, Failure> {
    let rows: Vec<Value> = results
        .iter()
        .map(|r| {
            json!({"invitee": r["invitee"], "outcome": r["outcome"], "id": r["invitation"]["id"],
                   "status": r["invitation"]["status"], "error": r["error"]})
        })
        .collect();
    output::print(format, RESULTS, &rows).map_err(|e| Failure::Error(format!("cannot write the results: {e}")))?;
    let counts: Vec<String> = OUTCOMES
        .iter()
        .map(|o| (o, rows.iter().filter(|r| r["outcome"] == *o).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(o, n)| format!("{n} {o}"))
        .collect();
    eprintln!("{} invitees: {}", rows.len(), counts.join(", "));
    let missed: Vec<&Value> = rows.iter().filter(|r| r["outcome"] != "invited").collect();
    for r in &missed {
        let why = r["error"].as_str().or(r["outcome"].as_str()).unwrap_or("");
        eprintln!("  {}: {why}", r["invitee"].as_str().unwrap_or("?"));
    }
    Ok(if missed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_caller_the_whole_input_and_the_chunks_place() {
        let people: Vec<String> = (0..250).map(|i| format!("p{i}@x.io")).collect();
        let access = json!({"infrastructure": {"permissions": "basic_user"}});
        let a = keys("acme", "ann", &people, &access, 3);
        assert_eq!(a, keys("acme", "ann", &people, &access, 3), "the same caller and input, the same keys");
        assert_eq!(a.iter().collect::<std::collections::HashSet<_>>().len(), 3);
        assert!(a.iter().all(|k| k.len() <= 64 && k.is_ascii()), "{a:?}");
        let mut reordered = people.clone();
        reordered.swap(0, 1);
        assert_ne!(keys("acme", "ann", &reordered, &access, 3)[0], a[0]);
        assert_ne!(keys("globex", "ann", &people, &access, 3)[0], a[0]);
        assert_ne!(keys("acme", "bob", &people, &access, 3)[0], a[0], "another administrator, other keys");
        let view_only = json!({"infrastructure": {"permissions": "view_only"}});
        assert_ne!(keys("acme", "ann", &people, &view_only, 3)[0], a[0]);
    }
}
