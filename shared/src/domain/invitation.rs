//! The aggregate: one invitation as the rules see it and the stores keep it. Answers show it through
//! the HTTP edge's view, which leaves out the token hash and the due time.
use super::{Access, AccountId, Delivery, Email, InvitationId, Status, Timestamp, TokenHash, UserId};

/// Its serde form is the in-memory store's file format.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Invitation {
    pub id: InvitationId,
    pub account_id: AccountId,
    pub email: Email,
    pub status: Status,
    pub access: Access,
    pub invited_by: String,
    pub inviter_email: Option<Email>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_sent_at: Option<Timestamp>,
    /// Emails SES accepted (a claimed send counts until it is refused).
    pub send_count: u32,
    /// Attempts refused or never confirmed since the last accepted email; `MAX_SENDS` of them fail it.
    #[serde(default)]
    pub failed_attempts: u32,
    pub expires_at: Timestamp,
    pub token_hash: TokenHash,
    /// When the sweep should next look at it; `None` once it is closed.
    #[serde(default)]
    pub due_at: Option<Timestamp>,
    /// Invited by user id: only this user may accept it.
    #[serde(default)]
    pub user_id: Option<UserId>,
    /// Who accepted it, once it is `accepted`.
    #[serde(default)]
    pub accepted_by: Option<UserId>,
    /// Handed on to the paced sender: the slot its message names (or when that message takes one). Only
    /// that message may claim it, once; any claim clears it.
    #[serde(default)]
    pub handed_on: Option<Timestamp>,
    /// What SES last reported of its latest email.
    #[serde(default)]
    pub delivery: Option<Delivery>,
}

impl Invitation {
    /// Its latest email bounced permanently, was complained about or hit the suppression list: no
    /// email goes to the address again on this invitation.
    pub fn undeliverable(&self) -> bool {
        self.delivery.as_ref().is_some_and(|d| d.undeliverable)
    }

    /// The send number the next email of this invitation carries.
    pub fn next_send(&self) -> u32 {
        self.send_count + 1
    }
}

/// The tests' invitation: Ada's, in account acme, sent by admin-1 (with an inviter address), made at
/// `now` and expiring then, never sent, with a fresh token; each test sets what it is about.
#[cfg(test)]
pub(crate) fn sample(now: Timestamp) -> Invitation {
    Invitation {
        id: InvitationId::new(),
        account_id: AccountId::parse("acme").unwrap(),
        email: Email::parse("ada@example.com").unwrap(),
        status: Status::Processing,
        access: Access::parse(serde_json::json!({"infrastructure": {"permissions": "basic_user"}})).unwrap(),
        invited_by: "admin-1".into(),
        inviter_email: Some(Email::parse("boss@inviter.example").unwrap()),
        created_at: now,
        updated_at: now,
        last_sent_at: None,
        send_count: 0,
        failed_attempts: 0,
        expires_at: now,
        token_hash: super::Token::generate().hash(),
        due_at: None,
        user_id: None,
        accepted_by: None,
        handed_on: None,
        delivery: None,
    }
}
