use super::*;
use crate::adapters::recording::Refusal;
use crate::domain::Status;
use crate::service::cancel::{cancel, CancelError};
use crate::service::list::{list, ListError, ListParams};
use crate::service::resend::{resend, ResendError};
use crate::service::sweep::sweep;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn cancel_closes_an_open_invitation_once_and_only_in_its_account() {
    let w = world();
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    let other = owner_of("globex");
    assert!(matches!(cancel(&w.deps, &other, inv.id).await, Err(CancelError::NotFound)), "ids are per account");
    assert!(matches!(cancel(&w.deps, &auth, InvitationId::new()).await, Err(CancelError::NotFound)));
    let cancelled = cancel(&w.deps, &auth, inv.id).await.unwrap();
    assert_eq!((cancelled.status, cancelled.due_at), (Status::Cancelled, None));
    let again = cancel(&w.deps, &auth, inv.id).await.unwrap_err();
    assert!(matches!(again, CancelError::InvalidState(Status::Cancelled)), "{again}");
    // A cancelled address may be invited again.
    let fresh = w.invited(&auth, "ada@example.com").await;
    assert_ne!(fresh.id, inv.id);
}

#[tokio::test]
async fn resend_waits_out_the_cooldown_then_rotates_the_token() {
    let w = world();
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    let first = w.newest_token("ada@example.com");
    w.clock.advance(Duration::from_secs(20));
    match resend(&w.deps, &w.notifier, &auth, inv.id).await {
        Err(ResendError::TooSoon { retry_after }) => assert_eq!(retry_after, Duration::from_secs(40)),
        other => panic!("{other:?}"),
    }
    assert_eq!(w.mailer.sent().len(), 1, "a refused resend sends nothing");
    w.clock.advance(Duration::from_secs(40));
    let again = resend(&w.deps, &w.notifier, &auth, inv.id).await.unwrap();
    assert_eq!((again.status, again.send_count), (Status::Pending, 2));
    let second = w.newest_token("ada@example.com");
    assert_ne!(first, second, "each email has its own token");
    assert_eq!(w.stored(&inv).await.token_hash, second, "only the newest link works");
}

#[tokio::test]
async fn resend_of_a_closed_or_expired_invitation_is_refused() {
    let w = world();
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    cancel(&w.deps, &auth, inv.id).await.unwrap();
    let err = resend(&w.deps, &w.notifier, &auth, inv.id).await.unwrap_err();
    assert!(matches!(err, ResendError::InvalidState(Status::Cancelled)), "{err}");
    let old = w.invited(&auth, "bo@example.com").await;
    w.clock.advance(w.deps.policy.invitation_ttl + HOUR);
    let err = resend(&w.deps, &w.notifier, &auth, old.id).await.unwrap_err();
    assert!(matches!(err, ResendError::InvalidState(Status::Expired)), "{err}");
    assert!(matches!(resend(&w.deps, &w.notifier, &auth, InvitationId::new()).await, Err(ResendError::NotFound)));
}

#[tokio::test]
async fn resend_to_an_undeliverable_address_is_refused_and_a_transient_bounce_is_not() {
    use crate::domain::{Delivery, DeliveryStatus};
    let w = world();
    let auth = owner_of("acme");
    for (address, undeliverable) in [("hard@example.com", true), ("soft@example.com", false)] {
        let inv = w.invited(&auth, address).await;
        let report =
            Delivery { status: DeliveryStatus::Bounced, at: w.deps.clock.now(), detail: None, send: 1, undeliverable };
        let recorded =
            crate::service::delivery::record(&w.deps, &inv.account_id, inv.id, report).await.unwrap().recorded;
        assert_eq!(recorded, crate::service::delivery::Recorded::Recorded);
        w.clock.advance(Duration::from_secs(120));
        match (undeliverable, resend(&w.deps, &w.notifier, &auth, inv.id).await) {
            (true, Err(ResendError::Undeliverable(DeliveryStatus::Bounced))) => {}
            (false, Ok(resent)) => assert_eq!(resent.send_count, 2),
            (_, other) => panic!("{address}: {other:?}"),
        }
    }
    assert_eq!(w.mailer.sent().len(), 3, "two first emails and the transient one's resend");
}

