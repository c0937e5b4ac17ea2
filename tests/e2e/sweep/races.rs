//! The sweep racing cancels, manual resends and another sweep: each email goes out at most once, and a
//! cancel never waits for a send.
use super::{app, invited, HOUR};
use futures::future::join_all;
use invitations::domain::Status;
use std::time::Duration;

#[tokio::test]
async fn two_sweeps_at_once_send_each_email_once() {
    let w = app().await;
    let emails: Vec<String> = (0..10).map(|i| format!("twice{i}@x.io")).collect();
    invited(&w, &emails.join(" ")).await;
    w.backend.clock.advance(72 * HOUR);
    let (a, b) = tokio::join!(w.sweep(), w.sweep());
    assert_eq!(a.resent + b.resent, 10, "{a:?} {b:?}");
    assert_eq!(w.backend.ses.sent().await.len(), 20, "10 invitations, then 10 resends, none twice");
}

#[tokio::test]
async fn a_cancel_racing_the_sweep_wins_at_once_and_each_email_goes_out_at_most_once() {
    let w = &app().await;
    let mail = &w.backend.mail;
    let emails: Vec<String> = (0..12).map(|i| format!("racer{i}@x.io")).collect();
    let invs = invited(w, &emails.join(" ")).await;
    w.backend.clock.advance(72 * HOUR);
    mail.forget();
    // The sweep's sends are held at the mailer's door: the cancels come while some are in flight (claimed,
    // not yet sent) and the others not yet claimed, the sweep handling at most 8 at once.
    mail.hold();
    let cancels = async {
        mail.until_holding(1).await;
        let cancels = join_all(invs.iter().map(|inv| async move { w.cancel(&inv.id.to_string()).await })).await;
        // Every cancel answered while a send was still held: none waited for a send in flight.
        mail.release();
        cancels
    };
    let limit = Duration::from_secs(120);
    let (cancels, summary) = tokio::time::timeout(limit, async { tokio::join!(cancels, w.sweep()) })
        .await
        .expect("the sweep and the cancels end");
    for (inv, cancel) in invs.iter().zip(&cancels) {
        assert_eq!(cancel.status, 200, "{}: a cancel of a pending invitation always succeeds", inv.email.as_str());
        assert!(mail.accepted_to(inv.email.as_str()) <= 1, "{}: sent twice", inv.email.as_str());
    }
    assert!(summary.resent >= 1 && (summary.resent as usize) < invs.len(), "claims before and after: {summary:?}");
    assert_eq!(mail.accepted().len(), summary.resent as usize, "an email exactly for each claim the sweep won");
    for inv in &invs {
        let after = w.stored(inv.id).await;
        assert_eq!((after.status, after.due_at), (Status::Cancelled, None));
    }
}

#[tokio::test]
async fn a_manual_resend_racing_the_sweep_sends_once() {
    let w = app().await;
    let inv = invited(&w, "manual@x.io").await.remove(0);
    w.backend.clock.advance(72 * HOUR);
    let id = inv.id.to_string();
    let (manual, swept) = tokio::join!(w.resend(&id), w.sweep());
    let sends = (manual.status == 200) as u32 + swept.resent;
    assert_eq!(sends, 1, "one of them sends: {} {} {swept:?}", manual.status, manual.body);
    assert_eq!(w.backend.ses.sent().await.len(), 2);
    assert_eq!(w.stored(inv.id).await.send_count, 2);
}

#[tokio::test]
async fn cancel_and_manual_resend_racing_end_as_if_one_came_second() {
    let w = &app().await;
    let mail = &w.backend.mail;
    let emails: Vec<String> = (0..4).map(|i| format!("both{i}@x.io")).collect();
    let invs = invited(w, &emails.join(" ")).await;
    w.backend.clock.advance(Duration::from_secs(61));
    mail.forget();
    let (first, second) = invs.split_at(2);
    // Resends that come first: written, their emails held in flight while the cancels come and go.
    mail.hold();
    let resends = join_all(first.iter().map(|inv| async move { w.resend(&inv.id.to_string()).await }));
    let cancels = async {
        mail.until_holding(first.len()).await;
        let cancels = join_all(first.iter().map(|inv| async move { w.cancel(&inv.id.to_string()).await })).await;
        mail.release();
        cancels
    };
    let (resent, cancelled) = tokio::join!(resends, cancels);
    // Resends that come second: after their cancels.
    let mut later = Vec::new();
    for inv in second {
        let cancel = w.cancel(&inv.id.to_string()).await;
        later.push((w.resend(&inv.id.to_string()).await, cancel));
    }
    let outcomes = resent
        .into_iter()
        .zip(cancelled)
        .map(|(r, c)| (r, c, true))
        .chain(later.into_iter().map(|(r, c)| (r, c, false)));
    for (inv, (resent, cancelled, came_first)) in invs.iter().zip(outcomes) {
        let email = inv.email.as_str();
        assert_eq!(cancelled.status, 200, "{email}: a cancel of an open invitation succeeds: {}", cancelled.body);
        if came_first {
            let shown = (resent.status, resent.body["status"].as_str(), resent.body["send_count"].as_u64());
            assert_eq!(shown, (200, Some("pending"), Some(2)), "{email}: {}", resent.body);
        } else {
            assert_eq!((resent.status, resent.body["error"]["code"].as_str()), (409, Some("invalid_state")), "{email}");
            assert!(resent.body["error"]["message"].as_str().unwrap().contains("cancelled"), "{}", resent.body);
        }
        assert_eq!(mail.accepted_to(email), came_first as usize, "{email}: an email exactly when the resend won");
        assert_eq!(w.stored(inv.id).await.status, Status::Cancelled);
    }
}
