//! The sweep racing cancels, manual resends and another sweep: each email goes out at most once, and a
//! cancel never waits for a send.
use super::{app, invited, HOUR};
use futures::future::join_all;
use invitations::domain::Status;
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::time::Instant;

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
    // Rounds repeat (at most 5) until cancels land both before the sweep's claims and during its sends,
    // so a slow machine cannot make the test vacuous.
    for round in 0..5 {
        let w = app().await;
        let mail = &w.backend.mail;
        let emails: Vec<String> = (0..12).map(|i| format!("racer{i}@x.io")).collect();
        let invs = invited(&w, &emails.join(" ")).await;
        w.backend.clock.advance(72 * HOUR);
        mail.forget();
        let delay = Duration::from_millis(500);
        mail.set_delay(delay);
        let w = &w;
        let cancels = join_all(invs.iter().enumerate().map(|(i, inv)| async move {
            tokio::time::sleep(Duration::from_millis(25 * i as u64)).await;
            let started = Instant::now();
            let a = w.cancel(&inv.id.to_string()).await;
            (inv.email.as_str().to_owned(), a.status, started.elapsed())
        }));
        let (cancels, summary) = tokio::join!(cancels, w.sweep());
        for (email, status, took) in &cancels {
            assert_eq!(*status, 200, "{email}: a cancel of a pending invitation always succeeds");
            assert!(*took < delay, "{email}: a cancel does not wait for a send in flight ({took:?})");
            assert!(mail.accepted_to(email) <= 1, "{email}: sent twice");
        }
        assert_eq!(mail.accepted().len(), summary.resent as usize, "an email exactly for each claim the sweep won");
        for inv in &invs {
            let after = w.stored(inv.id).await;
            assert_eq!((after.status, after.due_at), (Status::Cancelled, None));
        }
        if summary.resent > 0 && (summary.resent as usize) < invs.len() {
            return;
        }
        eprintln!("round {round}: no overlap ({summary:?}); again");
    }
    panic!("in 5 rounds the cancels never overlapped the sweep's sends");
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
    // The starts are staggered so that some resends claim before their cancel and some after. Rounds
    // repeat (at most 5) until both orders were seen, so a slow machine cannot make the test vacuous.
    let mut orders = BTreeSet::new();
    for round in 0..5 {
        let w = app().await;
        let mail = &w.backend.mail;
        let emails: Vec<String> = (0..8).map(|i| format!("both{i}@x.io")).collect();
        let invs = invited(&w, &emails.join(" ")).await;
        w.backend.clock.advance(Duration::from_secs(61));
        mail.forget();
        mail.set_delay(Duration::from_millis(100));
        let w = &w;
        let races = join_all(invs.iter().enumerate().map(|(i, inv)| async move {
            let id = inv.id.to_string();
            let resend = async {
                tokio::time::sleep(Duration::from_millis(15 * (i as u64 % 4))).await;
                w.resend(&id).await
            };
            let cancel = async {
                tokio::time::sleep(Duration::from_millis(15 * (i as u64 / 2))).await;
                w.cancel(&id).await
            };
            let (resent, cancelled) = tokio::join!(resend, cancel);
            (inv.email.as_str().to_owned(), resent, cancelled)
        }))
        .await;
        for (email, resent, cancelled) in races {
            assert_eq!(cancelled.status, 200, "{email}: a cancel of an open invitation succeeds: {}", cancelled.body);
            // The resend either came first (200, its email goes out) or second (409: it is cancelled).
            match resent.status {
                200 => {
                    let shown = (resent.body["status"].as_str(), resent.body["send_count"].as_u64());
                    assert_eq!(shown, (Some("pending"), Some(2)), "{email}: {}", resent.body);
                }
                409 => {
                    assert_eq!(resent.body["error"]["code"], "invalid_state", "{email}: {}", resent.body);
                    assert!(resent.body["error"]["message"].as_str().unwrap().contains("cancelled"), "{}", resent.body);
                }
                other => panic!("{email}: {other} {}", resent.body),
            }
            let came_first = resent.status == 200;
            assert_eq!(mail.accepted_to(&email), came_first as usize, "{email}: an email exactly when the resend won");
            orders.insert(came_first);
        }
        for inv in &invs {
            assert_eq!(w.stored(inv.id).await.status, Status::Cancelled);
        }
        if orders.len() == 2 {
            return;
        }
        eprintln!(
            "round {round}: only resends that came {} so far; again",
            if orders.contains(&true) { "first" } else { "second" }
        );
    }
    panic!("in 5 rounds the resends never both beat and lost to their cancels");
}
