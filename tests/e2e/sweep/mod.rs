//! The scheduled sweep against DynamoDB Local and moto, with a clock the tests move.
mod races;

use e2e::{access_infra, sent_invitation, App, Options, Ses};
use futures::StreamExt;
use invitations::domain::{Invitation, InvitationId, Status, Token, TokenHash};
use invitations::ports::clock::Clock;
use invitations::rules::Policy;
use invitations::service::claim::claim_margin;
use invitations::service::sweep::{sweep, Summary};
use serde_json::json;
use std::time::Duration;
use tokio::time::Instant;

const HOUR: Duration = Duration::from_secs(3600);

/// The default rules but a ten-day lifetime, so expiry comes before a fourth send would.
async fn app_with(ses: Option<Ses>) -> App {
    let policy = Policy {
        invitation_ttl: 10 * 24 * HOUR,
        resend_after: 72 * HOUR,
        max_sends: 3,
        resend_min_interval: Duration::from_secs(60),
        processing_timeout: Duration::from_secs(300),
        ..Policy::default()
    };
    App::with(Options { ses, policy: Some(policy), ..Default::default() }).await
}

async fn app() -> App {
    app_with(None).await
}

/// Invites the addresses through the API; every one must be new. The invitations as stored.
async fn invited(app: &App, emails: &str) -> Vec<Invitation> {
    let a = app.invite(json!({"invitees": emails, "access": access_infra()})).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let mut ids = Vec::new();
    for r in a.body["results"].as_array().unwrap() {
        assert_eq!(r["outcome"], "invited", "{r}");
        ids.push(InvitationId::parse(r["invitation"]["id"].as_str().unwrap()).unwrap());
    }
    let mut out = Vec::new();
    for id in ids {
        out.push(app.stored(id).await);
    }
    out
}

fn counts(s: &Summary) -> (u32, u32, u32, u32) {
    (s.resent, s.expired, s.failed, s.retried)
}

#[tokio::test]
async fn stale_pending_invitations_are_resent_with_a_new_token_up_to_max_sends() {
    let w = app().await;
    let (clock, ses) = (&w.backend.clock, &w.backend.ses);
    let inv = invited(&w, "stale@x.io").await.remove(0);
    assert_eq!(counts(&w.sweep().await), (0, 0, 0, 0), "nothing is due yet");
    clock.advance(71 * HOUR);
    assert_eq!(counts(&w.sweep().await), (0, 0, 0, 0), "not stale before RESEND_AFTER");
    clock.advance(HOUR);
    assert_eq!(counts(&w.sweep().await), (1, 0, 0, 0));
    let after = w.stored(inv.id).await;
    assert_eq!((after.status, after.send_count), (Status::Pending, 2));
    assert_ne!(after.token_hash, inv.token_hash, "a new token");
    let mail = ses.sent().await;
    assert_eq!(mail.len(), 2);
    assert_eq!(TokenHash::of(&mail[1].link().1), after.token_hash);

    clock.advance(72 * HOUR);
    assert_eq!(counts(&w.sweep().await), (1, 0, 0, 0));
    assert_eq!(w.stored(inv.id).await.send_count, 3);
    clock.advance(72 * HOUR);
    let capped = w.sweep().await;
    assert_eq!(counts(&capped), (0, 0, 0, 0), "MAX_SENDS reached");
    assert_eq!(ses.sent().await.len(), 3);
    // The capped invitation now waits for its expiry, not for every run.
    assert_eq!(w.sweep().await.read, 0);
}

#[tokio::test]
async fn old_invitations_expire() {
    let w = app().await;
    let invs = invited(&w, "old1@x.io old2@x.io").await;
    w.backend.clock.advance(10 * 24 * HOUR);
    let s = w.sweep().await;
    assert_eq!(counts(&s).1, 2, "{s:?}");
    for inv in invs {
        assert_eq!(w.stored(inv.id).await.status, Status::Expired);
    }
    assert_eq!(w.backend.ses.sent().await.len(), 2, "no email for an expiring invitation");
    assert_eq!(w.sweep().await.read, 0, "closed invitations leave the due index");
}

