use super::{authorize, AuthError, Deps};
use crate::domain::{Caller, InvitationId, Status};
use crate::rules;
use crate::store::{Invitation, StoreError, UpdateOutcome};

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

/// One conditional write. `id` is `None` when the path held no valid id, which no invitation has.
pub async fn cancel(
    deps: &Deps,
    caller: &Caller,
    path_account: &str,
    id: Option<InvitationId>,
) -> Result<Invitation, CancelError> {
    authorize(caller, path_account)?;
    let id = id.ok_or(CancelError::NotFound)?;
    let (expect, change) = rules::cancel(deps.clock.now());
    match deps.store.update(&caller.account_id, id, &expect, &change).await? {
        UpdateOutcome::Updated(inv) => Ok(inv),
        UpdateOutcome::NotFound => Err(CancelError::NotFound),
        UpdateOutcome::Mismatch(inv) => Err(CancelError::InvalidState(inv.status)),
    }
}
