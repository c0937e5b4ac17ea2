//! Rows as an aligned table for people, or JSON and CSV for scripts.
use crate::args::Format;
use serde_json::Value;
use std::io::Write;

/// A column: its heading and where its value is in a row object.
pub type Column = (&'static str, &'static str);

pub const INVITATIONS: &[Column] = &[
    ("ID", "id"),
    ("EMAIL", "email"),
    ("STATUS", "status"),
    ("SENT", "send_count"),
    ("LAST SENT", "last_sent_at"),
    ("EXPIRES", "expires_at"),
];

pub const USERS: &[Column] = &[
    ("USER ID", "user_id"),
    ("EMAIL", "email"),
    ("STATUS", "status"),
    ("INVITATION", "invitation_id"),
    ("INVITED", "invited_at"),
    ("JOINED", "joined_at"),
];

pub const SENDING: &[Column] = &[
    ("PAUSED", "paused"),
    ("CAUSE", "cause"),
    ("RATE", "rate"),
    ("LIMIT", "limit"),
    ("SINCE", "since"),
    ("EMAILS (24H)", "emails"),
    ("BOUNCED", "bounce_rate"),
    ("COMPLAINED", "complaint_rate"),
];

/// A pause lifted: what had tripped it.
pub const PAUSE: &[Column] = &[("CAUSE", "cause"), ("RATE", "rate"), ("LIMIT", "limit"), ("PAUSED SINCE", "since")];

pub const RESULTS: &[Column] =
    &[("INVITEE", "invitee"), ("OUTCOME", "outcome"), ("ID", "id"), ("STATUS", "status"), ("ERROR", "error")];

fn cell(row: &Value, key: &str) -> String {
    match &row[key] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Prints `rows` (JSON objects) in `format`; JSON prints them as one array.
pub fn print(format: Format, columns: &[Column], rows: &[Value]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(rows).expect("values serialize")),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(columns.iter().map(|(_, key)| *key))?;
            for row in rows {
                w.write_record(columns.iter().map(|(_, key)| cell(row, key)))?;
            }
            w.flush()
        }
        Format::Table => {
            let cells: Vec<Vec<String>> =
                rows.iter().map(|r| columns.iter().map(|(_, key)| cell(r, key)).collect()).collect();
            let widths: Vec<usize> = columns
                .iter()
                .enumerate()
                .map(|(i, (head, _))| cells.iter().map(|r| r[i].chars().count()).chain([head.len()]).max().unwrap_or(0))
                .collect();
            let line = |values: Vec<&str>| {
                let padded: Vec<String> = values.iter().zip(&widths).map(|(v, w)| format!("{v:<w$}", w = *w)).collect();
                padded.join("  ").trim_end().to_owned()
            };
            writeln!(out, "{}", line(columns.iter().map(|(head, _)| *head).collect()))?;
            for row in &cells {
                writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
            }
            Ok(())
        }
    }
}

/// One object (an invitation or a member) as a one-row table, or as itself in JSON.
pub fn print_one(format: Format, columns: &[Column], row: &Value) -> std::io::Result<()> {
    match format {
        Format::Json => writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(row).expect("values serialize")),
        _ => print(format, columns, std::slice::from_ref(row)),
    }
}

/// A sentence for people, where there is no row to show.
pub fn line(text: &str) -> std::io::Result<()> {
    writeln!(std::io::stdout(), "{text}")
}
