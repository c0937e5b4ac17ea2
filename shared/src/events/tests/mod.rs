//! Every row of the state table, written by the rules themselves, against the events it must make; the
//! writes that change no status make none. `detail.rs`: the ids and what a detail holds.
mod detail;
mod policy;

use super::*;
use crate::domain::{Access, AccountId, Claimant, ClaimedEmail, Email, InvitationId, Token, TokenHash, UserId};
use crate::rules::{self, DueAction, Policy, Transition};
use serde_json::{json, Value};
use std::time::Duration;
use EventType::*;

const T0: i64 = 1_800_000_000_000;

fn at(secs: u64) -> Timestamp {
    Timestamp::from_millis(T0).plus(Duration::from_secs(secs))
}

fn invitation(status: Status, send_count: u32) -> Invitation {
    let policy = Policy::default();
    let mut inv = rules::new_invitation(
        Invitation {
            expires_at: at(30 * 86_400),
            token_hash: TokenHash::from_stored("first-token-hash-secret".into()),
            ..crate::domain::invitation::sample(at(0))
        },
        &policy,
    );
    inv.status = status;
    inv.send_count = send_count;
    if send_count > 0 {
        inv.last_sent_at = Some(at(10));
    }
    inv
}

/// The invitation after `t`, which must accept it as it stands.
fn after(old: &Invitation, t: &Transition) -> Invitation {
    assert!(t.expect.matches(old), "the row's write applies to its state: {:?} on {old:?}", t.expect);
    let mut new = old.clone();
    t.change.apply(&mut new);
    new
}

fn modify(old: &Invitation, new: &Invitation) -> Change {
    Change { old: Some(Stored::Invitation(old.clone())), new: Some(Stored::Invitation(new.clone())) }
}

/// `inv` resent at `t` with a new token: the resend's claim, then the write after SES accepted the email.
fn resent(inv: &Invitation, t: Timestamp, token: TokenHash) -> Invitation {
    let policy = Policy::default();
    let claimed = after(inv, &rules::resend(t, token, &policy));
    after(&claimed, &rules::sent(&claimed, t, &policy))
}

/// An event's type and its `previous_status`.
type Made = (EventType, Option<String>);

fn kinds(change: &Change) -> Vec<Made> {
    events(change)
        .iter()
        .map(|e| {
            let detail: Value = serde_json::from_str(&e.detail).unwrap();
            (e.event_type, detail["previous_status"].as_str().map(str::to_owned))
        })
        .collect()
}

fn due(inv: &Invitation, now: Timestamp) -> Transition {
    let policy = Policy::default();
    match rules::due_action(inv, now, TokenHash::from_stored("swept-token-hash".into()), &policy) {
        DueAction::Expire(t)
        | DueAction::Fail(t)
        | DueAction::Retry(t)
        | DueAction::Resend(t)
        | DueAction::Reschedule(t) => t,
        DueAction::Skip => panic!("the sweep skips {inv:?}"),
    }
}

fn member() -> Member {
    Member {
        user_id: UserId::parse("user-1").unwrap(),
        account_id: AccountId::parse("acme").unwrap(),
        email: Email::parse("ada@example.com").unwrap(),
        access: Access::parse(json!({"infrastructure": {"permissions": "basic_user"}})).unwrap(),
        invited_by: "admin-1".into(),
        invitation_id: InvitationId::new(),
        joined_at: at(100),
        by_user_id: false,
    }
}