#[tokio::test]
async fn a_refused_resend_hands_the_invitation_to_the_sweep() {
    let w = world();
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    w.clock.advance(HOUR);
    w.mailer.refuse(Some(Refusal::Rejected));
    assert!(matches!(resend(&w.deps, &w.notifier, &auth, inv.id).await, Err(ResendError::Mail(_))));
    let stored = w.stored(&inv).await;
    assert_eq!(stored.status, Status::Processing);
    assert_eq!(stored.due_at, Some(w.deps.clock.now().plus(w.deps.policy.processing_timeout)));
}

#[tokio::test]
async fn the_sweep_resends_stale_retries_stuck_fails_capped_and_expires_old() {
    let w = world();
    let auth = owner_of("acme");
    let stale = w.invited(&auth, "stale@example.com").await;
    w.mailer.refuse(Some(Refusal::Unavailable));
    let stuck = w.invited(&auth, "stuck@example.com").await;
    w.mailer.refuse(None);

    w.clock.advance(w.deps.policy.resend_after);
    let s = sweep(&w.deps, &w.notifier, None).await.unwrap();
    assert_eq!((s.resent, s.retried, s.expired, s.failed, s.complete), (1, 1, 0, 0, true), "{s:?}");
    assert_eq!(w.stored(&stale).await.send_count, 2);
    assert_eq!(w.stored(&stuck).await.status, Status::Pending);
    let nothing = sweep(&w.deps, &w.notifier, None).await.unwrap();
    assert_eq!((nothing.resent, nothing.retried), (0, 0), "nothing is due twice");

    // A stuck invitation whose every attempt is refused fails after MAX_SENDS attempts.
    w.mailer.refuse(Some(Refusal::Rejected));
    let doomed = w.invited(&auth, "doomed@example.com").await;
    for _ in 1..w.deps.policy.max_sends {
        w.clock.advance(w.deps.policy.processing_timeout);
        sweep(&w.deps, &w.notifier, None).await.unwrap();
    }
    w.clock.advance(w.deps.policy.processing_timeout);
    let s = sweep(&w.deps, &w.notifier, None).await.unwrap();
    assert_eq!(s.failed, 1, "{s:?}");
    assert_eq!(w.stored(&doomed).await.status, Status::Failed);

    w.mailer.refuse(None);
    w.clock.advance(w.deps.policy.invitation_ttl);
    let s = sweep(&w.deps, &w.notifier, None).await.unwrap();
    assert_eq!(s.expired, 2, "{s:?}");
    assert_eq!(w.stored(&stale).await.status, Status::Expired);
}

#[tokio::test]
async fn paging_returns_every_invitation_once_and_cursors_stay_with_their_filter() {
    let w = world();
    let auth = owner_of("acme");
    let mut made = Vec::new();
    for i in 0..7 {
        made.push(w.invited(&auth, &format!("p{i}@example.com")).await.id);
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let params = ListParams { limit: 3, cursor: cursor.take(), ..Default::default() };
        let page = list(&w.deps, &auth, params).await.unwrap();
        seen.extend(page.invitations.iter().map(|i| i.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen, made, "newest first, each once");
    let first = list(&w.deps, &auth, ListParams { limit: 3, ..Default::default() }).await.unwrap();
    let filtered =
        ListParams { limit: 3, statuses: Some(vec![Status::Pending]), cursor: first.next_cursor, ..Default::default() };
    assert!(matches!(list(&w.deps, &auth, filtered).await, Err(ListError::InvalidCursor)));
    let elsewhere = list(&w.deps, &owner_of("globex"), ListParams { limit: 100, ..Default::default() }).await.unwrap();
    assert!(elsewhere.invitations.is_empty(), "accounts see only their own");
}
