//! Answers as clients see them: no token, token hash, due time or storage key ever appears. An
//! invitation and a member are shown as `domain::public` has them, which the lifecycle events share.
use crate::domain::public::shown;
pub use crate::domain::public::{DeliveryView, InvitationView, MemberView};
use crate::domain::{Access, Pause, Rate};
use crate::ports::store::UserRow;
use crate::rules::reputation::WINDOW_HOURS;
use crate::service::invite::{InviteResult, Outcome};
use crate::service::reputation::Sending;
use serde::Serialize;

/// A row of the Users list. An invitation sent by user id shows its address masked: an inviter never
/// learns the address behind a user id.
#[derive(Serialize)]
pub struct UserRowView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
    email: String,
    status: &'static str,
    access: &'a Access,
    invitation_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    invited_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    joined_at: Option<String>,
    /// An open invitation's latest SES report.
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery: Option<DeliveryView<'a>>,
}

impl<'a> From<&'a UserRow> for UserRowView<'a> {
    fn from(row: &'a UserRow) -> Self {
        let status = row.status().map_or("closed", |s| s.as_str());
        match row {
            UserRow::Member(m) => UserRowView {
                user_id: Some(m.user_id.as_str()),
                email: shown(&m.email, m.by_user_id),
                status,
                access: &m.access,
                invitation_id: m.invitation_id.to_string(),
                invited_at: None,
                joined_at: Some(m.joined_at.to_rfc3339()),
                delivery: None,
            },
            UserRow::Invited(i) => UserRowView {
                user_id: i.user_id.as_ref().map(|u| u.as_str()),
                email: shown(&i.email, i.user_id.is_some()),
                status,
                access: &i.access,
                invitation_id: i.id.to_string(),
                invited_at: Some(i.created_at.to_rfc3339()),
                joined_at: None,
                delivery: i.delivery.as_ref().map(DeliveryView::from),
            },
        }
    }
}

/// One invitee's line of an invite answer.
#[derive(Serialize)]
pub struct ResultView<'a> {
    invitee: &'a str,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    invitation: Option<InvitationView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

impl<'a> From<&'a InviteResult> for ResultView<'a> {
    fn from(r: &'a InviteResult) -> Self {
        let (outcome, invitation, error) = match &r.outcome {
            Outcome::Invited(i) => ("invited", Some(i), None),
            // For an invitee named by user id, the invitation found is not shown: its id could be matched
            // against an invitation listed with its address.
            Outcome::AlreadyInvited(_) if r.by_user_id => {
                ("already_invited", None, Some("an open invitation exists for this user"))
            }
            Outcome::AlreadyInvited(i) => {
                ("already_invited", Some(i), Some("an open invitation exists for this address"))
            }
            Outcome::AlreadyMember(_) if r.by_user_id => {
                ("already_member", None, Some("this user already joined the account"))
            }
            Outcome::AlreadyMember(i) => {
                ("already_member", i.as_ref(), Some("this invitee already joined the account"))
            }
            Outcome::Undeliverable(_) if r.by_user_id => {
                ("undeliverable", None, Some("this user's address takes no email; set \"force\": true to invite anyway"))
            }
            Outcome::Undeliverable(i) => (
                "undeliverable",
                Some(i),
                Some("this address's latest invitation bounced or was complained about; set \"force\": true to invite anyway"),
            ),
            Outcome::DomainNotAllowed if r.by_user_id => {
                ("domain_not_allowed", None, Some("this user's address is at a domain the account does not allow"))
            }
            Outcome::DomainNotAllowed => {
                ("domain_not_allowed", None, Some("this address's domain is not one the account allows"))
            }
            Outcome::SeatLimitReached => (
                "seat_limit_reached",
                None,
                Some("the account's members and open invitations fill its seat limit; free a seat or raise the limit"),
            ),
            Outcome::Invalid(msg) => ("invalid", None, Some(msg.as_str())),
        };
        // An invitee named by user id gets only a new invitation back, which was sent by user id and so
        // shows its address masked.
        ResultView { invitee: &r.invitee, outcome, invitation: invitation.map(InvitationView::from), error }
    }
}

/// An account's sending: its pause, if any, its record of the last day, and the limits it is held to.
#[derive(Serialize)]
pub struct SendingView {
    paused: bool,
    pause: Option<PauseView>,
    recent: TallyView,
    limits: LimitsView,
}

#[derive(Serialize)]
pub struct PauseView {
    cause: &'static str,
    rate: String,
    limit: String,
    since: String,
    emails: u32,
    bounces: u32,
    complaints: u32,
}

impl From<&Pause> for PauseView {
    fn from(p: &Pause) -> Self {
        PauseView {
            cause: p.cause.as_str(),
            rate: p.rate.to_string(),
            limit: p.limit.to_string(),
            since: p.at.to_rfc3339(),
            emails: p.tally.emails(),
            bounces: p.tally.bounces,
            complaints: p.tally.complaints,
        }
    }
}

#[derive(Serialize)]
struct TallyView {
    emails: u32,
    bounces: u32,
    complaints: u32,
    bounce_rate: String,
    complaint_rate: String,
}

#[derive(Serialize)]
struct LimitsView {
    bounces: String,
    complaints: String,
    window_hours: u32,
}

impl From<&Sending> for SendingView {
    fn from(s: &Sending) -> Self {
        let t = s.recent;
        SendingView {
            paused: s.pause.is_some(),
            pause: s.pause.as_ref().map(PauseView::from),
            recent: TallyView {
                emails: t.emails(),
                bounces: t.bounces,
                complaints: t.complaints,
                bounce_rate: Rate::of(t.bounces, t.emails()).to_string(),
                complaint_rate: Rate::of(t.complaints, t.emails()).to_string(),
            },
            limits: LimitsView {
                bounces: s.guard.bounce_pause.to_string(),
                complaints: s.guard.complaint_pause.to_string(),
                window_hours: WINDOW_HOURS,
            },
        }
    }
}
