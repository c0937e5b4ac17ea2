//! Answers as clients see them: no token, token hash, due time or storage key ever appears.
use crate::domain::{Access, Invitation, Member, Status};
use crate::service::invite::{InviteResult, Outcome};
use serde::Serialize;

#[derive(Serialize)]
pub struct InvitationView<'a> {
    id: String,
    account_id: &'a str,
    email: &'a str,
    status: Status,
    access: &'a Access,
    invited_by: &'a str,
    created_at: String,
    updated_at: String,
    last_sent_at: Option<String>,
    send_count: u32,
    expires_at: String,
}

impl<'a> From<&'a Invitation> for InvitationView<'a> {
    fn from(i: &'a Invitation) -> Self {
        InvitationView {
            id: i.id.to_string(),
            account_id: i.account_id.as_str(),
            email: i.email.as_str(),
            status: i.status,
            access: &i.access,
            invited_by: &i.invited_by,
            created_at: i.created_at.to_rfc3339(),
            updated_at: i.updated_at.to_rfc3339(),
            last_sent_at: i.last_sent_at.map(|t| t.to_rfc3339()),
            send_count: i.send_count,
            expires_at: i.expires_at.to_rfc3339(),
        }
    }
}

/// A member of an account: always `active` while it exists.
#[derive(Serialize)]
pub struct MemberView<'a> {
    user_id: &'a str,
    account_id: &'a str,
    email: &'a str,
    status: &'static str,
    access: &'a Access,
    invited_by: &'a str,
    invitation_id: String,
    joined_at: String,
}

impl<'a> From<&'a Member> for MemberView<'a> {
    fn from(m: &'a Member) -> Self {
        MemberView {
            user_id: m.user_id.as_str(),
            account_id: m.account_id.as_str(),
            email: m.email.as_str(),
            status: "active",
            access: &m.access,
            invited_by: &m.invited_by,
            invitation_id: m.invitation_id.to_string(),
            joined_at: m.joined_at.to_rfc3339(),
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
            Outcome::AlreadyInvited(i) => {
                ("already_invited", Some(i), Some("an open invitation exists for this address"))
            }
            Outcome::AlreadyMember(i) => ("already_member", Some(i), Some("this address already joined the account")),
            Outcome::Invalid(msg) => ("invalid", None, Some(msg.as_str())),
        };
        ResultView { invitee: &r.invitee, outcome, invitation: invitation.map(InvitationView::from), error }
    }
}
