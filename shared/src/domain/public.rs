//! What anyone outside the service may see of an invitation, a member or an account's settings: the
//! API's answers and the lifecycle events show exactly this. No token, token hash, due time, counter of
//! failed attempts, inviter address or storage key is here, and an address behind a user id is masked.
use super::{Access, AccountSettings, Delivery, DeliveryStatus, Email, Invitation, Member, Status};
use serde::Serialize;

#[derive(Serialize)]
pub struct InvitationView<'a> {
    id: String,
    account_id: &'a str,
    email: String,
    status: Status,
    access: &'a Access,
    invited_by: &'a str,
    created_at: String,
    updated_at: String,
    last_sent_at: Option<String>,
    send_count: u32,
    expires_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery: Option<DeliveryView<'a>>,
}

/// What SES last reported of the latest email; its send number and rank stay inside.
#[derive(Serialize)]
pub struct DeliveryView<'a> {
    status: DeliveryStatus,
    at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
}

impl<'a> From<&'a Delivery> for DeliveryView<'a> {
    fn from(d: &'a Delivery) -> Self {
        DeliveryView { status: d.status, at: d.at.to_rfc3339(), detail: d.detail.as_deref() }
    }
}

impl<'a> From<&'a Invitation> for InvitationView<'a> {
    fn from(i: &'a Invitation) -> Self {
        InvitationView {
            id: i.id.to_string(),
            account_id: i.account_id.as_str(),
            email: shown(&i.email, i.user_id.is_some()),
            status: i.status,
            access: &i.access,
            invited_by: &i.invited_by,
            created_at: i.created_at.to_rfc3339(),
            updated_at: i.updated_at.to_rfc3339(),
            last_sent_at: i.last_sent_at.map(|t| t.to_rfc3339()),
            send_count: i.send_count,
            expires_at: i.expires_at.to_rfc3339(),
            delivery: i.delivery.as_ref().map(DeliveryView::from),
        }
    }
}

/// A member of an account: always `active` while it exists.
#[derive(Serialize)]
pub struct MemberView<'a> {
    user_id: &'a str,
    account_id: &'a str,
    email: String,
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
            email: shown(&m.email, m.by_user_id),
            status: "active",
            access: &m.access,
            invited_by: &m.invited_by,
            invitation_id: m.invitation_id.to_string(),
            joined_at: m.joined_at.to_rfc3339(),
        }
    }
}

/// The address an inviter may see: masked when it belongs to someone named by user id.
pub(crate) fn shown(email: &Email, by_user_id: bool) -> String {
    if by_user_id {
        email.masked()
    } else {
        email.as_str().to_owned()
    }
}

/// An account's settings as the API answers them and `settings.updated` carries them: `null` for a
/// default (no limit, any domain, the deployment's `INVITATION_TTL`).
#[derive(Serialize)]
pub struct SettingsView<'a> {
    account_id: &'a str,
    seat_limit: Option<u32>,
    allowed_domains: Option<Vec<&'a str>>,
    invitation_ttl_days: Option<u32>,
    version: u64,
    updated_at: Option<String>,
    updated_by: Option<&'a str>,
}

impl<'a> From<&'a AccountSettings> for SettingsView<'a> {
    fn from(a: &'a AccountSettings) -> Self {
        let s = &a.settings;
        SettingsView {
            account_id: a.account_id.as_str(),
            seat_limit: s.seat_limit,
            allowed_domains: s.allowed_domains.as_ref().map(|ds| ds.iter().map(|d| d.as_str()).collect()),
            invitation_ttl_days: s.invitation_ttl_days,
            version: a.version,
            updated_at: a.updated_at.map(|t| t.to_rfc3339()),
            updated_by: a.updated_by.as_deref(),
        }
    }
}
