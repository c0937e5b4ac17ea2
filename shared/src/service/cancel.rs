//! Cancel: one conditional write from any open state to `cancelled`.
use super::{Authorized, Deps};
use crate::domain::{Invitation, InvitationId, Status};
use crate::ports::store::UpdateOutcome;
use crate::ports::StoreError;
use crate::rules;

#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("no such invitation")]
    NotFound,
    #[error("only a processing or pending invitation can be cancelled; this one is {0}")]
    InvalidState(Status),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn cancel(deps: &Deps, auth: &Authorized, id: InvitationId) -> Result<Invitation, CancelError> {
    match deps.store.update(auth.account(), id, &rules::cancel(deps.clock.now())).await? {
        UpdateOutcome::Updated(inv) => Ok(inv),
        UpdateOutcome::NotFound => Err(CancelError::NotFound),
        UpdateOutcome::Mismatch(inv) => Err(CancelError::InvalidState(inv.status)),
    }
}
