//! Table-driven tests of every transition: each status against expired, stale, capped, stuck and not
//! yet due, with the write each rule makes checked against the invitation it was read from.
use super::*;
use crate::domain::{Access, AccountId, Email, InvitationId, Token};
use std::time::Duration;

mod delivery;
mod hand_on;
mod seats;

const H: u64 = 3600;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn now() -> Timestamp {
    Timestamp::from_millis(1_800_000_000_000)
}

/// An invitation in `status` with `sends` emails counted, last sent `sent_ago` ago (or never), last
/// changed `changed_ago` ago, expiring `expires_in` from now (negative: already past).
fn inv(status: Status, sends: u32, sent_ago: Option<u64>, changed_ago: u64, expires_in: i64) -> Invitation {
    let t = now();
    let expires_at = Timestamp::from_millis(t.millis() + expires_in * 1000);
    let mut inv = Invitation {
        id: InvitationId::new(),
        account_id: AccountId::parse("acme").unwrap(),
        email: Email::parse("ada@example.com").unwrap(),
        status,
        access: Access::parse(serde_json::json!({"infrastructure": {"permissions": "basic_user"}})).unwrap(),
        invited_by: "u1".into(),
        inviter_email: None,
        created_at: t.minus(secs(10 * 24 * H)),
        updated_at: t.minus(secs(changed_ago)),
        last_sent_at: sent_ago.map(|a| t.minus(secs(a))),
        send_count: sends,
        failed_attempts: 0,
        expires_at,
        token_hash: Token::generate().hash(),
        due_at: None,
        user_id: None,
        accepted_by: None,
        handed_on: None,
        delivery: None,
    };
    inv.due_at = next_due(&inv, &Policy::default());
    inv
}

/// `inv` with `n` attempts refused since its last accepted email.
fn failing(mut inv: Invitation, n: u32) -> Invitation {
    inv.failed_attempts = n;
    inv
}

/// What the sweep should do, as a name, and the status it leaves.
#[derive(Debug, PartialEq, Eq)]
enum Want {
    Expire,
    Fail,
    Retry,
    Resend,
    Reschedule,
    Skip,
}

fn kind(a: &DueAction) -> (Want, Option<&Transition>) {
    match a {
        DueAction::Expire(t) => (Want::Expire, Some(t)),
        DueAction::Fail(t) => (Want::Fail, Some(t)),
        DueAction::Retry(t) => (Want::Retry, Some(t)),
        DueAction::Resend(t) => (Want::Resend, Some(t)),
        DueAction::Reschedule(t) => (Want::Reschedule, Some(t)),
        DueAction::Skip => (Want::Skip, None),
    }
}

