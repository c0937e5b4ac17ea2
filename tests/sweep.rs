//! The scheduled sweep against DynamoDB Local and moto, with a clock the tests move.
use async_trait::async_trait;
use e2e::{claims, sdk, unique, Backend, ManualClock, Options, Ses};
use futures::future::join_all;
use futures::StreamExt;
use invitations::config::Policy;
use invitations::domain::invitees::parse_invitees;
use invitations::domain::{Access, Caller, InvitationId, Status, Timestamp};
use invitations::mail::{MailError, Mailer, OutgoingEmail, SesMailer};
use invitations::service::sweep::{sweep, Summary, CLAIM_MARGIN};
use invitations::service::{cancel, invite, resend, Deps, Sender};
use invitations::store::{Invitation, ListQuery};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// The real SES mailer, slowed down when a test wants sends in flight, with the moment each accepted
/// send returned.
struct Recording {
    inner: SesMailer,
    delay: Mutex<Duration>,
    accepted: Mutex<Vec<(String, Instant)>>,
}

#[async_trait]
impl Mailer for Recording {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        let delay = *self.delay.lock().unwrap();
        tokio::time::sleep(delay).await;
        self.inner.send(email).await?;
        self.accepted.lock().unwrap().push((email.to.as_str().to_owned(), Instant::now()));
        Ok(())
    }
}

struct World {
    deps: Deps,
    sender: Sender,
    mail: Arc<Recording>,
    ses: Ses,
    clock: Arc<ManualClock>,
    caller: Caller,
}

const HOUR: Duration = Duration::from_secs(3600);

async fn world_with(ses: Ses) -> World {
    let policy = Policy {
        invitation_ttl: 10 * 24 * HOUR,
        resend_after: 72 * HOUR,
        max_sends: 3,
        resend_min_interval: Duration::from_secs(60),
        processing_timeout: Duration::from_secs(300),
    };
    let recording = Arc::new(std::sync::OnceLock::new());
    let slot = recording.clone();
    let wrap = move |inner: SesMailer| -> Arc<dyn Mailer> {
        let mail = Arc::new(Recording { inner, delay: Mutex::default(), accepted: Mutex::default() });
        let _ = slot.set(mail.clone());
        mail
    };
    let options =
        Options { ses: Some(ses), policy: Some(policy), wrap_mailer: Some(Box::new(wrap)), ..Default::default() };
    let b = Backend::with(options).await;
    let mail = recording.get().expect("the mailer was wrapped").clone();
    let account = unique("acct");
    let claims = claims(&account, "owner");
    let claims = claims.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect();
    World {
        deps: b.deps,
        sender: b.sender,
        mail,
        ses: b.ses,
        clock: b.clock,
        caller: Caller::from_claims(&claims).unwrap(),
    }
}

async fn world() -> World {
    world_with(Ses::new(&sdk().await).await).await
}

impl World {
    fn account(&self) -> &str {
        self.caller.account_id.as_str()
    }

