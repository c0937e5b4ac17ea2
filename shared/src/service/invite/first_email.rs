//! A new invitation's first email, paced. The request takes its emails' turns in their account's lane,
//! then, unless the account already has emails waiting, slots of the schedule within its budget (`plan`);
//! the emails whose slot falls within the budget go now, in their slots. The others are handed to the
//! paced sender at once, while those wait, expected at their turns, to take their slots when the sender
//! receives them.
use super::{InviteResult, Outcome};
use crate::domain::{Invitation, Timestamp, Token};
use crate::ports::store::UpdateOutcome;
use crate::ports::{QueuedSend, StoreError};
use crate::rules;
use crate::service::{pace, Deps, Notifier};

/// An invitee as stored: its answer, and the token of its first email when its invitation is new.
pub(super) type Stored = Result<(InviteResult, Option<Token>), StoreError>;

/// Sends or hands on the new invitations' first emails; answers each invitee in order.
pub(super) async fn first_emails(
    deps: &Deps,
    notifier: &Notifier,
    stored: Vec<Stored>,
) -> Vec<Result<InviteResult, StoreError>> {
    // Slots are reserved only for invitations made, so a repeated request costs the schedule nothing.
    let fresh: Vec<&Invitation> = stored
        .iter()
        .filter_map(|r| match r {
            Ok((InviteResult { outcome: Outcome::Invited(inv), .. }, Some(_))) => Some(inv),
            _ => None,
        })
        .collect();
    let budget_end = deps.clock.now().plus(pace::REQUEST_BUDGET);
    let mut plans = match plan(deps, notifier, &fresh, budget_end).await {
        Ok(plans) => plans,
        Err(e) => {
            // Stored `processing`, they are due for the sweep a processing timeout from now.
            tracing::warn!(error = %crate::logging::chain(&e), "no send slots; the sweep will send the new invitations");
            Vec::new()
        }
    }
    .into_iter();
    let mut answers = Vec::with_capacity(stored.len());
    let (mut now, mut later) = (Vec::new(), Vec::new());
    for (i, r) in stored.into_iter().enumerate() {
        let (result, token) = match r {
            Ok(ok) => ok,
            Err(e) => {
                answers.push((i, Err(e)));
                continue;
            }
        };
        let (Outcome::Invited(inv), Some(token)) = (&result.outcome, token) else {
            answers.push((i, Ok(result)));
            continue;
        };
        match plans.next() {
            Some(Plan::Slot(slot)) if slot <= budget_end => now.push((i, inv.clone(), token, slot, result)),
            Some(plan) => {
                later.push((inv.clone(), plan));
                answers.push((i, Ok(result)));
            }
            None => answers.push((i, Ok(result))),
        }
    }
    let send_now = futures::future::join_all(now.into_iter().map(|(i, inv, token, slot, mut result)| async move {
        match pace::send_in_slot(deps, notifier, &inv, &token, Some(slot), Some(budget_end)).await {
            Ok(sent) => {
                result.outcome = Outcome::Invited(mark_first(deps, inv, sent.is_ok()).await);
                (i, result, None)
            }
            // Too late for its slot and no free one within the budget: handed on after all.
            Err(pace::Missed) => {
                let queued = match pace::expect(deps, notifier, &inv.account_id, 1).await {
                    Ok(lane) => queue(deps, &inv, Plan::Expected(lane.at[0])).await,
                    Err(e) => {
                        tracing::warn!(invitation = %inv.id, error = %crate::logging::chain(&e), "not handed on; the sweep will send it");
                        None
                    }
                };
                (i, result, queued)
            }
        }
    }));
    let hand_on_later = async {
        let queued = futures::future::join_all(later.iter().map(|(inv, plan)| queue(deps, inv, *plan))).await;
        pace::hand_on(deps, notifier, &queued.into_iter().flatten().collect::<Vec<_>>()).await;
    };
    let (sent, ()) = futures::future::join(send_now, hand_on_later).await;
    let missed: Vec<QueuedSend> = sent.iter().filter_map(|(_, _, q)| q.clone()).collect();
    pace::hand_on(deps, notifier, &missed).await;
    answers.extend(sent.into_iter().map(|(i, result, _)| (i, Ok(result))));
    answers.sort_by_key(|(i, _)| *i);
    answers.into_iter().map(|(_, answer)| answer).collect()
}

/// When a new invitation's email goes: in a slot reserved for it, or in one the paced sender reserves
/// when it receives the email, expected about then.
#[derive(Debug, Clone, Copy)]
enum Plan {
    Slot(Timestamp),
    Expected(Timestamp),
}

/// The new emails' plans, in order. Each takes its turn in the account's lane (one write for all). An
/// account with emails already waiting hands these on behind them, so its emails keep their order and
/// its requests never crowd out the queue. One with none takes a slot of the schedule (none after one
/// interval past the budget): on an idle schedule, in a second write, the others its budget has room
/// for too; on a busy one that one only, so accounts sending at once share the rate through their
/// lanes rather than by whose request came first. The rest are expected at their turns.
async fn plan(
    deps: &Deps,
    notifier: &Notifier,
    fresh: &[&Invitation],
    budget_end: Timestamp,
) -> Result<Vec<Plan>, StoreError> {
    let Some(first) = fresh.first() else { return Ok(Vec::new()) };
    let lane = pace::expect(deps, notifier, &first.account_id, fresh.len()).await?;
    let mut slots = Vec::new();
    if !lane.behind {
        let wanted = pace::within_budget(notifier, fresh.len());
        let last = pace::request_last(notifier, budget_end);
        let first_slot = pace::reserve(deps, notifier, wanted.min(1), last).await?;
        slots = first_slot.slots;
        if first_slot.idle && wanted > slots.len() && !slots.is_empty() {
            slots.extend(pace::reserve(deps, notifier, wanted - 1, last).await?.slots);
        }
    }
    let expected = lane.at.into_iter().skip(slots.len()).map(Plan::Expected);
    Ok(slots.into_iter().map(Plan::Slot).chain(expected).collect())
}

/// Marks `inv` as waiting for the paced sender (due for the sweep a processing timeout after its slot)
/// and answers the message that hands it on; `None` when it changed meanwhile or could not be marked,
/// which leaves it to the sweep.
async fn queue(deps: &Deps, inv: &Invitation, plan: Plan) -> Option<QueuedSend> {
    let (at, held) = match plan {
        Plan::Slot(slot) => (slot, true),
        Plan::Expected(at) => (at, false),
    };
    match deps.store.update(&inv.account_id, inv.id, &rules::queued(inv, at, &deps.policy)).await {
        Ok(UpdateOutcome::Updated(q)) if held => Some(QueuedSend::held(q.account_id, q.id, at)),
        Ok(UpdateOutcome::Updated(q)) => Some(QueuedSend::expected(q.account_id, q.id, at)),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(invitation = %inv.id, error = %crate::logging::chain(&e), "not handed on; the sweep will send it");
            None
        }
    }
}

/// Marks a new invitation `pending` once its first email was `sent`; refused, it stays `processing` and
/// the sweep retries it.
async fn mark_first(deps: &Deps, invitation: Invitation, sent: bool) -> Invitation {
    if !sent {
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
