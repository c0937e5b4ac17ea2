//! Lifecycle events: what a stored change of an invitation, a member or an account's settings means to
//! the outside world.
//! One pure mapping from the item before and after a write to the events it makes, shared by the
//! `events` function (DynamoDB's stream) and the local server (the in-memory store's changes), so both
//! publish the same events with the same ids. docs/events.md has the types and their delivery.
use crate::domain::public::{InvitationView, MemberView, SettingsView};
use crate::domain::{AccountSettings, Delivery, Invitation, Member, Status, Timestamp};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `source` of every event on the bus.
pub const SOURCE: &str = "invitations";

/// A stored item that events are made of; every other item (slots, idempotency records, the
/// directory) makes none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Invitation(Invitation),
    Member(Member),
    Settings(AccountSettings),
}

/// One write as a stream sees it: the item before (none for an insert) and after (none for a delete).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Change {
    pub old: Option<Stored>,
    pub new: Option<Stored>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    InvitationCreated,
    InvitationSent,
    InvitationAccepted,
    InvitationCancelled,
    InvitationExpired,
    InvitationFailed,
    InvitationDeliveryFailed,
    InvitationUpdated,
    MemberAdded,
    MemberRemoved,
    SettingsUpdated,
}

impl EventType {
    pub const ALL: [EventType; 11] = [
        EventType::InvitationCreated,
        EventType::InvitationSent,
        EventType::InvitationAccepted,
        EventType::InvitationCancelled,
        EventType::InvitationExpired,
        EventType::InvitationFailed,
        EventType::InvitationDeliveryFailed,
        EventType::InvitationUpdated,
        EventType::MemberAdded,
        EventType::MemberRemoved,
        EventType::SettingsUpdated,
    ];

    /// The event's `detail-type`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::InvitationCreated => "invitation.created",
            EventType::InvitationSent => "invitation.sent",
            EventType::InvitationAccepted => "invitation.accepted",
            EventType::InvitationCancelled => "invitation.cancelled",
            EventType::InvitationExpired => "invitation.expired",
            EventType::InvitationFailed => "invitation.failed",
            EventType::InvitationDeliveryFailed => "invitation.delivery_failed",
            EventType::InvitationUpdated => "invitation.updated",
            EventType::MemberAdded => "member.added",
            EventType::MemberRemoved => "member.removed",
            EventType::SettingsUpdated => "settings.updated",
        }
    }

    /// The event an invitation's arrival in `status` makes, for the statuses that close it.
    fn closing(status: Status) -> Option<Self> {
        match status {
            Status::Accepted => Some(EventType::InvitationAccepted),
            Status::Cancelled => Some(EventType::InvitationCancelled),
            Status::Expired => Some(EventType::InvitationExpired),
            Status::Failed => Some(EventType::InvitationFailed),
            Status::Processing | Status::Pending => None,
        }
    }
}

/// One event, ready for the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub event_type: EventType,
    /// Derived from the item and the transition alone, so a record delivered twice gives the same id.
    pub event_id: String,
    /// When the change happened, where the item says so (a removal does not; the bus stamps it).
    pub time: Option<Timestamp>,
    /// The invitation or member the event is about: events of one subject are published in order.
    pub subject: String,
    /// The `detail`, as JSON text: the public object, `previous_status` and `event_id`.
    pub detail: String,
}

impl Event {
    /// The event as EventBridge hands it to a rule's target (less the fields the bus adds: `id`,
    /// `account`, `region`, `resources`): what the local server writes, one line each.
    pub fn envelope(&self) -> serde_json::Value {
        let detail: serde_json::Value = serde_json::from_str(&self.detail).expect("the detail is JSON we wrote");
        serde_json::json!({
            "source": SOURCE,
            "detail-type": self.event_type.as_str(),
            "time": self.time.map(|t| t.to_rfc3339()),
            "detail": detail,
        })
    }
}

/// The events one write makes, in the order they happened.
pub fn events(change: &Change) -> Vec<Event> {
    match (&change.old, &change.new) {
        (None, Some(Stored::Invitation(new))) => invitation_events(None, new),
        (Some(Stored::Invitation(old)), Some(Stored::Invitation(new))) => invitation_events(Some(old), new),
        (None, Some(Stored::Member(new))) => vec![member_event(EventType::MemberAdded, new, None)],
        (Some(Stored::Member(old)), None) => vec![member_event(EventType::MemberRemoved, old, Some("active"))],
        (None, Some(Stored::Settings(new))) => vec![settings_event(None, new)],
        (Some(Stored::Settings(old)), Some(Stored::Settings(new))) if new.version != old.version => {
            vec![settings_event(Some(old), new)]
        }
        // A member is never rewritten, and an invitation never deleted; a key holding another kind of
        // item than before is nothing the service writes.
        _ => Vec::new(),
    }
}

