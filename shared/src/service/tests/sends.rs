//! What `send_count` and `MAX_SENDS` mean: emails accepted, capped for every kind of send, and `failed`
//! only once `MAX_SENDS` attempts in a row were refused.
use super::*;
use crate::adapters::recording::Refusal;
use crate::domain::Status;
use crate::service::resend::{resend, ResendError};
use crate::service::sweep::sweep;
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_delivered_invitation_whose_last_email_is_refused_once_is_retried_not_failed() {
    let w = world();
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    w.clock.advance(w.deps.policy.resend_after);
    assert_eq!(sweep(&w.deps, &w.notifier, None).await.unwrap().resent, 1);
    w.clock.advance(w.deps.policy.resend_after);
    w.mailer.refuse(Some(Refusal::Rejected));
    sweep(&w.deps, &w.notifier, None).await.unwrap();
    assert_eq!(w.stored(&inv).await.send_count, 2, "a refused email is not counted as sent");
    w.mailer.refuse(None);
    w.clock.advance(w.deps.policy.processing_timeout);
    let s = sweep(&w.deps, &w.notifier, None).await.unwrap();
    assert_eq!((s.retried, s.failed), (1, 0), "{s:?}");
    let stored = w.stored(&inv).await;
    assert_eq!((stored.status, stored.send_count), (Status::Pending, 3));
    assert_eq!(stored.token_hash, w.newest_token("ada@example.com"), "the newest link works");
    assert_eq!(w.mailer.sent().len(), 3);
}

#[tokio::test]
async fn failed_means_max_sends_attempts_in_a_row_were_refused() {
    let w = world();
    let auth = owner_of("acme");
    w.mailer.refuse(Some(Refusal::Rejected));
    let inv = w.invited(&auth, "ada@example.com").await;
    let max = w.deps.policy.max_sends as usize;
    for attempt in 1..max {
        w.clock.advance(w.deps.policy.processing_timeout);
        let s = sweep(&w.deps, &w.notifier, None).await.unwrap();
        assert_eq!(s.failed, 0, "after {attempt} refused attempts: {s:?}");
    }
    assert_eq!(w.mailer.refused(), max);
    w.clock.advance(w.deps.policy.processing_timeout);
    assert_eq!(sweep(&w.deps, &w.notifier, None).await.unwrap().failed, 1);
    let stored = w.stored(&inv).await;
    assert_eq!((stored.status, stored.send_count, stored.failed_attempts), (Status::Failed, 0, max as u32));
    assert_eq!(w.mailer.refused(), max, "no attempt after the last");
}

#[tokio::test]
async fn manual_resends_stop_at_max_sends_with_a_conflict_that_says_so() {
    let w = world();
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    for _ in 1..w.deps.policy.max_sends {
        w.clock.advance(MINUTE);
        resend(&w.deps, &w.notifier, &auth, inv.id).await.unwrap();
    }
    let before = w.stored(&inv).await;
    w.clock.advance(MINUTE);
    match resend(&w.deps, &w.notifier, &auth, inv.id).await {
        Err(ResendError::LimitReached { sends }) => assert_eq!(sends, w.deps.policy.max_sends),
        other => panic!("{other:?}"),
    }
    assert_eq!(w.mailer.sent().len(), w.deps.policy.max_sends as usize, "no email past the cap");
    assert_eq!(w.stored(&inv).await, before, "a refused resend changes nothing");
}

#[tokio::test]
async fn a_refused_manual_resend_is_retried_by_the_sweep_even_as_the_last_allowed_email() {
    let w = world();
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    for _ in 2..w.deps.policy.max_sends {
        w.clock.advance(MINUTE);
        resend(&w.deps, &w.notifier, &auth, inv.id).await.unwrap();
    }
    w.clock.advance(MINUTE);
    w.mailer.refuse(Some(Refusal::Unavailable));
    match resend(&w.deps, &w.notifier, &auth, inv.id).await {
        Err(ResendError::Mail(_)) => {}
        other => panic!("{other:?}"),
    }
    w.mailer.refuse(None);
    w.clock.advance(w.deps.policy.processing_timeout);
    let s = sweep(&w.deps, &w.notifier, None).await.unwrap();
    assert_eq!((s.retried, s.failed), (1, 0), "the answer said it would be retried: {s:?}");
    let stored = w.stored(&inv).await;
    assert_eq!((stored.status, stored.send_count), (Status::Pending, w.deps.policy.max_sends));
}

#[tokio::test(start_paused = true)]
async fn a_resend_while_another_is_sending_waits_its_turn_like_one_just_sent() {
    // A double click: the first resend has claimed the invitation (`processing` while its email goes
    // out), so the second is told when it may come, as it would be a moment later, not "processing".
    let mut w = world();
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    w.clock.advance(MINUTE);
    w.notifier.mailer = Arc::new(super::slow::SlowMailer(w.mailer.clone(), Duration::from_secs(2)));
    let second = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        resend(&w.deps, &w.notifier, &auth, inv.id).await
    };
    let (first, second) = tokio::join!(resend(&w.deps, &w.notifier, &auth, inv.id), second);
    assert_eq!(first.unwrap().send_count, 2);
    match second {
        Err(ResendError::TooSoon { retry_after }) => assert_eq!(retry_after, MINUTE),
        other => panic!("{other:?}"),
    }
    assert_eq!(w.mailer.sent().len(), 2, "the invitation's email and one resend");
}
