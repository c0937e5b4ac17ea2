//! Update: an inviter gives an open invitation new access. The invitation is read, judged and written in
//! one conditional write on the state, token and access read (`rules::update_access`); its token stays,
//! so the link already sent still works. An accept racing it fails its own condition on the access it
//! read and judges again, so a member always gets the access of the invitation it accepted.
use super::{Authorized, Deps};
use crate::domain::{Access, AccessOption, Invitation, InvitationId, Status};
use crate::ports::store::UpdateOutcome;
use crate::ports::StoreError;
use crate::rules;

/// Reads and writes one update may make before it gives up on an invitation that keeps moving.
const ATTEMPTS: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("no such invitation")]
    NotFound,
    #[error("only a processing or pending invitation can be updated; this one is {0}")]
    InvalidState(Status),
    #[error("you may not update an invitation to or from {} access", .0.as_str())]
    Forbidden(AccessOption),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn update_access(
    deps: &Deps,
    auth: &Authorized,
    id: InvitationId,
    access: Access,
) -> Result<Invitation, UpdateError> {
    // The same grant rule as invite for the new access, and as cancel for the access it replaces.
    auth.may_act_on(&access).map_err(UpdateError::Forbidden)?;
    for _ in 0..ATTEMPTS {
        let now = deps.clock.now();
        let inv = deps.store.get(auth.account(), id).await?.ok_or(UpdateError::NotFound)?;
        if !inv.status.is_open() {
            return Err(UpdateError::InvalidState(inv.status));
        }
        if inv.expires_at <= now {
            return Err(UpdateError::InvalidState(Status::Expired));
        }
        auth.may_act_on(&inv.access).map_err(UpdateError::Forbidden)?;
        let write = rules::update_access(&inv, access.clone(), now).by(auth.caller());
        match deps.store.update(auth.account(), id, &write).await? {
            UpdateOutcome::Updated(updated) => return Ok(updated),
            UpdateOutcome::NotFound => return Err(UpdateError::NotFound),
            // A send, an accept, a cancel or another update came first: judge it again.
            UpdateOutcome::Mismatch(_) => continue,
        }
    }
    Err(StoreError::Unavailable("the invitation kept changing while it was updated".into()).into())
}
