//! Invite: one invitation per distinct invitee, each created with one conditional transaction, then
//! sent in its slot of the send schedule (`first_email.rs`): within the request's budget by the
//! request, later by the paced sender. An invitation whose email is refused or handed on stays
//! `processing`; the sweep is the safety net for any that is not sent.
mod first_email;

use super::reputation::{self, Paused};
use super::{Authorized, Deps, Notifier};
use crate::domain::invitees::{Invitee, Target};
use crate::domain::{Access, AccessOption, Invitation, InvitationId, Settings, Status, Token};
use crate::ports::store::CreateOutcome;
use crate::ports::StoreError;
use crate::rules;
use first_email::{first_emails, Stored};
use std::time::Duration;

#[derive(Debug)]
pub enum Outcome {
    Invited(Invitation),
    AlreadyInvited(Invitation),
    /// The invitation that made them a member, when the invitee was named by address.
    AlreadyMember(Option<Invitation>),
    /// The address's latest invitation is undeliverable; `force` invites it anyway.
    Undeliverable(Invitation),
    /// The address's domain is not one the account's settings allow.
    DomainNotAllowed,
    /// The account's members and open invitations fill its seat limit.
    SeatLimitReached,
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
    /// `expires_in_days` beyond the account's invitation lifetime.
    #[error("expires_in_days may be at most {max_days}: the account's invitations live {max_days} days at most")]
    TooLong { max_days: u64 },
    #[error(transparent)]
    SendingPaused(Paused),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn invite(
    deps: &Deps,
    notifier: &Notifier,
    auth: &Authorized,
    invitees: Vec<Invitee>,
    access: Access,
    force: bool,
    expires_in_days: Option<u32>,
) -> Result<Vec<InviteResult>, InviteError> {
    auth.may_act_on(&access).map_err(InviteError::Forbidden)?;
    // The account's pause and its policy, each read once for the whole request, at once.
    let (paused, settings) =
        futures::future::join(reputation::check(deps, auth.account()), deps.store.settings(auth.account())).await;
    paused?.map_err(InviteError::SendingPaused)?;
    let settings = settings?.settings;
    let lifetime = lifetime(&settings, deps.policy.invitation_ttl, expires_in_days)?;
    // One create each (parsing bounds them to MAX_INVITEES), one after another: each takes a seat on
    // the account's one seat item, where creates at once would only collide and retry.
    let mut stored: Vec<Stored> = Vec::with_capacity(invitees.len());
    for invitee in invitees {
        stored.push(invite_one(deps, auth, &settings, lifetime, &access, invitee, force).await);
    }
    // Then the new ones' emails, each sent in its slot of the send schedule or handed on.
    let answers = first_emails(deps, notifier, stored).await;
    // A store failure fails the request (503): the invitations made so far stay, and a retry answers
    // `already_invited` for them, so nothing is lost or doubled.
    answers.into_iter().collect::<Result<_, _>>().map_err(InviteError::Store)
}

/// How long the request's invitations live: the account's lifetime (its `invitation_ttl_days`, else the
/// deployment's `INVITATION_TTL`), or the request's own `expires_in_days` within it.
fn lifetime(settings: &Settings, default: Duration, days: Option<u32>) -> Result<Duration, InviteError> {
    let most = settings.ttl(default);
    let Some(days) = days else { return Ok(most) };
    let asked = Duration::from_secs(u64::from(days) * 86_400);
    if asked > most {
        return Err(InviteError::TooLong { max_days: most.as_secs() / 86_400 });
    }
    Ok(asked)
}

/// Stores one invitee's invitation; with it, when it is new, the token its first email carries.
async fn invite_one(
    deps: &Deps,
    auth: &Authorized,
    settings: &Settings,
    lifetime: Duration,
    access: &Access,
    invitee: Invitee,
    force: bool,
) -> Result<(InviteResult, Option<Token>), StoreError> {
    let by_user_id = matches!(invitee.parsed, Ok(Target::User(_)));
    let result = |outcome| Ok((InviteResult { invitee: invitee.given.clone(), by_user_id, outcome }, None));
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
    // One named by user id is judged by the address the directory keeps for them, where the email goes.
    if !settings.allows(&email) {
        return result(Outcome::DomainNotAllowed);
    }
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
            expires_at: now.plus(lifetime),
            token_hash: token.hash(),
            due_at: None,
            user_id,
            accepted_by: None,
            handed_on: None,
            delivery: None,
        },
        &deps.policy,
    );
    match deps.store.create_checked(&invitation, !force).await? {
        CreateOutcome::AlreadyOpen(existing) => result(Outcome::AlreadyInvited(existing)),
        CreateOutcome::Undeliverable(existing) => result(Outcome::Undeliverable(existing)),
        CreateOutcome::AlreadyMember(existing) => result(Outcome::AlreadyMember(Some(existing))),
        CreateOutcome::SeatLimitReached => result(Outcome::SeatLimitReached),
        CreateOutcome::Created => {
            let invited =
                InviteResult { invitee: invitee.given.clone(), by_user_id, outcome: Outcome::Invited(invitation) };
            Ok((invited, Some(token)))
        }
    }
}
