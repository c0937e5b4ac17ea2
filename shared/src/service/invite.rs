//! Invite: one invitation per distinct invitee, each created with one conditional transaction and
//! sent at once; an invitation whose email is refused stays `processing` for the sweep.
use super::{Authorized, Deps, Notifier};
use crate::domain::invitees::{Invitee, Target};
use crate::domain::{Access, AccessOption, Invitation, InvitationId, Status, Token};
use crate::ports::store::{CreateOutcome, UpdateOutcome};
use crate::ports::StoreError;
use crate::rules;

#[derive(Debug)]
pub enum Outcome {
    Invited(Invitation),
    AlreadyInvited(Invitation),
    /// The invitation that made them a member, when the invitee was named by address.
    AlreadyMember(Option<Invitation>),
    Invalid(String),
}

#[derive(Debug)]
pub struct InviteResult {
    pub invitee: String,
    /// Named by user id: the answer must not show the address behind it.
    pub by_user_id: bool,
    pub outcome: Outcome,
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("you may not grant {} access", .0.as_str())]
    Forbidden(AccessOption),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn invite(
    deps: &Deps,
    notifier: &Notifier,
    auth: &Authorized,
    invitees: Vec<Invitee>,
    access: Access,
) -> Result<Vec<InviteResult>, InviteError> {
    if let Some(option) = auth.caller().first_forbidden(&access.options()) {
        return Err(InviteError::Forbidden(option));
    }
    // Every invitee of the request at once (parsing bounds them to MAX_INVITEES), each one create, one
    // send, one mark: the whole request takes three round trips however many it names. SES throttles
    // are retried with backoff by the SES client; an email still refused leaves its
    // invitation `processing` for the sweep.
    let results: Vec<Result<InviteResult, StoreError>> = futures::future::join_all(
        invitees.into_iter().map(|invitee| invite_one(deps, notifier, auth, &access, invitee)),
    )
    .await;
    // A store failure fails the request (503): the invitations made so far stay, and a retry answers
    // `already_invited` for them, so nothing is lost or doubled.
    results.into_iter().collect::<Result<_, _>>().map_err(InviteError::Store)
}

async fn invite_one(
    deps: &Deps,
    notifier: &Notifier,
    auth: &Authorized,
    access: &Access,
    invitee: Invitee,
) -> Result<InviteResult, StoreError> {
    let by_user_id = matches!(invitee.parsed, Ok(Target::User(_)));
    let result = |outcome| Ok(InviteResult { invitee: invitee.given.clone(), by_user_id, outcome });
    let (email, user_id) = match invitee.parsed.clone() {
        Err(e) => return result(Outcome::Invalid(e.to_string())),
        Ok(Target::Email(email)) => (email, None),
        Ok(Target::User(user)) => {
            if deps.store.member(auth.account(), &user).await?.is_some() {
                return result(Outcome::AlreadyMember(None));
            }
            match deps.store.directory(&user).await? {
                Some(email) => (email, Some(user)),
                None => return result(Outcome::Invalid("unknown user id".into())),
            }
        }
    };
    let caller = auth.caller();
    let now = deps.clock.now();
    let token = Token::generate();
    let invitation = rules::new_invitation(
        Invitation {
            id: InvitationId::new(),
            account_id: caller.account_id.clone(),
            email,
            status: Status::Processing,
            access: access.clone(),
            invited_by: caller.user_id.clone(),
            inviter_email: caller.email.clone(),
            created_at: now,
            updated_at: now,
            last_sent_at: None,
            send_count: 0,
            failed_attempts: 0,
            expires_at: now.plus(deps.policy.invitation_ttl),
            token_hash: token.hash(),
            due_at: None,
            user_id,
            accepted_by: None,
        },
        &deps.policy,
    );
    let outcome = match deps.store.create(&invitation).await? {
        CreateOutcome::AlreadyOpen(existing) => Outcome::AlreadyInvited(existing),
        CreateOutcome::AlreadyMember(existing) => Outcome::AlreadyMember(Some(existing)),
        CreateOutcome::Created => Outcome::Invited(send_first(deps, notifier, invitation, &token).await),
    };
    result(outcome)
}

/// Sends a new invitation's email and marks it `pending`. On any failure the invitation stays
/// `processing`, which the sweep retries; the answer shows what is stored.
async fn send_first(deps: &Deps, notifier: &Notifier, invitation: Invitation, token: &Token) -> Invitation {
    if notifier.deliver(&invitation, token).await.is_err() {
        return invitation;
    }
    let sent = rules::sent(&invitation, deps.clock.now(), &deps.policy);
    match deps.store.update(&invitation.account_id, invitation.id, &sent).await {
        Ok(UpdateOutcome::Updated(sent) | UpdateOutcome::Mismatch(sent)) => sent,
        Ok(UpdateOutcome::NotFound) => invitation,
        Err(e) => {
            tracing::warn!(invitation = %invitation.id, error = %crate::logging::chain(&e), "sent but not marked pending");
            invitation
        }
    }
}
