//! The use cases. Each takes parsed domain values and a proof that its caller was authorized, applies
//! the rules, and returns its own error enum; the HTTP edge is the one place those become answers.
pub mod accept;
pub mod cancel;
pub mod claim;
pub mod cursor;
pub mod delivery;
pub mod idempotency;
pub mod invite;
pub mod link;
pub mod list;
pub mod message;
pub mod pace;
pub mod publish;
pub mod reputation;
pub mod resend;
pub mod send;
pub mod settings;
pub mod sweep;
pub mod update;
pub mod users;

pub use message::MailSettings;

use crate::domain::{Access, AccessOption, AccountId, Caller, Invitation, Token};
use crate::ports::{Clock, MailError, Mailer, Store};
use crate::rules::Policy;
use std::sync::Arc;

/// What every use case needs: built once per process and borrowed by each request.
#[derive(Clone)]
pub struct Deps {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub policy: Policy,
}

/// Sends invitation emails, and leaves a log line for each (the address masked, the token never): a mailer, the settings every message shares, and the pacing of a mailer
/// with a quota (`None`: every email goes at once, as to a folder).
#[derive(Clone)]
pub struct Notifier {
    pub mailer: Arc<dyn Mailer>,
    pub settings: MailSettings,
    pub pacing: Option<pace::Pacing>,
}

impl Notifier {
    pub async fn deliver(&self, inv: &Invitation, token: &Token) -> Result<(), MailError> {
        let email = message::invitation_email(&self.settings, inv, token);
        let result = self.mailer.send(&email).await;
        match &result {
            Ok(()) => {
                tracing::info!(invitation = %inv.id, to = %inv.email.masked(), "invitation email accepted")
            }
            Err(e) => {
                tracing::warn!(invitation = %inv.id, to = %inv.email.masked(), error = %crate::logging::chain(e), "invitation email not sent")
            }
        }
        result
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the token is scoped to another account")]
    OtherAccount,
    #[error("inviting needs the owner, org_manager or infra_add_users role")]
    NotInviter,
}

/// Proof that a caller may manage invitations of an account: the path's account is the token's, and
/// the caller holds an inviter role. Only [`authorize`] makes one, so a use case that takes it cannot
/// run for a caller who was not checked.
#[derive(Debug, Clone)]
pub struct Authorized {
    caller: Caller,
}

impl Authorized {
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The account every read and write of this request is confined to.
    pub fn account(&self) -> &AccountId {
        &self.caller.account_id
    }

    /// The one rule for what grants access: an inviter may invite with `access`, and cancel, resend or
    /// remove what holds it, only if they may grant every option of it. `Err` names the first they may
    /// not. Cancel and resend, which write without reading, carry the same rule in their condition
    /// ([`rules::Transition::by`](crate::rules::Transition::by)) and call this on what a refused write found.
    pub fn may_act_on(&self, access: &Access) -> Result<(), AccessOption> {
        access.first_outside(&self.caller.grantable()).map_or(Ok(()), Err)
    }
}

/// `path_account` is `None` when the path's account is not a valid account id, which no token has.
pub fn authorize(caller: Caller, path_account: Option<&AccountId>) -> Result<Authorized, AuthError> {
    if path_account != Some(&caller.account_id) {
        return Err(AuthError::OtherAccount);
    }
    if !caller.is_inviter() {
        return Err(AuthError::NotInviter);
    }
    Ok(Authorized { caller })
}

#[cfg(test)]
mod tests;