#[tokio::test]
async fn stuck_processing_is_retried_then_failed() {
    // SES refuses everything from this sender: every attempt fails.
    let w = app_with(Some(Ses::unverified())).await;
    let clock = &w.backend.clock;
    let inv = invited(&w, "stuck@x.io").await.remove(0);
    assert_eq!((inv.status, inv.send_count), (Status::Processing, 0));
    clock.advance(Duration::from_secs(301));
    assert_eq!(counts(&w.sweep().await), (0, 0, 0, 0), "the retry was refused too");
    assert_eq!(w.stored(inv.id).await.failed_attempts, 1);
    clock.advance(Duration::from_secs(301));
    w.sweep().await;
    assert_eq!(w.stored(inv.id).await.failed_attempts, 2);
    clock.advance(Duration::from_secs(301));
    assert_eq!(counts(&w.sweep().await), (0, 0, 1, 0), "MAX_SENDS attempts failed");
    assert_eq!(w.stored(inv.id).await.status, Status::Failed);
    // And a failed address can be invited again.
    let again = w.invite(json!({"invitees": "stuck@x.io", "access": access_infra()})).await;
    assert_eq!(again.body["results"][0]["outcome"], "invited", "{}", again.body);
}

#[tokio::test]
async fn a_resend_whose_function_died_before_its_email_is_sent_by_the_sweep() {
    let w = app().await;
    let deps = &w.backend.deps;
    let inv = invited(&w, "crash@x.io").await.remove(0);
    w.backend.clock.advance(Duration::from_secs(61));
    // Its claim written, its email never sent, as after a crash between the two.
    let claim = invitations::rules::resend(w.backend.clock.now(), Token::generate().hash(), &deps.policy);
    deps.store.update(&inv.account_id, inv.id, &claim).await.unwrap();
    assert_eq!(w.stored(inv.id).await.status, Status::Processing);
    w.backend.clock.advance(Duration::from_secs(301));
    assert_eq!(counts(&w.sweep().await), (0, 0, 0, 1));
    let after = w.stored(inv.id).await;
    assert_eq!((after.status, after.send_count, after.failed_attempts), (Status::Pending, 2, 0), "its email once");
    assert_eq!(w.backend.ses.sent().await.len(), 2);
    assert_eq!(after.due_at, after.last_sent_at.map(|t| t.plus(72 * HOUR)), "next due for a stale resend");
}

#[tokio::test]
async fn the_sweep_reads_only_due_invitations() {
    let w = app().await;
    let now = w.backend.clock.now();
    let make = |i: usize| {
        let email = format!("bulk{i}@x.io");
        let inv = if i % 200 == 7 {
            sent_invitation(&w.account_id(), &email, now.minus(73 * HOUR), now.minus(HOUR))
        } else {
            sent_invitation(&w.account_id(), &email, now, now.plus(72 * HOUR))
        };
        Invitation { expires_at: now.plus(10 * 24 * HOUR), ..inv }
    };
    let all: Vec<Invitation> = (0..2000).map(make).collect();
    futures::stream::iter(all.iter())
        .for_each_concurrent(16, |inv| async {
            w.backend.deps.store.create(inv).await.unwrap();
        })
        .await;
    let s = w.sweep().await;
    assert_eq!((s.resent, s.read), (10, 10), "of 2,000 invitations only the 10 due ones are read: {s:?}");
    assert!(s.complete);
}

#[tokio::test]
async fn a_sweep_short_of_time_stops_and_the_next_run_continues() {
    let w = app().await;
    invited(&w, "later1@x.io later2@x.io").await;
    w.backend.clock.advance(72 * HOUR);
    let soon = Some(Instant::now() + Duration::from_secs(5));
    let out_of_time = sweep(&w.backend.deps, &w.backend.notifier, soon).await.unwrap();
    assert_eq!((out_of_time.read, out_of_time.complete), (0, false));
    let next = w.sweep().await;
    assert_eq!((next.resent, next.complete), (2, true));
}

#[tokio::test]
async fn a_sweep_claims_nothing_it_could_not_send_before_the_deadline() {
    let w = app().await;
    let mail = &w.backend.mail;
    let emails: Vec<String> = (0..20).map(|i| format!("margin{i}@x.io")).collect();
    let invs = invited(&w, &emails.join(" ")).await;
    w.backend.clock.advance(72 * HOUR);
    mail.forget();
    mail.set_delay(Duration::from_millis(700));
    // Time for the first sends to start, not for all: later claims would run past the margin.
    let deadline = Instant::now() + claim_margin(&w.backend.deps, &w.backend.notifier) + Duration::from_secs(1);
    let first = sweep(&w.backend.deps, &w.backend.notifier, Some(deadline)).await.unwrap();
    assert!(first.resent > 0 && first.resent < 20 && !first.complete, "{first:?}");
    assert_eq!(mail.accepted().len(), first.resent as usize, "every claim's email went out");
    mail.set_delay(Duration::ZERO);
    let next = w.sweep().await;
    assert_eq!((first.resent + next.resent, next.complete), (20, true), "{next:?}");
    for inv in &invs {
        assert_eq!(w.stored(inv.id).await.send_count, 2, "each resent exactly once");
    }
}