/// `invitation.created` on arrival; `invitation.sent` for each email counted (`send_count` up, which only
/// the write after SES accepted an email does); the closing status's event when the status becomes one.
/// `invitation.delivery_failed` when a report makes it undeliverable (a permanent bounce, a complaint,
/// the suppression list), once per send and verdict. `invitation.updated` when an inviter changes its
/// access. Claims, hand-ons, due times, tokens, refused sends and other reports make none.
fn invitation_events(old: Option<&Invitation>, new: &Invitation) -> Vec<Event> {
    let previous = old.map(|o| o.status);
    let mut out = Vec::new();
    if old.is_none() {
        out.push(invitation_event(EventType::InvitationCreated, new, previous, new.created_at, &[]));
    }
    if new.send_count > old.map_or(0, |o| o.send_count) {
        let sent_at = new.last_sent_at.unwrap_or(new.updated_at);
        let version = [new.send_count.to_string(), sent_at.millis().to_string()];
        out.push(invitation_event(EventType::InvitationSent, new, previous, sent_at, &version));
    }
    if previous != Some(new.status) {
        if let Some(closing) = EventType::closing(new.status) {
            out.push(invitation_event(closing, new, previous, new.updated_at, &[]));
        }
    }
    // An inviter's new access; named by the time of the write, so each update is one event.
    if old.is_some_and(|o| o.access != new.access) {
        let version = [new.updated_at.millis().to_string()];
        out.push(invitation_event(EventType::InvitationUpdated, new, previous, new.updated_at, &version));
    }
    if let Some(failed) = new.delivery.as_ref().filter(|d| d.undeliverable) {
        let verdict = |d: &Delivery| (d.send, d.status, d.undeliverable);
        if old.and_then(|o| o.delivery.as_ref()).map(verdict) != Some(verdict(failed)) {
            let version = [failed.send.to_string(), failed.status.as_str().to_owned()];
            out.push(invitation_event(EventType::InvitationDeliveryFailed, new, previous, failed.at, &version));
        }
    }
    out
}

#[derive(Serialize)]
struct Detail<'a, T: Serialize> {
    #[serde(flatten)]
    object: T,
    previous_status: Option<&'a str>,
    event_id: &'a str,
}

fn invitation_event(
    event_type: EventType,
    inv: &Invitation,
    previous: Option<Status>,
    at: Timestamp,
    version: &[String],
) -> Event {
    let id = inv.id.to_string();
    let mut parts = vec![event_type.as_str(), inv.account_id.as_str(), &id];
    parts.extend(version.iter().map(String::as_str));
    let event_id = event_id(&parts);
    let detail = Detail {
        object: InvitationView::from(inv),
        previous_status: previous.map(Status::as_str),
        event_id: &event_id,
    };
    Event {
        event_type,
        detail: serde_json::to_string(&detail).expect("a view serializes"),
        event_id,
        time: Some(at),
        subject: format!("invitation/{}/{id}", inv.account_id),
    }
}

fn member_event(event_type: EventType, m: &Member, previous: Option<&str>) -> Event {
    let (invitation, joined) = (m.invitation_id.to_string(), m.joined_at.millis().to_string());
    let event_id = event_id(&[event_type.as_str(), m.account_id.as_str(), m.user_id.as_str(), &invitation, &joined]);
    let detail = Detail { object: MemberView::from(m), previous_status: previous, event_id: &event_id };
    Event {
        event_type,
        detail: serde_json::to_string(&detail).expect("a view serializes"),
        event_id,
        time: (event_type == EventType::MemberAdded).then_some(m.joined_at),
        subject: format!("member/{}/{}", m.account_id, m.user_id),
    }
}

/// `settings.updated`: each write of an account's settings is a new version, so the version names it.
fn settings_event(old: Option<&AccountSettings>, new: &AccountSettings) -> Event {
    #[derive(Serialize)]
    struct SettingsDetail<'a> {
        #[serde(flatten)]
        object: SettingsView<'a>,
        previous_version: u64,
        event_id: &'a str,
    }
    let version = new.version.to_string();
    let event_id = event_id(&[EventType::SettingsUpdated.as_str(), new.account_id.as_str(), &version]);
    let detail = SettingsDetail {
        object: SettingsView::from(new),
        previous_version: old.map_or(0, |o| o.version),
        event_id: &event_id,
    };
    Event {
        event_type: EventType::SettingsUpdated,
        detail: serde_json::to_string(&detail).expect("a view serializes"),
        event_id,
        time: new.updated_at,
        subject: format!("settings/{}", new.account_id),
    }
}

/// 32 hex digits of the SHA-256 of the parts, one per line (no part holds a line break).
fn event_id(parts: &[&str]) -> String {
    let digest = Sha256::digest(parts.join("\n").as_bytes());
    hex::encode(&digest[..16])
}

#[cfg(test)]
mod tests;
