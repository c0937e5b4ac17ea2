//! Cancel: one conditional write from any open state to `cancelled`, by an inviter who may grant
//! everything the invitation holds.
use super::{Authorized, Deps};
use crate::domain::{AccessOption, Invitation, InvitationId, Status};
use crate::ports::store::UpdateOutcome;
use crate::ports::StoreError;
use crate::rules;

#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("no such invitation")]
    NotFound,
    #[error("only a processing or pending invitation can be cancelled; this one is {0}")]
    InvalidState(Status),
    #[error("you may not cancel an invitation holding {} access", .0.as_str())]
    Forbidden(AccessOption),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The write's condition holds the grant rule too, so a cancel still reads nothing first; a refused
/// one is told apart by the invitation the store answers with.
pub async fn cancel(deps: &Deps, auth: &Authorized, id: InvitationId) -> Result<Invitation, CancelError> {
    let write = rules::cancel(deps.clock.now()).by(auth.caller());
    match deps.store.update(auth.account(), id, &write).await? {
        UpdateOutcome::Updated(inv) => Ok(inv),
        UpdateOutcome::NotFound => Err(CancelError::NotFound),
        UpdateOutcome::Mismatch(inv) => {
            auth.may_act_on(&inv.access).map_err(CancelError::Forbidden)?;
            if inv.status.is_open() {
                return Err(StoreError::Corrupt("cancel condition failed for no reason".into()).into());
            }
            Err(CancelError::InvalidState(inv.status))
        }
    }
}