    async fn invite(&self, emails: &str) -> Vec<Invitation> {
        let invitees = parse_invitees(&json!(emails)).unwrap();
        let access = Access::parse(json!({"infrastructure": {"permissions": "basic_user"}})).unwrap();
        let results =
            invite::invite(&self.deps, &self.sender, &self.caller, self.account(), invitees, access).await.unwrap();
        results
            .into_iter()
            .map(|r| match r.outcome {
                invite::Outcome::Invited(i) => i,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    async fn get(&self, id: InvitationId) -> Invitation {
        let q = ListQuery { limit: 100, ..Default::default() };
        let page = self.deps.store.list(&self.caller.account_id, &q).await.unwrap();
        page.items.into_iter().find(|i| i.id == id).unwrap()
    }

    async fn sweep(&self) -> Summary {
        sweep(&self.deps, &self.sender, None).await.unwrap()
    }
}

fn counts(s: &Summary) -> (u32, u32, u32, u32) {
    (s.resent, s.expired, s.failed, s.retried)
}

#[tokio::test]
async fn stale_pending_invitations_are_resent_with_a_new_token_up_to_max_sends() {
    let w = world().await;
    let inv = w.invite("stale@x.io").await.remove(0);
    assert_eq!(counts(&w.sweep().await), (0, 0, 0, 0), "nothing is due yet");
    w.clock.advance(71 * HOUR);
    assert_eq!(counts(&w.sweep().await), (0, 0, 0, 0), "not stale before RESEND_AFTER");
    w.clock.advance(HOUR);
    assert_eq!(counts(&w.sweep().await), (1, 0, 0, 0));
    let after = w.get(inv.id).await;
    assert_eq!((after.status, after.send_count), (Status::Pending, 2));
    assert_ne!(after.token_hash, inv.token_hash, "a new token");
    let mail = w.ses.sent().await;
    assert_eq!(mail.len(), 2);
    assert_eq!(invitations::domain::TokenHash::of(&mail[1].link().1), after.token_hash);

    w.clock.advance(72 * HOUR);
    assert_eq!(counts(&w.sweep().await), (1, 0, 0, 0));
    assert_eq!(w.get(inv.id).await.send_count, 3);
    w.clock.advance(72 * HOUR);
    let capped = w.sweep().await;
    assert_eq!(counts(&capped), (0, 0, 0, 0), "MAX_SENDS reached");
    assert_eq!(w.ses.sent().await.len(), 3);
    // The capped invitation now waits for its expiry, not for every run.
    assert_eq!(w.sweep().await.read, 0);
}

#[tokio::test]
async fn old_invitations_expire() {
    let w = world().await;
    let invs = w.invite("old1@x.io old2@x.io").await;
    w.clock.advance(10 * 24 * HOUR);
    let s = w.sweep().await;
    assert_eq!(counts(&s).1, 2, "{s:?}");
    for inv in invs {
        assert_eq!(w.get(inv.id).await.status, Status::Expired);
    }
    assert_eq!(w.ses.sent().await.len(), 2, "no email for an expiring invitation");
    assert_eq!(w.sweep().await.read, 0, "closed invitations leave the due index");
}

#[tokio::test]
async fn stuck_processing_is_retried_then_failed() {
    // SES refuses everything from this sender: every attempt fails.
    let w = world_with(Ses::unverified()).await;
    let inv = w.invite("stuck@x.io").await.remove(0);
    assert_eq!((inv.status, inv.send_count), (Status::Processing, 1));
    w.clock.advance(Duration::from_secs(301));
    assert_eq!(counts(&w.sweep().await), (0, 0, 0, 0), "the retry was refused too");
    assert_eq!(w.get(inv.id).await.send_count, 2);
    w.clock.advance(Duration::from_secs(301));
    w.sweep().await;
    assert_eq!(w.get(inv.id).await.send_count, 3);
    w.clock.advance(Duration::from_secs(301));
    assert_eq!(counts(&w.sweep().await), (0, 0, 1, 0), "MAX_SENDS attempts failed");
    assert_eq!(w.get(inv.id).await.status, Status::Failed);
    // And a failed address can be invited again.
    let again = invite::invite(
        &w.deps,
        &w.sender,
        &w.caller,
        w.account(),
        parse_invitees(&json!("stuck@x.io")).unwrap(),
        Access::parse(json!({"infrastructure": {"permissions": "basic_user"}})).unwrap(),
    )
    .await
    .unwrap();
    assert!(matches!(again[0].outcome, invite::Outcome::Invited(_)));
}

#[tokio::test]
async fn a_stuck_invitation_is_sent_once_ses_accepts() {
    let sdk = sdk().await;
    let ses = Ses::new(&sdk).await;
    let w = world_with(ses).await;
    // Stored but never sent, as after a crash between the write and the send.
    let mut inv = w.invite("crash@x.io").await.remove(0);
    let (e, c) = invitations::rules::unsent(inv.token_hash.clone(), w.clock.now_for_tests(), &w.deps.policy);
    w.deps.store.update(&inv.account_id, inv.id, &e, &c).await.unwrap();
    inv = w.get(inv.id).await;
    assert_eq!(inv.status, Status::Processing);
    w.clock.advance(Duration::from_secs(301));
    assert_eq!(counts(&w.sweep().await), (0, 0, 0, 1));
    let after = w.get(inv.id).await;
    assert_eq!((after.status, after.send_count), (Status::Pending, 2));
    assert_eq!(after.due_at, after.last_sent_at.map(|t| t.plus(72 * HOUR)), "next due for a stale resend");
}

#[tokio::test]
async fn two_sweeps_at_once_send_each_email_once() {
    let w = world().await;
    let emails: Vec<String> = (0..10).map(|i| format!("twice{i}@x.io")).collect();
    w.invite(&emails.join(" ")).await;
    w.clock.advance(72 * HOUR);
    let (a, b) = tokio::join!(w.sweep(), w.sweep());
    assert_eq!(a.resent + b.resent, 10, "{a:?} {b:?}");
    assert_eq!(w.ses.sent().await.len(), 20, "10 invitations, then 10 resends, none twice");
}

#[tokio::test]
async fn a_cancel_racing_the_sweep_wins_at_once_and_each_email_goes_out_at_most_once() {
    // Rounds repeat (at most 5) until cancels land both before the sweep's claims and during its sends,
    // so a slow machine cannot make the test vacuous.
    for round in 0..5 {
        let w = world().await;
        let emails: Vec<String> = (0..12).map(|i| format!("racer{i}@x.io")).collect();
        let invs = w.invite(&emails.join(" ")).await;
        w.clock.advance(72 * HOUR);
        w.mail.accepted.lock().unwrap().clear();
        let delay = Duration::from_millis(500);
        *w.mail.delay.lock().unwrap() = delay;
        let w = &w;
        let cancels = join_all(invs.iter().enumerate().map(|(i, inv)| async move {
            tokio::time::sleep(Duration::from_millis(25 * i as u64)).await;
            let started = Instant::now();
            let r = cancel::cancel(&w.deps, &w.caller, w.account(), Some(inv.id)).await;
            (inv.email.as_str().to_owned(), r.is_ok(), started.elapsed())
        }));
        let (cancels, summary) = tokio::join!(cancels, w.sweep());
        let accepted = w.mail.accepted.lock().unwrap().clone();
        for (email, ok, took) in &cancels {
            assert!(ok, "{email}: a cancel of a pending invitation always succeeds");
            assert!(*took < delay, "{email}: a cancel does not wait for a send in flight ({took:?})");
            assert!(accepted.iter().filter(|(to, _)| to == email).count() <= 1, "{email}: sent twice");
        }
        assert_eq!(accepted.len(), summary.resent as usize, "an email exactly for each claim the sweep won");
        for inv in &invs {
            let after = w.get(inv.id).await;
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
    let w = world().await;
    let inv = w.invite("manual@x.io").await.remove(0);
    w.clock.advance(72 * HOUR);
    let (manual, swept) =
        tokio::join!(resend::resend(&w.deps, &w.sender, &w.caller, w.account(), Some(inv.id)), w.sweep());
    let sends = manual.is_ok() as u32 + swept.resent;
    assert_eq!(sends, 1, "one of them sends: {manual:?} {swept:?}");
    assert_eq!(w.ses.sent().await.len(), 2);
    assert_eq!(w.get(inv.id).await.send_count, 2);
}

#[tokio::test]
async fn the_sweep_reads_only_due_invitations() {
    let w = world().await;
    let now = w.clock.now_for_tests();
    let access = Access::parse(json!({"infrastructure": {"permissions": "basic_user"}})).unwrap();
    let make = |i: usize, due: Timestamp| {
        let mut inv = Invitation {
            id: InvitationId::new(),
            account_id: w.caller.account_id.clone(),
            email: invitations::domain::Email::parse(&format!("bulk{i}@x.io")).unwrap(),
            status: Status::Pending,
            access: access.clone(),
            invited_by: "u".into(),
            inviter_email: None,
            created_at: now,
            updated_at: now,
            last_sent_at: Some(now),
            send_count: 1,
            expires_at: now.plus(10 * 24 * HOUR),
            token_hash: invitations::domain::Token::generate().hash(),
            due_at: Some(due),
        };
        if due <= now {
            inv.last_sent_at = Some(now.minus(73 * HOUR));
        }
        inv
    };
    let all: Vec<Invitation> =
        (0..2000).map(|i| make(i, if i % 200 == 7 { now.minus(HOUR) } else { now.plus(72 * HOUR) })).collect();
    futures::stream::iter(all.iter())
        .for_each_concurrent(16, |inv| async {
            w.deps.store.create(inv).await.unwrap();
        })
        .await;
    let s = w.sweep().await;
    assert_eq!((s.resent, s.read), (10, 10), "of 2,000 invitations only the 10 due ones are read: {s:?}");
    assert!(s.complete);
}

#[tokio::test]
async fn a_sweep_short_of_time_stops_and_the_next_run_continues() {
    let w = world().await;
    w.invite("later1@x.io later2@x.io").await;
    w.clock.advance(72 * HOUR);
    let out_of_time = sweep(&w.deps, &w.sender, Some(Instant::now() + Duration::from_secs(5))).await.unwrap();
    assert_eq!((out_of_time.read, out_of_time.complete), (0, false));
    let next = w.sweep().await;
    assert_eq!((next.resent, next.complete), (2, true));
}

#[tokio::test]
async fn a_sweep_claims_nothing_it_could_not_send_before_the_deadline() {
    let w = world().await;
    let emails: Vec<String> = (0..20).map(|i| format!("margin{i}@x.io")).collect();
    let invs = w.invite(&emails.join(" ")).await;
    w.clock.advance(72 * HOUR);
    w.mail.accepted.lock().unwrap().clear();
    *w.mail.delay.lock().unwrap() = Duration::from_millis(700);
    // Time for the first sends to start, not for all: later claims would run past the margin.
    let deadline = Instant::now() + CLAIM_MARGIN + Duration::from_secs(1);
    let first = sweep(&w.deps, &w.sender, Some(deadline)).await.unwrap();
    assert!(first.resent > 0 && first.resent < 20 && !first.complete, "{first:?}");
    assert_eq!(w.mail.accepted.lock().unwrap().len(), first.resent as usize, "every claim's email went out");
    *w.mail.delay.lock().unwrap() = Duration::ZERO;
    let next = w.sweep().await;
    assert_eq!((first.resent + next.resent, next.complete), (20, true), "{next:?}");
    for inv in &invs {
        assert_eq!(w.get(inv.id).await.send_count, 2, "each resent exactly once");
    }
}

#[tokio::test]
async fn cancel_and_manual_resend_racing_end_as_if_one_came_second() {
    let w = world().await;
    let emails: Vec<String> = (0..8).map(|i| format!("both{i}@x.io")).collect();
    let invs = w.invite(&emails.join(" ")).await;
    w.clock.advance(Duration::from_secs(61));
    w.mail.accepted.lock().unwrap().clear();
    *w.mail.delay.lock().unwrap() = Duration::from_millis(100);
    let w = &w;
    let races = join_all(invs.iter().enumerate().map(|(i, inv)| async move {
        let resend = async {
            tokio::time::sleep(Duration::from_millis(15 * (i as u64 % 4))).await;
            resend::resend(&w.deps, &w.sender, &w.caller, w.account(), Some(inv.id)).await
        };
        let cancel = async {
            tokio::time::sleep(Duration::from_millis(15 * (i as u64 / 2))).await;
            cancel::cancel(&w.deps, &w.caller, w.account(), Some(inv.id)).await
        };
        let (resent, cancelled) = tokio::join!(resend, cancel);
        (inv.email.as_str().to_owned(), resent, cancelled)
    }))
    .await;
    let accepted = w.mail.accepted.lock().unwrap().clone();
    let mut outcomes = std::collections::HashSet::new();
    for (email, resent, cancelled) in races {
        assert!(cancelled.is_ok(), "{email}: a cancel of an open invitation succeeds: {cancelled:?}");
        // The resend either came first (200, its email goes out) or second (409: it is cancelled).
        match &resent {
            Ok(inv) => assert_eq!((inv.status, inv.send_count), (Status::Pending, 2)),
            Err(resend::ResendError::InvalidState(Status::Cancelled)) => {}
            Err(e) => panic!("{email}: {e:?}"),
        }
        let sends = accepted.iter().filter(|(to, _)| *to == email).count();
        assert_eq!(sends, resent.is_ok() as usize, "{email}: an email exactly when the resend answered 200");
        outcomes.insert(resent.is_ok());
    }
    for inv in &invs {
        assert_eq!(w.get(inv.id).await.status, Status::Cancelled);
    }
    eprintln!("resend outcomes seen (true = came first): {outcomes:?}");
}
