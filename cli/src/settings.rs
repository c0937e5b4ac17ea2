//! `invitations settings get|set`: the account's settings, the owner's; `invitations seats`: how many of
//! its seats are taken. `set` changes only the fields
//! given: it reads the settings, changes them, and writes them over the version it read (`If-Match`), so
//! an edit made meanwhile by someone else is never overwritten; run it again to apply over theirs.
use crate::args::{Format, SettingsCommand, SettingsSet};
use crate::client::Api;
use crate::output::{self, Column};
use crate::Failure;
use reqwest::Method;
use serde_json::{json, Value};
use std::process::ExitCode;

pub const SETTINGS: &[Column] = &[
    ("SEAT LIMIT", "seat_limit"),
    ("ALLOWED DOMAINS", "allowed_domains"),
    ("TTL DAYS", "invitation_ttl_days"),
    ("VERSION", "version"),
    ("UPDATED", "updated_at"),
];

/// The settings as a row: a list of domains as one comma-separated cell.
fn row(body: &Value) -> Value {
    let mut row = body.clone();
    if let Some(domains) = body["allowed_domains"].as_array() {
        let names: Vec<&str> = domains.iter().filter_map(Value::as_str).collect();
        row["allowed_domains"] = json!(names.join(","));
    }
    row
}

fn print(format: Format, body: &Value) -> Result<ExitCode, Failure> {
    let shown = if format == Format::Json { body.clone() } else { row(body) };
    output::print_one(format, SETTINGS, &shown)
        .map(|_| ExitCode::SUCCESS)
        .map_err(|e| Failure::Error(format!("cannot write the output: {e}")))
}

pub async fn run(api: &Api, command: &SettingsCommand, format: Format) -> Result<ExitCode, Failure> {
    let account = api.account()?;
    let read = api.call(Method::GET, account, &["settings"], &[], None, None).await?;
    if !read.status.is_success() {
        return Err(read.failure());
    }
    let set = match command {
        SettingsCommand::Get => return print(format, &read.body),
        SettingsCommand::Set(set) => set,
    };
    let body = changed(&read.body, set)?;
    let tag = read.etag.clone().ok_or_else(|| Failure::Error("the settings came without an ETag".into()))?;
    let headers = [("If-Match", tag.as_str())];
    let written = api.request(Method::PUT, account, &["settings"], &[], Some(&body), &headers, false).await?;
    if written.code() == "settings_changed" {
        return Err(Failure::Error(
            "the settings changed while this command ran (someone else wrote them): nothing was written; run it \
             again to apply it over theirs"
                .into(),
        ));
    }
    if !written.status.is_success() {
        return Err(written.failure());
    }
    print(format, &written.body)
}

pub const SEATS: &[Column] = &[("LIMIT", "limit"), ("ACTIVE", "active"), ("PENDING", "pending")];

/// The account's seats; anyone who may invite may read them.
pub async fn seats(api: &Api, format: Format) -> Result<ExitCode, Failure> {
    let read = api.call(Method::GET, api.account()?, &["seats"], &[], None, None).await?;
    if !read.status.is_success() {
        return Err(read.failure());
    }
    output::print_one(format, SEATS, &read.body)
        .map(|_| ExitCode::SUCCESS)
        .map_err(|e| Failure::Error(format!("cannot write the output: {e}")))
}

/// The settings read, with the fields `set` names changed; `none` sets a field back to its default.
fn changed(current: &Value, set: &SettingsSet) -> Result<Value, Failure> {
    let field = |name: &str| current[name].clone();
    let mut body = json!({
        "seat_limit": field("seat_limit"),
        "allowed_domains": field("allowed_domains"),
        "invitation_ttl_days": field("invitation_ttl_days"),
    });
    if set.seat_limit.is_none() && set.allowed_domains.is_none() && set.ttl_days.is_none() {
        return Err(Failure::Usage("nothing to set: give --seat-limit, --allowed-domains or --ttl-days".into()));
    }
    if let Some(limit) = &set.seat_limit {
        body["seat_limit"] = number_or_none(limit, "--seat-limit")?;
    }
    if let Some(days) = &set.ttl_days {
        body["invitation_ttl_days"] = number_or_none(days, "--ttl-days")?;
    }
    if let Some(domains) = &set.allowed_domains {
        body["allowed_domains"] = if domains.trim().eq_ignore_ascii_case("none") {
            Value::Null
        } else {
            json!(domains.split(',').map(str::trim).filter(|d| !d.is_empty()).collect::<Vec<_>>())
        };
    }
    Ok(body)
}

fn number_or_none(raw: &str, flag: &str) -> Result<Value, Failure> {
    if raw.trim().eq_ignore_ascii_case("none") {
        return Ok(Value::Null);
    }
    raw.trim()
        .parse::<u32>()
        .map(|n| json!(n))
        .map_err(|_| Failure::Usage(format!("{flag} takes a whole number, or `none` for the default")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(seat: Option<&str>, domains: Option<&str>, ttl: Option<&str>) -> SettingsSet {
        SettingsSet {
            seat_limit: seat.map(str::to_owned),
            allowed_domains: domains.map(str::to_owned),
            ttl_days: ttl.map(str::to_owned),
        }
    }

    #[test]
    fn only_the_fields_given_change() {
        let current = json!({"seat_limit": 5, "allowed_domains": ["a.io"], "invitation_ttl_days": null, "version": 2});
        let body = changed(&current, &set(Some("none"), None, Some("14"))).unwrap();
        assert_eq!(body, json!({"seat_limit": null, "allowed_domains": ["a.io"], "invitation_ttl_days": 14}));
        let body = changed(&current, &set(None, Some("a.io, B.io"), None)).unwrap();
        assert_eq!(body["allowed_domains"], json!(["a.io", "B.io"]), "the API checks and lower-cases them");
        assert_eq!(changed(&current, &set(None, Some("none"), None)).unwrap()["allowed_domains"], Value::Null);
        assert!(matches!(changed(&current, &set(None, None, None)), Err(Failure::Usage(_))));
        assert!(matches!(changed(&current, &set(Some("-1"), None, None)), Err(Failure::Usage(_))));
    }
}