#[test]
fn each_transition_of_the_state_table_makes_exactly_its_events() {
    let policy = Policy::default();
    let hash = || Token::generate().hash();
    let claimant = Claimant {
        user_id: UserId::parse("user-1").unwrap(),
        email: ClaimedEmail::Verified(Email::parse("ada@example.com").unwrap()),
    };
    let processing = invitation(Status::Processing, 0);
    let pending = invitation(Status::Pending, 1);
    let stale = invitation(Status::Pending, 1);
    let stale_now = at(10).plus(policy.resend_after);
    let stuck = invitation(Status::Processing, 0);
    let stuck_now = at(0).plus(policy.processing_timeout);
    let last_try = Invitation { failed_attempts: policy.max_sends - 1, ..invitation(Status::Processing, 0) };
    let capped = invitation(Status::Pending, policy.max_sends);
    let claimed = after(&pending, &rules::resend(at(120), hash(), &policy));
    let swept = after(&stale, &due(&stale, stale_now));
    let handed = after(&processing, &rules::queued(&processing, at(60), &policy));
    let p = |s: &str| Some(s.to_owned());

    let rows: Vec<(&str, Change, Vec<Made>)> = vec![
        (
            "invite: stored processing",
            Change { old: None, new: Some(Stored::Invitation(processing.clone())) },
            vec![(InvitationCreated, None)],
        ),
        (
            "first email accepted",
            modify(&processing, &after(&processing, &rules::sent(&processing, at(5), &policy))),
            vec![(InvitationSent, p("processing"))],
        ),
        ("manual resend: claimed", modify(&pending, &claimed), vec![]),
        (
            "manual resend: accepted",
            modify(&claimed, &after(&claimed, &rules::sent(&claimed, at(121), &policy))),
            vec![(InvitationSent, p("processing"))],
        ),
        ("sweep: stale, claimed", modify(&stale, &swept), vec![]),
        (
            "sweep: stale, then accepted",
            modify(&swept, &after(&swept, &rules::sent(&swept, stale_now, &policy))),
            vec![(InvitationSent, p("processing"))],
        ),
        ("handed on to the paced sender", modify(&processing, &handed), vec![]),
        (
            "claimed by its message",
            modify(&handed, &after(&handed, &rules::claim_queued(at(60), at(59), hash(), &policy))),
            vec![],
        ),
        ("sweep: stuck, claimed again", modify(&stuck, &after(&stuck, &due(&stuck, stuck_now))), vec![]),
        (
            "sweep: stuck, then accepted",
            {
                let claimed = after(&stuck, &due(&stuck, stuck_now));
                modify(&claimed, &after(&claimed, &rules::sent(&claimed, stuck_now, &policy)))
            },
            vec![(InvitationSent, p("processing"))],
        ),
        (
            "sweep: stuck for the last time",
            modify(&last_try, &after(&last_try, &due(&last_try, stuck_now))),
            vec![(InvitationFailed, p("processing"))],
        ),
        (
            "sweep: pending past expiry",
            modify(&pending, &after(&pending, &due(&pending, at(30 * 86_400)))),
            vec![(InvitationExpired, p("pending"))],
        ),
        (
            "sweep: processing past expiry",
            modify(&processing, &after(&processing, &due(&processing, at(30 * 86_400)))),
            vec![(InvitationExpired, p("processing"))],
        ),
        ("sweep: at the cap, rescheduled", modify(&capped, &after(&capped, &due(&capped, stale_now))), vec![]),
        (
            "cancel pending",
            modify(&pending, &after(&pending, &rules::cancel(at(60)))),
            vec![(InvitationCancelled, p("pending"))],
        ),
        (
            "cancel processing",
            modify(&processing, &after(&processing, &rules::cancel(at(60)))),
            vec![(InvitationCancelled, p("processing"))],
        ),
        (
            "accept",
            {
                let token = Token::generate();
                let open = Invitation { token_hash: token.hash(), ..pending.clone() };
                modify(&open, &after(&open, &rules::accept(at(90), token.hash(), &claimant, &open.access)))
            },
            vec![(InvitationAccepted, p("pending"))],
        ),
        (
            "re-invite over an expired open one",
            {
                let new = Invitation { created_at: at(31 * 86_400), ..invitation(Status::Processing, 0) };
                modify(&pending, &after(&pending, &rules::supersede(&new)))
            },
            vec![(InvitationExpired, p("pending"))],
        ),
        ("member added", Change { old: None, new: Some(Stored::Member(member())) }, vec![(MemberAdded, None)]),
        (
            "member removed",
            Change { old: Some(Stored::Member(member())), new: None },
            vec![(MemberRemoved, p("active"))],
        ),
        ("an item rewritten unchanged", modify(&pending, &pending), vec![]),
        ("a due time moved", modify(&pending, &Invitation { due_at: Some(at(99)), ..pending.clone() }), vec![]),
        ("an invitation deleted", Change { old: Some(Stored::Invitation(pending.clone())), new: None }, vec![]),
        (
            "a member rewritten",
            Change { old: Some(Stored::Member(member())), new: Some(Stored::Member(member())) },
            vec![],
        ),
        ("another kind of item", Change::default(), vec![]),
    ];
    for (row, change, expected) in rows {
        assert_eq!(kinds(&change), expected, "{row}");
    }
}

/// The reports of one send, applied by the rule: only the one that makes the address undeliverable is
/// an event, once, and its detail shows the report and nothing of the token.
#[test]
fn a_report_that_makes_an_invitation_undeliverable_is_one_delivery_failed() {
    use crate::domain::{Delivery, DeliveryStatus};
    let report = |status, undeliverable, secs| {
        rules::report(Delivery {
            status,
            at: at(secs),
            detail: Some("permanent: general".into()),
            send: 1,
            undeliverable,
        })
    };
    let mut inv = invitation(Status::Pending, 1);
    let mut made = Vec::new();
    let steps = [
        report(DeliveryStatus::Delivered, false, 20),
        report(DeliveryStatus::Bounced, true, 30),
        report(DeliveryStatus::Bounced, true, 40),
        report(DeliveryStatus::Complained, true, 50),
    ];
    for r in steps {
        let old = inv.clone();
        r.apply(&mut inv);
        made.push(kinds(&modify(&old, &inv)).into_iter().map(|(t, _)| t).collect::<Vec<_>>());
    }
    assert_eq!(made, [vec![], vec![InvitationDeliveryFailed], vec![], vec![InvitationDeliveryFailed]]);
    let old = invitation(Status::Pending, 1);
    let mut new = old.clone();
    report(DeliveryStatus::Bounced, true, 30).apply(&mut new);
    let event = events(&modify(&old, &new)).remove(0);
    let detail: Value = serde_json::from_str(&event.detail).unwrap();
    assert_eq!(
        detail["delivery"],
        json!({"status": "bounced", "at": at(30).to_rfc3339(), "detail": "permanent: general"})
    );
    assert_eq!(event.event_type.as_str(), "invitation.delivery_failed");
    assert!(!event.detail.contains("first-token-hash-secret"));
    assert_eq!(events(&modify(&old, &new))[0].event_id, event.event_id, "the same write, the same id");
}
