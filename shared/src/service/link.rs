//! A new link: an inviter gets an open invitation's accept URL in the answer, to hand over another way
//! than email. The invitation is read, judged and given a new token in one conditional write on the
//! state and token read (`rules::relink`), so the old link is dead; it stays bound to its address or
//! user id. The raw token lives only in this request: never stored, logged or put in an event.
use super::{Authorized, Deps};
use crate::domain::{AccessOption, Invitation, InvitationId, Status, Token};
use crate::ports::store::UpdateOutcome;
use crate::ports::StoreError;
use crate::rules;

/// Reads and writes one request may make before it gives up on an invitation that keeps moving.
const ATTEMPTS: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("no such invitation")]
    NotFound,
    #[error("only a processing or pending invitation has a link; this one is {0}")]
    InvalidState(Status),
    #[error("you may not act on an invitation holding {} access", .0.as_str())]
    Forbidden(AccessOption),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The invitation with its new token, for the answer alone.
pub async fn relink(deps: &Deps, auth: &Authorized, id: InvitationId) -> Result<(Invitation, Token), LinkError> {
    for _ in 0..ATTEMPTS {
        let now = deps.clock.now();
        let inv = deps.store.get(auth.account(), id).await?.ok_or(LinkError::NotFound)?;
        if !inv.status.is_open() {
            return Err(LinkError::InvalidState(inv.status));
        }
        if inv.expires_at <= now {
            return Err(LinkError::InvalidState(Status::Expired));
        }
        auth.may_act_on(&inv.access).map_err(LinkError::Forbidden)?;
        let token = Token::generate();
        let write = rules::relink(&inv, token.hash(), now).by(auth.caller());
        match deps.store.update(auth.account(), id, &write).await? {
            UpdateOutcome::Updated(updated) => return Ok((updated, token)),
            UpdateOutcome::NotFound => return Err(LinkError::NotFound),
            // A send, an accept, a cancel or another link came first: judge it again.
            UpdateOutcome::Mismatch(_) => continue,
        }
    }
    Err(StoreError::Unavailable("the invitation kept changing while it was given a link".into()).into())
}
