//! An SES event as EventBridge delivers it (`source` `aws.ses`, `detail` the event-publishing record)
//! read into a report. Only what the service needs is read, and only from SES's own vocabularies:
//! the tags it wrote, the event type, the bounce, complaint, delay and reject kinds and the times.
//! Recipients' addresses, diagnostic codes, reporting servers and rendering errors are never read, so
//! no text a mail server or a sender wrote can reach an item, a log or an event.
use crate::domain::delivery::tag;
use crate::domain::{Delivery, DeliveryStatus, SendRef, Timestamp};
use serde::Deserialize;
use std::collections::HashMap;

/// The tag SES adds to every email that names a configuration set.
const CONFIGURATION_SET_TAG: &str = "ses:configuration-set";

#[derive(Deserialize)]
struct Envelope {
    source: String,
    time: Option<Timestamp>,
    detail: Record,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    event_type: String,
    mail: Mail,
    bounce: Option<Bounce>,
    complaint: Option<Complaint>,
    delivery: Option<Stamped>,
    delivery_delay: Option<Delay>,
    reject: Option<Reject>,
}

#[derive(Deserialize)]
struct Mail {
    timestamp: Option<Timestamp>,
    #[serde(default)]
    tags: HashMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bounce {
    bounce_type: String,
    bounce_sub_type: Option<String>,
    timestamp: Option<Timestamp>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Complaint {
    complaint_feedback_type: Option<String>,
    timestamp: Option<Timestamp>,
}

#[derive(Deserialize)]
struct Stamped {
    timestamp: Option<Timestamp>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Delay {
    delay_type: Option<String>,
    timestamp: Option<Timestamp>,
}

#[derive(Deserialize)]
struct Reject {
    reason: Option<String>,
}

/// A report for one send of one invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub about: SendRef,
    pub delivery: Delivery,
}

/// Why an event is dropped. None of them is worth a retry: the same body would fail the same way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Dropped {
    /// Not JSON of an SES event; only where reading stopped is kept, never the text around it.
    #[error("not an SES event (line {line}, column {column})")]
    Unreadable { line: usize, column: usize },
    #[error("an event from {0}, not from SES")]
    NotSes(&'static str),
    #[error("an event of another configuration set")]
    ForeignSet,
    #[error("an email without this service's tags")]
    Untagged,
    #[error("an SES event without the part or time its type has")]
    Incomplete,
    /// Opens, clicks and subscriptions say nothing of delivery.
    #[error("an event type this service does not record")]
    Ignored,
}

/// Reads `body` as an SES event of `configuration_set`'s emails.
pub fn parse(body: &[u8], configuration_set: &str) -> Result<Reported, Dropped> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| Dropped::Unreadable { line: e.line(), column: e.column() })?;
    if envelope.source != "aws.ses" {
        return Err(Dropped::NotSes("another source"));
    }
    let record = envelope.detail;
    let tags = &record.mail.tags;
    let one = |name: &str| tags.get(name).and_then(|v| v.first()).map(String::as_str);
    if one(CONFIGURATION_SET_TAG) != Some(configuration_set) {
        return Err(Dropped::ForeignSet);
    }
    let about = match (one(tag::ACCOUNT), one(tag::INVITATION), one(tag::SEND)) {
        (Some(a), Some(i), Some(s)) => SendRef::from_tags(a, i, s).ok_or(Dropped::Untagged)?,
        _ => return Err(Dropped::Untagged),
    };
    let fallback = envelope.time.or(record.mail.timestamp);
    let (status, detail, undeliverable, at) = match record.event_type.as_str() {
        "Send" => (DeliveryStatus::Sent, None, false, record.mail.timestamp.or(envelope.time)),
        "Delivery" => (DeliveryStatus::Delivered, None, false, record.delivery.and_then(|d| d.timestamp)),
        "DeliveryDelay" => {
            let delay = record.delivery_delay;
            let kind = delay.as_ref().and_then(|d| words(d.delay_type.as_deref(), DELAY_TYPES));
            let at = delay.and_then(|d| d.timestamp);
            (DeliveryStatus::Delayed, kind, false, at)
        }
        "Bounce" => {
            let bounce = record.bounce.ok_or(Dropped::Incomplete)?;
            bounced(&bounce)
        }
        "Complaint" => {
            let complaint = record.complaint;
            let kind = complaint.as_ref().and_then(|c| words(c.complaint_feedback_type.as_deref(), FEEDBACK_TYPES));
            let detail = Some(kind.map_or("complaint".to_owned(), |k| format!("complaint: {k}")));
            (DeliveryStatus::Complained, detail, true, complaint.and_then(|c| c.timestamp))
        }
        "Reject" => {
            let reason = record.reject.and_then(|r| words(r.reason.as_deref(), REJECT_REASONS));
            (DeliveryStatus::Rejected, reason.or(Some("rejected".into())), false, None)
        }
        "Rendering Failure" | "RenderingFailure" => {
            (DeliveryStatus::Rejected, Some("rendering failure".into()), false, None)
        }
        _ => return Err(Dropped::Ignored),
    };
    let at = at.or(fallback).ok_or(Dropped::Incomplete)?;
    let delivery = Delivery { status, at, detail, send: about.send, undeliverable };
    Ok(Reported { about, delivery })
}

fn bounced(b: &Bounce) -> (DeliveryStatus, Option<String>, bool, Option<Timestamp>) {
    let permanent = b.bounce_type == "Permanent";
    let sub = b.bounce_sub_type.as_deref();
    let suppressed = permanent && matches!(sub, Some("Suppressed" | "OnAccountSuppressionList"));
    let kind = words(Some(&b.bounce_type), BOUNCE_TYPES).unwrap_or_else(|| "undetermined".into());
    let detail = match words(sub, BOUNCE_SUB_TYPES) {
        Some(sub) => format!("{kind}: {sub}"),
        None => kind,
    };
    let status = if suppressed { DeliveryStatus::Suppressed } else { DeliveryStatus::Bounced };
    (status, Some(detail), permanent, b.timestamp)
}

const BOUNCE_TYPES: &[&str] = &["Undetermined", "Permanent", "Transient"];
const BOUNCE_SUB_TYPES: &[&str] = &[
    "Undetermined",
    "General",
    "NoEmail",
    "Suppressed",
    "OnAccountSuppressionList",
    "MailboxFull",
    "MessageTooLarge",
    "ContentRejected",
    "AttachmentRejected",
];
const FEEDBACK_TYPES: &[&str] = &["abuse", "auth-failure", "fraud", "not-spam", "other", "virus"];
const DELAY_TYPES: &[&str] = &[
    "InternalFailure",
    "General",
    "MailboxFull",
    "SpamDetected",
    "RecipientServerError",
    "IPFailure",
    "TransientCommunicationFailure",
    "BYOIPHostNameLookupUnavailable",
    "Undetermined",
    "SendingDeferral",
];
const REJECT_REASONS: &[&str] = &["Bad content"];

/// `value` in a few lower-case words (`MailboxFull` → `mailbox full`), when it is one of `known`;
/// anything else is nothing, so a value SES never documented cannot carry text through.
fn words(value: Option<&str>, known: &[&str]) -> Option<String> {
    let value = known.iter().find(|k| Some(**k) == value)?;
    let mut out = String::new();
    let mut prev_lower = false;
    for c in value.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_ascii_lowercase();
        out.push(if c == '-' { ' ' } else { c.to_ascii_lowercase() });
    }
    Some(out)
}

#[cfg(test)]
mod tests;