#[test]
fn the_sweep_does_what_the_state_table_says() {
    use Status::*;
    const D: i64 = 10 * 24 * 3600;
    // (case, invitation, action, status after, (send_count, failed_attempts) after, sent now?)
    type Case = (&'static str, Invitation, Want, Option<Status>, (u32, u32), bool);
    let p = Policy::default();
    let cases: Vec<Case> = vec![
        // A resend's claim: `processing` until SES accepts the email, which `sent` then counts.
        ("pending, stale", inv(Pending, 1, Some(73 * H), 73 * H, D), Want::Resend, Some(Processing), (1, 0), false),
        (
            "pending, just stale",
            inv(Pending, 2, Some(72 * H), 72 * H, D),
            Want::Resend,
            Some(Processing),
            (2, 0),
            false,
        ),
        (
            "pending, not yet stale",
            inv(Pending, 1, Some(71 * H), 71 * H, D),
            Want::Reschedule,
            Some(Pending),
            (1, 0),
            false,
        ),
        ("pending, capped", inv(Pending, 3, Some(100 * H), 100 * H, D), Want::Reschedule, Some(Pending), (3, 0), false),
        ("pending, expired", inv(Pending, 1, Some(73 * H), 73 * H, -1), Want::Expire, Some(Expired), (1, 0), false),
        ("pending, expires now", inv(Pending, 1, Some(H), H, 0), Want::Expire, Some(Expired), (1, 0), false),
        ("processing, stuck", inv(Processing, 0, None, 6 * 60, D), Want::Retry, Some(Processing), (0, 1), false),
        (
            "processing, stuck again",
            failing(inv(Processing, 0, None, 6 * 60, D), 1),
            Want::Retry,
            Some(Processing),
            (0, 2),
            false,
        ),
        (
            "processing, stuck after two emails",
            inv(Processing, 2, None, 6 * 60, D),
            Want::Retry,
            Some(Processing),
            (2, 1),
            false,
        ),
        (
            "processing, stuck, the last attempt",
            failing(inv(Processing, 1, None, 6 * 60, D), 2),
            Want::Fail,
            Some(Failed),
            (1, 3),
            false,
        ),
        ("processing, young", inv(Processing, 0, None, 60, D), Want::Reschedule, Some(Processing), (0, 0), false),
        ("processing, expired", inv(Processing, 0, None, 6 * 60, -1), Want::Expire, Some(Expired), (0, 0), false),
        ("accepted", inv(Accepted, 1, Some(100 * H), H, D), Want::Skip, None, (1, 0), false),
        ("cancelled", inv(Cancelled, 1, Some(100 * H), H, D), Want::Skip, None, (1, 0), false),
        ("expired", inv(Expired, 1, Some(100 * H), H, -1), Want::Skip, None, (1, 0), false),
        ("failed", failing(inv(Failed, 0, None, H, D), 3), Want::Skip, None, (0, 3), false),
    ];
    for (case, read, want, status, sends, sent) in cases {
        // Handed on with a message once: a claim takes it from that message.
        let read = Invitation { handed_on: Some(now().minus(secs(H))), ..read };
        let token = Token::generate().hash();
        let action = due_action(&read, now(), token.clone(), &p);
        let (got, write) = kind(&action);
        assert_eq!(got, want, "{case}");
        let Some(Transition { expect, change }) = write else { continue };
        assert!(expect.matches(&read), "{case}: the write must expect the invitation as it was read");
        let mut moved = read.clone();
        moved.token_hash = Token::generate().hash();
        assert!(!expect.matches(&moved), "{case}: a write after another claim must fail");
        let mut after = read.clone();
        change.apply(&mut after);
        assert_eq!(Some(after.status), status, "{case}");
        assert_eq!((after.send_count, after.failed_attempts), sends, "{case}");
        assert_eq!(after.last_sent_at == Some(now()), sent, "{case}");
        let claims = matches!(want, Want::Resend | Want::Retry);
        assert_eq!(after.token_hash == token, claims, "{case}: only a claim rotates the token");
        assert_eq!(after.handed_on.is_none(), claims, "{case}: a claim takes it from its message");
        match after.status {
            Pending | Processing => {
                let due = after.due_at.unwrap_or_else(|| panic!("{case}: an open invitation stays due"));
                assert!(due > now() || want == Want::Reschedule && due == after.expires_at, "{case}: {due:?}");
                assert!(due <= after.expires_at, "{case}: never due after it expires");
            }
            _ => assert_eq!(after.due_at, None, "{case}: a closed invitation leaves the due index"),
        }
    }
}

#[test]
fn next_due_is_the_earliest_work_and_never_past_expiry() {
    use Status::*;
    let p = Policy::default();
    let t = now();
    let pending = inv(Pending, 1, Some(H), H, 30 * 24 * 3600);
    assert_eq!(next_due(&pending, &p), Some(t.minus(secs(H)).plus(p.resend_after)));
    let capped = inv(Pending, 3, Some(H), H, 30 * 24 * 3600);
    assert_eq!(next_due(&capped, &p), Some(capped.expires_at));
    let processing = inv(Processing, 1, None, 60, 30 * 24 * 3600);
    assert_eq!(next_due(&processing, &p), Some(t.minus(secs(60)).plus(p.processing_timeout)));
    let soon = inv(Pending, 1, Some(H), H, 60);
    assert_eq!(next_due(&soon, &p), Some(soon.expires_at));
    for closed in [Accepted, Cancelled, Expired, Failed] {
        assert_eq!(next_due(&inv(closed, 1, Some(H), H, 3600), &p), None, "{closed}");
    }
}

#[test]
fn cancel_takes_any_open_invitation_and_nothing_else() {
    let Transition { expect, change } = cancel(now());
    for status in Status::ALL {
        let read = inv(status, 1, Some(H), H, 3600);
        assert_eq!(expect.matches(&read), status.is_open(), "{status}");
    }
    let mut after = inv(Status::Pending, 1, Some(H), H, 3600);
    change.apply(&mut after);
    assert_eq!((after.status, after.due_at, after.updated_at), (Status::Cancelled, None, now()));
}

#[test]
fn resend_needs_pending_under_the_cap_past_the_cooldown_and_not_expired() {
    let p = Policy::default();
    let token = Token::generate().hash();
    let Transition { expect, change } = resend(now(), token.clone(), &p);
    let days = 30 * 24 * 3600;
    for status in Status::ALL {
        assert_eq!(expect.matches(&inv(status, 1, Some(H), H, days)), status == Status::Pending, "{status}");
    }
    assert!(!expect.matches(&inv(Status::Pending, 1, Some(30), 30, days)), "within the cooldown");
    assert!(expect.matches(&inv(Status::Pending, 1, Some(60), 60, days)), "exactly at the cooldown");
    assert!(expect.matches(&inv(Status::Pending, p.max_sends - 1, Some(H), H, days)), "the last email allowed");
    assert!(!expect.matches(&inv(Status::Pending, p.max_sends, Some(H), H, days)), "past the cap");
    assert!(!expect.matches(&inv(Status::Pending, 1, Some(H), H, 0)), "expired");
    assert!(expect.matches(&inv(Status::Pending, 1, Some(H), H, 60)), "expiring soon");
    let read = Invitation { handed_on: Some(now()), ..inv(Status::Pending, 1, Some(H), H, days) };
    let mut after = read.clone();
    change.apply(&mut after);
    assert_eq!((after.status, after.send_count, after.last_sent_at), (Status::Processing, 1, read.last_sent_at));
    assert_eq!((after.token_hash, after.handed_on), (token, None), "a claim: the new token, no message's");
    assert_eq!(after.due_at, Some(now().plus(p.processing_timeout)), "due for the sweep if its email never goes");
}

#[test]
fn a_sent_email_makes_processing_pending_and_is_counted_there() {
    let p = Policy::default();
    let read = failing(inv(Status::Processing, 0, None, 0, 30 * 24 * 3600), 2);
    let Transition { expect, change } = sent(&read, now(), &p);
    assert!(expect.matches(&read));
    let mut other_send = read.clone();
    other_send.token_hash = Token::generate().hash();
    assert!(!expect.matches(&other_send), "only the send that stored this token may mark it");
    let mut after = read.clone();
    change.apply(&mut after);
    assert_eq!((after.status, after.last_sent_at, after.send_count), (Status::Pending, Some(now()), 1));
    assert_eq!(after.failed_attempts, 0, "an accepted email forgets the refusals before it");
    assert_eq!(after.due_at, Some(now().plus(p.resend_after)));
    assert!(!expect.matches(&after), "marked once");
}

#[test]
fn a_new_invitation_is_processing_with_no_email_yet_due_after_the_timeout() {
    let p = Policy::default();
    let mut draft = inv(Status::Pending, 0, Some(H), 0, 30 * 24 * 3600);
    draft.updated_at = now();
    let made = new_invitation(draft, &p);
    assert_eq!((made.status, made.send_count, made.last_sent_at), (Status::Processing, 0, None));
    assert_eq!(made.due_at, Some(now().plus(p.processing_timeout)));
}

#[test]
fn a_new_invitation_supersedes_only_an_open_one_expired_by_its_creation() {
    let new = Invitation { created_at: now(), ..inv(Status::Processing, 0, None, 0, 30 * 24 * 3600) };
    let write = supersede(&new);
    for status in Status::ALL {
        for (expires_in, lapsed) in [(-1, true), (0, true), (1, false)] {
            let old = inv(status, 1, Some(H), H, expires_in);
            assert_eq!(write.expect.matches(&old), lapsed && status.is_open(), "{status} expiring in {expires_in}s");
        }
    }
    let mut old = inv(Status::Pending, 1, Some(H), H, -1);
    write.change.apply(&mut old);
    assert_eq!((old.status, old.due_at, old.updated_at), (Status::Expired, None, now()));
}
