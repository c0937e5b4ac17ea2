//! Invite: one invitation per distinct invitee, each created with one conditional transaction, then
//! sent in its slot of the send schedule: within the request's budget by the request, later by the
//! paced sender. An invitation whose email is refused or handed on stays `processing`; the sweep is
//! the safety net for any that is not sent.
use super::{pace, Authorized, Deps, Notifier};
use crate::domain::invitees::{Invitee, Target};
use crate::domain::AccountId;
use crate::domain::{Access, AccessOption, Invitation, InvitationId, Status, Timestamp, Token};
use crate::ports::store::{CreateOutcome, UpdateOutcome};
use crate::ports::{QueuedSend, StoreError};
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
    // Every invitee of the request at once (parsing bounds them to MAX_INVITEES): one create each.
    let stored: Vec<Result<(InviteResult, Option<Token>), StoreError>> =
        futures::future::join_all(invitees.into_iter().map(|invitee| invite_one(deps, auth, &access, invitee))).await;
    // Then the new ones' emails. Slots are reserved together for as many as the budget has room for:
    // those whose slot falls within it go now, the others to the paced sender with their slot; the
    // rest go to it expected one interval apart after them, and take their slots when it receives them.
    // Slots are reserved only for invitations made, so a repeated request costs the schedule nothing.
    let fresh = stored.iter().filter(|r| matches!(r, Ok((_, Some(_))))).count();
    let budget_end = deps.clock.now().plus(pace::REQUEST_BUDGET);
    let plans = match pace::reserve(deps, notifier, pace::within_budget(notifier, fresh)).await {
        Ok(slots) => Plan::all(notifier, slots, fresh),
        Err(e) => {
            // Stored `processing`, they are due for the sweep a processing timeout from now.
            tracing::warn!(error = %crate::logging::chain(&e), "no send slots; the sweep will send the new invitations");
            Vec::new()
        }
    };
    let mut plans = plans.into_iter();
    let sends = stored.into_iter().map(|r| {
        let plan = if matches!(r, Ok((_, Some(_)))) { plans.next() } else { None };
        async move {
            let (mut result, token) = match r {
                Ok(stored) => stored,
                Err(e) => return Err(e),
            };
            let (Outcome::Invited(inv), Some(token), Some(mut plan)) = (&result.outcome, token, plan) else {
                return Ok((result, None));
            };
            match plan {
                Plan::Slot(slot) if slot <= budget_end => {
                    // Too late for its slot and the next free one beyond the budget: handed on after all.
                    match pace::at_slot(deps, notifier, slot, Some(budget_end)).await {
                        Ok(()) => {
                            result.outcome = Outcome::Invited(send_first(deps, notifier, inv.clone(), &token).await);
                            return Ok((result, None));
                        }
                        Err(later) => plan = Plan::Slot(later),
                    }
                }
                _ => {}
            }
            let queued = match deps.store.update(&inv.account_id, inv.id, &rules::queued(inv, plan.at(), &deps.policy)).await {
                Ok(UpdateOutcome::Updated(queued)) => Some(plan.message(queued.account_id, queued.id)),
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(invitation = %inv.id, error = %crate::logging::chain(&e), "not handed on; the sweep will send it");
                    None
                }
            };
            Ok((result, queued))
        }
    });
    let done: Vec<Result<(InviteResult, Option<QueuedSend>), StoreError>> = futures::future::join_all(sends).await;
    let queued: Vec<QueuedSend> = done.iter().filter_map(|r| r.as_ref().ok().and_then(|(_, q)| q.clone())).collect();
    pace::hand_on(deps, notifier, &queued).await;
    // A store failure fails the request (503): the invitations made so far stay, and a retry answers
    // `already_invited` for them, so nothing is lost or doubled.
    done.into_iter().map(|r| r.map(|(result, _)| result)).collect::<Result<_, _>>().map_err(InviteError::Store)
}

/// When a new invitation's email goes: in a slot reserved for it, or in one the paced sender reserves
/// when it receives the email, expected about then.
#[derive(Debug, Clone, Copy)]
enum Plan {
    Slot(Timestamp),
    Expected(Timestamp),
}

impl Plan {
    fn at(self) -> Timestamp {
        match self {
            Plan::Slot(t) | Plan::Expected(t) => t,
        }
    }

    /// The `n` new emails' plans, the first in the reserved `slots`.
    fn all(notifier: &Notifier, slots: Vec<Timestamp>, n: usize) -> Vec<Plan> {
        let interval = notifier.pacing.as_ref().map(pace::Pacing::interval).unwrap_or_default();
        let last = slots.last().copied();
        let expected = (1..).map_while(|i| last.map(|last| Plan::Expected(last.plus(interval * i))));
        slots.into_iter().map(Plan::Slot).chain(expected).take(n).collect()
    }

    fn message(self, account: AccountId, invitation: InvitationId) -> QueuedSend {
        match self {
            Plan::Slot(slot) => QueuedSend::held(account, invitation, slot),
            Plan::Expected(at) => QueuedSend::expected(account, invitation, at),
        }
    }
}

/// Stores one invitee's invitation; with it, when it is new, the token its first email carries.
async fn invite_one(
    deps: &Deps,
    auth: &Authorized,
    access: &Access,
    invitee: Invitee,
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
    match deps.store.create(&invitation).await? {
        CreateOutcome::AlreadyOpen(existing) => result(Outcome::AlreadyInvited(existing)),
        CreateOutcome::AlreadyMember(existing) => result(Outcome::AlreadyMember(Some(existing))),
        CreateOutcome::Created => {
            let invited =
                InviteResult { invitee: invitee.given.clone(), by_user_id, outcome: Outcome::Invited(invitation) };
            Ok((invited, Some(token)))
        }
    }
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
