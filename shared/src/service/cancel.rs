use super::{authorize, AuthError, Deps};
use crate::domain::{Caller, InvitationId, Status};
use crate::rules;
use crate::store::{Invitation, StoreError, UpdateOutcome};
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("no such invitation")]
    NotFound,
    #[error("only a processing or pending invitation can be cancelled; this one is {0}")]
    InvalidState(Status),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How often a cancel looks again while a send holds the invitation.
const POLL: Duration = Duration::from_millis(100);

/// One conditional write. When a send holds the invitation, the cancel waits until the send lets go
/// and writes again, so it never answers 200 while an email of this invitation may still go out.
/// `id` is `None` when the path held no valid id, which no invitation has.
pub async fn cancel(
    deps: &Deps,
    caller: &Caller,
    path_account: &str,
    id: Option<InvitationId>,
) -> Result<Invitation, CancelError> {
    authorize(caller, path_account)?;
    let id = id.ok_or(CancelError::NotFound)?;
    // A send releases its lease when it is done, or the lease runs out; either way within SEND_LEASE.
    let give_up = Instant::now() + rules::SEND_LEASE + Duration::from_secs(1);
    while Instant::now() < give_up {
        let now = deps.clock.now();
        let (expect, change) = rules::cancel(now);
        match deps.store.update(&caller.account_id, id, &expect, &change).await? {
            UpdateOutcome::Updated(inv) => return Ok(inv),
            UpdateOutcome::NotFound => return Err(CancelError::NotFound),
            UpdateOutcome::Mismatch(inv) => match inv.lease_until {
                Some(until) if inv.status.is_open() && until > now => {
                    tracing::info!(invitation = %id, "cancel waits for a send in flight");
                    tokio::time::sleep(POLL.min(now.until(until))).await;
                }
                _ => return Err(CancelError::InvalidState(inv.status)),
            },
        }
    }
    Err(CancelError::Store(StoreError::Unavailable("sends kept holding the invitation".into())))
}
