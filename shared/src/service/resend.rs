use super::{authorize, AuthError, Deps, Sender};
use crate::domain::{Caller, InvitationId, Status, Token};
use crate::mail::MailError;
use crate::store::{Change, Expect, Invitation, SendCount, StoreError, UpdateOutcome};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ResendError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("no such invitation")]
    NotFound,
    #[error("only a pending invitation can be resent; this one is {0}")]
    InvalidState(Status),
    #[error("the invitation was sent moments ago")]
    TooSoon { retry_after: Duration },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The resend was recorded but its email not accepted; the invitation went back to `processing`,
    /// where the sweep sends it again.
    #[error("the email could not be sent")]
    Mail(#[source] MailError),
}

/// One conditional write (state, cooldown and the new token in one), then the email.
pub async fn resend(
    deps: &Deps,
    sender: &Sender,
    caller: &Caller,
    path_account: &str,
    id: Option<InvitationId>,
) -> Result<Invitation, ResendError> {
    authorize(caller, path_account)?;
    let id = id.ok_or(ResendError::NotFound)?;
    let now = deps.clock.now();
    let token = Token::generate();
    let interval = deps.policy.resend_min_interval;
    let expect = Expect {
        statuses: &[Status::Pending],
        token_hash: None,
        last_sent_at_or_before: Some(now.minus(interval)),
    };
    let change = Change {
        status: Status::Pending,
        at: now,
        token_hash: Some(token.hash()),
        send_count: SendCount::Increment,
    };
    let inv = match deps
        .store
        .update(&caller.account_id, id, &expect, &change)
        .await?
    {
        UpdateOutcome::Updated(inv) => inv,
        UpdateOutcome::NotFound => return Err(ResendError::NotFound),
        UpdateOutcome::Mismatch(inv) if inv.status != Status::Pending => {
            return Err(ResendError::InvalidState(inv.status))
        }
        UpdateOutcome::Mismatch(inv) => {
            let next = inv.last_sent_at.map(|t| t.plus(interval)).unwrap_or(now);
            // Whole seconds, rounded up, never zero: what Retry-After can say.
            let wait = now.until(next).as_millis().div_ceil(1000).max(1) as u64;
            return Err(ResendError::TooSoon {
                retry_after: Duration::from_secs(wait),
            });
        }
    };
    if let Err(e) = sender.deliver(&inv, &token).await {
        let expect = Expect {
            statuses: &[Status::Pending],
            token_hash: Some(inv.token_hash.clone()),
            last_sent_at_or_before: None,
        };
        let change = Change {
            status: Status::Processing,
            at: deps.clock.now(),
            token_hash: None,
            send_count: SendCount::Decrement,
        };
        if let Err(store_err) = deps
            .store
            .update(&inv.account_id, inv.id, &expect, &change)
            .await
        {
            tracing::error!(invitation = %inv.id, error = %crate::logging::chain(&store_err), "resend failed and could not be handed to the sweep");
        }
        return Err(ResendError::Mail(e));
    }
    Ok(inv)
}
