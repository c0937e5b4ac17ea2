//! Accept: the invitee, signed in, presents the token from the link. The invitation is read, judged, and
//! accepted in one transaction that also creates the member; the transaction's conditions repeat the
//! judgement, so a cancel, a resend or another accept that lands in between makes it fail and the
//! invitation is judged again. A refusal changes nothing, so the right person can still accept.
use super::Deps;
use crate::domain::{
    AccountId, Claimant, ClaimedEmail, Domain, Invitation, InvitationId, Member, Settings, Status, Timestamp, TokenHash,
};
use crate::ports::store::JoinOutcome;
use crate::ports::StoreError;
use crate::rules;

/// Reads and transactions one accept may make before it gives up on an invitation that keeps moving.
const ATTEMPTS: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    /// The same answer whether the invitation exists or not, so ids cannot be probed.
    #[error("this link's token does not open this invitation; it may have been replaced by a newer email")]
    InvalidToken,
    #[error("this invitation was sent to {invited}; {why}")]
    EmailMismatch { invited: String, why: &'static str },
    #[error("this invitation was sent to another user; sign in as that user to accept it")]
    UserMismatch,
    #[error("this invitation is {0} and can no longer be accepted")]
    Closed(Status),
    #[error("you are already a member of this account")]
    AlreadyMember,
    #[error("this account no longer allows addresses at {0}; ask its owner to allow the domain")]
    DomainNotAllowed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn accept(
    deps: &Deps,
    claimant: &Claimant,
    account: &AccountId,
    id: InvitationId,
    token: &TokenHash,
) -> Result<(Invitation, Member), AcceptError> {
    // Read once, and only for an accept that passed judgement: a refusal stays one read.
    let mut settings: Option<Settings> = None;
    for _ in 0..ATTEMPTS {
        let now = deps.clock.now();
        let inv = deps.store.get(account, id).await?.ok_or(AcceptError::InvalidToken)?;
        judge(&inv, claimant, token, now)?;
        if let Some(member) = retried(deps, &inv, claimant).await? {
            return Ok((inv, member));
        }
        if settings.is_none() {
            settings = Some(deps.store.settings(account).await?.settings);
        }
        allowed(settings.as_ref().expect("read just above"), &inv, claimant)?;
        let write = rules::accept(now, token.clone(), claimant, &inv.access);
        let member = Member {
            user_id: claimant.user_id.clone(),
            account_id: inv.account_id.clone(),
            email: inv.email.clone(),
            access: inv.access.clone(),
            invited_by: inv.invited_by.clone(),
            invitation_id: inv.id,
            joined_at: now,
            by_user_id: inv.user_id.is_some(),
        };
        match deps.store.join(&write, &member, claimant.email.verified()).await? {
            JoinOutcome::Joined => {
                let mut accepted = inv;
                write.change.apply(&mut accepted);
                return Ok((accepted, member));
            }
            JoinOutcome::AlreadyMember => return Err(AcceptError::AlreadyMember),
            JoinOutcome::Changed => continue,
        }
    }
    Err(StoreError::Unavailable("the invitation kept changing while it was accepted".into()).into())
}

/// Everything but the retry of an accept that already succeeded: the token, the invitee, the state.
fn judge(inv: &Invitation, claimant: &Claimant, token: &TokenHash, now: Timestamp) -> Result<(), AcceptError> {
    if inv.token_hash != *token {
        return Err(AcceptError::InvalidToken);
    }
    if !rules::is_invitee(inv, claimant) {
        return Err(match inv.user_id {
            Some(_) => AcceptError::UserMismatch,
            None => AcceptError::EmailMismatch { invited: inv.email.masked(), why: mismatch(&claimant.email) },
        });
    }
    match inv.status {
        Status::Accepted if inv.accepted_by.as_ref() == Some(&claimant.user_id) => Ok(()),
        status if !status.is_open() => Err(AcceptError::Closed(status)),
        _ if inv.expires_at <= now => Err(AcceptError::Closed(Status::Expired)),
        _ => Ok(()),
    }
}

/// The domains may have changed since the invite: the invitation's address (the member's) and the
/// caller's own, when verified, must both still be allowed. Judged on the settings as the accept read
/// them, not inside its transaction: an accept racing a settings change may pass on the old ones.
fn allowed(settings: &Settings, inv: &Invitation, claimant: &Claimant) -> Result<(), AcceptError> {
    let refused = [Some(&inv.email), claimant.email.verified()].into_iter().flatten().find(|e| !settings.allows(e));
    match refused {
        Some(email) => Err(AcceptError::DomainNotAllowed(Domain::of(email).to_owned())),
        None => Ok(()),
    }
}

/// Why the caller's address does not accept an invitation sent to another, in the caller's terms.
fn mismatch(email: &ClaimedEmail) -> &'static str {
    match email {
        ClaimedEmail::Verified(_) => "sign in with that address to accept it",
        ClaimedEmail::Unverified => {
            "your sign-in's address is not verified (its email_verified claim is not true): verify it with your identity provider, or sign in with that address verified"
        }
        ClaimedEmail::Missing => "your sign-in carries no email address; sign in with that address, verified",
    }
}

/// The same caller accepting again gets the member it became.
async fn retried(deps: &Deps, inv: &Invitation, claimant: &Claimant) -> Result<Option<Member>, AcceptError> {
    if inv.status != Status::Accepted {
        return Ok(None);
    }
    let member = deps.store.member(&inv.account_id, &claimant.user_id).await?;
    match member.filter(|m| m.invitation_id == inv.id) {
        Some(m) => Ok(Some(m)),
        // Accepted by this user, who has since been removed: the invitation is spent.
        None => Err(AcceptError::Closed(Status::Accepted)),
    }
}
