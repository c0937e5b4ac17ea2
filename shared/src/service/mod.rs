//! The use cases. Each takes parsed domain values, applies the rules of SPEC §2 and §5, and returns its
//! own error enum; `api` is the one place those become HTTP answers.
pub mod cancel;
pub mod idempotency;
pub mod invite;
pub mod list;
pub mod resend;
pub mod sweep;

use crate::clock::Clock;
use crate::config::{MailSettings, Policy};
use crate::domain::{Caller, Token};
use crate::mail::{invitation_email, MailError, Mailer};
use crate::store::{Invitation, Store};
use std::sync::Arc;

/// What every use case needs: built once per process and borrowed by each request.
#[derive(Clone)]
pub struct Deps {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub policy: Policy,
}

/// What the use cases that send email need besides.
#[derive(Clone)]
pub struct Sender {
    pub mailer: Arc<dyn Mailer>,
    pub settings: MailSettings,
}

impl Sender {
    pub async fn deliver(&self, inv: &Invitation, token: &Token) -> Result<(), MailError> {
        let email = invitation_email(&self.settings, inv, token);
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

/// Every route: the path's account must be the token's, and the caller must hold an inviter role.
pub fn authorize(caller: &Caller, path_account: &str) -> Result<(), AuthError> {
    if caller.account_id.as_str() != path_account {
        return Err(AuthError::OtherAccount);
    }
    if !caller.is_inviter() {
        return Err(AuthError::NotInviter);
    }
    Ok(())
}
