//! An account's policy as its owner sets it: how many seats it has, which address domains may be
//! invited, how long its invitations live. Parsed whole from a request body; a field left out or `null`
//! is its default (no limit, any domain, the deployment's `INVITATION_TTL`).
use super::limits::{MAX_ALLOWED_DOMAINS, MAX_SEAT_LIMIT, MAX_TTL_DAYS};
use super::{AccountId, Email, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// A DNS name, lower-cased: what follows the `@` of an address, as [`Email`] checks it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Domain(String);

impl Domain {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.is_empty() || raw.len() > 253 {
            return Err("must be 1 to 253 characters");
        }
        let labels: Vec<&str> = raw.split('.').collect();
        if labels.len() < 2 {
            return Err("needs at least one dot");
        }
        let label_ok = |l: &&str| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if !labels.iter().all(label_ok) {
            return Err("is not a valid host name");
        }
        Ok(Self(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain of `email` (which [`Email`] has checked and lower-cased already).
    pub fn of(email: &Email) -> &str {
        email.as_str().rsplit_once('@').map_or("", |(_, d)| d)
    }
}

impl TryFrom<String> for Domain {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Domain::parse(&s).map_err(|e| format!("domain {s:?} {e}"))
    }
}

impl From<Domain> for String {
    fn from(d: Domain) -> String {
        d.0
    }
}

impl fmt::Debug for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Domain({})", self.0)
    }
}

/// What the owner sets. Its serde form is the API's body and the in-memory store's file format.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Members plus open invitations at most; `None`: no limit.
    pub seat_limit: Option<u32>,
    /// Only addresses at one of these domains (exactly, not their subdomains); `None`: any domain.
    pub allowed_domains: Option<Vec<Domain>>,
    /// How long new invitations live; `None`: the deployment's `INVITATION_TTL`.
    pub invitation_ttl_days: Option<u32>,
}

/// Why a settings body was refused: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {problem}")]
pub struct InvalidSettings {
    pub field: &'static str,
    pub problem: String,
}

fn invalid(field: &'static str, problem: impl Into<String>) -> InvalidSettings {
    InvalidSettings { field, problem: problem.into() }
}

/// A whole number in `1..=max`, or `None` for `null` or a missing field.
fn bounded(body: &Value, field: &'static str, max: u32) -> Result<Option<u32>, InvalidSettings> {
    match &body[field] {
        Value::Null => Ok(None),
        v => v
            .as_u64()
            .filter(|n| (1..=u64::from(max)).contains(n))
            .map(|n| Some(n as u32))
            .ok_or_else(|| invalid(field, format!("must be a whole number from 1 to {max}, or null"))),
    }
}

impl Settings {
    pub const FIELDS: [&'static str; 3] = ["seat_limit", "allowed_domains", "invitation_ttl_days"];

    /// The settings a body names: an object of [`Settings::FIELDS`] only.
    pub fn parse(body: &Value) -> Result<Self, InvalidSettings> {
        let Some(object) = body.as_object() else {
            return Err(invalid("body", "must be a JSON object"));
        };
        if let Some(unknown) = object.keys().find(|k| !Self::FIELDS.contains(&k.as_str())) {
            return Err(invalid(
                "body",
                format!("has an unknown field {unknown:?}; expected {}", Self::FIELDS.join(", ")),
            ));
        }
        let seat_limit = bounded(body, "seat_limit", MAX_SEAT_LIMIT)?;
        let invitation_ttl_days = bounded(body, "invitation_ttl_days", MAX_TTL_DAYS)?;
        let allowed_domains = match &body["allowed_domains"] {
            Value::Null => None,
            Value::Array(list) => Some(domains(list)?),
            _ => return Err(invalid("allowed_domains", "must be a list of domain names, or null")),
        };
        Ok(Settings { seat_limit, allowed_domains, invitation_ttl_days })
    }

    /// Whether an address may be invited to, or accept into, the account.
    pub fn allows(&self, email: &Email) -> bool {
        self.allowed_domains.as_ref().is_none_or(|ds| ds.iter().any(|d| d.as_str() == Domain::of(email)))
    }

    /// How long a new invitation lives: the account's days, else the deployment's `default`.
    pub fn ttl(&self, default: Duration) -> Duration {
        self.invitation_ttl_days.map_or(default, |d| Duration::from_secs(u64::from(d) * 86_400))
    }
}

fn domains(list: &[Value]) -> Result<Vec<Domain>, InvalidSettings> {
    const FIELD: &str = "allowed_domains";
    if list.is_empty() {
        return Err(invalid(FIELD, "must name at least one domain, or be null for any domain"));
    }
    if list.len() > MAX_ALLOWED_DOMAINS {
        return Err(invalid(FIELD, format!("may name at most {MAX_ALLOWED_DOMAINS} domains")));
    }
    let mut out: Vec<Domain> = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let raw = v.as_str().ok_or_else(|| invalid(FIELD, format!("[{i}] must be a string")))?;
        let domain = Domain::parse(raw).map_err(|e| invalid(FIELD, format!("[{i}] {e}")))?;
        if out.contains(&domain) {
            return Err(invalid(FIELD, format!("[{i}] names {} a second time", domain.as_str())));
        }
        out.push(domain);
    }
    Ok(out)
}

/// An account's settings as stored: `version` counts the writes (0: never set, the defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSettings {
    pub account_id: AccountId,
    pub settings: Settings,
    pub version: u64,
    pub updated_at: Option<Timestamp>,
    pub updated_by: Option<String>,
}

impl AccountSettings {
    /// An account whose owner never set anything.
    pub fn defaults(account: &AccountId) -> Self {
        AccountSettings {
            account_id: account.clone(),
            settings: Settings::default(),
            version: 0,
            updated_at: None,
            updated_by: None,
        }
    }
}

/// An account's seats: members (`active`) and open invitations (`pending`) against its `limit`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Seats {
    /// `None`: no limit.
    pub limit: Option<u32>,
    pub active: u64,
    pub pending: u64,
}

impl Seats {
    /// Whether one more invitation may take a seat. A limit lowered below the seats taken refuses new
    /// invitations and takes no seat back: members stay, and open invitations run their course.
    pub fn has_room(&self) -> bool {
        self.limit.is_none_or(|limit| self.active + self.pending < u64::from(limit))
    }
}

#[cfg(test)]
mod tests;
