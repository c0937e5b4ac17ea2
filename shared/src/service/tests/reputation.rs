//! The reputation guard: SES's reports counted per account, the pause at the limits for that account
//! alone, invites and resends refused while it lasts with nothing stored, and an owner's resume.
use super::*;
use crate::domain::{Cause, Delivery, DeliveryStatus, Invitation, Timestamp};
use crate::ports::Clock;
use crate::service::delivery::{record, Recorded};
use crate::service::invite::InviteError;
use crate::service::reputation::{resume, sending, ResumeError};
use crate::service::resend::{resend, ResendError};
use std::time::Duration;

fn report(status: DeliveryStatus, undeliverable: bool, at: Timestamp) -> Delivery {
    Delivery { status, at, detail: None, send: 1, undeliverable }
}

impl World {
    /// Invites `n` addresses of `domain` and records SES's send event for each.
    async fn sent(&self, auth: &Authorized, domain: &str, n: usize) -> Vec<Invitation> {
        let mut invs = Vec::new();
        for i in 0..n {
            let inv = self.invited(auth, &format!("p{i}@{domain}")).await;
            let done =
                record(&self.deps, &inv.account_id, inv.id, report(DeliveryStatus::Sent, false, self.clock.now()))
                    .await
                    .unwrap();
            assert_eq!((done.recorded, done.paused), (Recorded::Recorded, None));
            invs.push(inv);
        }
        invs
    }

    async fn bounce(&self, inv: &Invitation) -> Option<crate::domain::Pause> {
        let bounce = report(DeliveryStatus::Bounced, true, self.clock.now());
        record(&self.deps, &inv.account_id, inv.id, bounce).await.unwrap().paused
    }
}

#[tokio::test]
async fn one_permanent_bounce_in_twenty_pauses_that_account_and_no_other() {
    let w = world();
    let (acme, globex) = (owner_of("acme"), owner_of("globex"));
    let acme_sent = w.sent(&acme, "acme.example", 20).await;
    let globex_sent = w.sent(&globex, "globex.example", 19).await;

    // A transient bounce, a suppressed address and a delivery count for nothing.
    let soft = report(DeliveryStatus::Bounced, false, w.clock.now());
    assert_eq!(record(&w.deps, &acme_sent[1].account_id, acme_sent[1].id, soft).await.unwrap().paused, None);
    let suppressed = Delivery { send: 1, ..report(DeliveryStatus::Suppressed, true, w.clock.now()) };
    assert_eq!(record(&w.deps, &acme_sent[2].account_id, acme_sent[2].id, suppressed).await.unwrap().paused, None);
    // Globex's bounce is one in 19: too few emails to judge.
    assert_eq!(w.bounce(&globex_sent[0]).await, None);

    let pause = w.bounce(&acme_sent[0]).await.expect("5 % of 20 pauses");
    assert_eq!(
        (pause.cause, pause.rate.to_string(), pause.limit.to_string()),
        (Cause::Bounces, "5%".into(), "5%".into())
    );
    // The same report again is not counted again, and a second bounce does not pause twice.
    let again = report(DeliveryStatus::Bounced, true, w.clock.now());
    assert_eq!(
        record(&w.deps, &acme_sent[0].account_id, acme_sent[0].id, again).await.unwrap().recorded,
        Recorded::Stale
    );
    assert_eq!(w.bounce(&acme_sent[3]).await, None, "already paused");

    // Acme's invites and resends are refused, nothing stored; Globex invites as before.
    let before = w.mailer.sent().len();
    let invitees = parse_invitees(&json!("new@acme.example")).unwrap();
    match invite(&w.deps, &w.notifier, &acme, invitees, infra(), false, None).await {
        Err(InviteError::SendingPaused(p)) => {
            assert!(p.to_string().contains("5% of the account's 20 recent emails bounced (the limit is 5%)"), "{p}")
        }
        other => panic!("{other:?}"),
    }
    w.clock.advance(Duration::from_secs(120));
    assert!(matches!(resend(&w.deps, &w.notifier, &acme, acme_sent[5].id).await, Err(ResendError::SendingPaused(_))));
    assert_eq!(w.mailer.sent().len(), before, "nothing sent for the paused account");
    let query = crate::ports::store::ListQuery { limit: 100, ..Default::default() };
    assert_eq!(w.deps.store.list(&acme_sent[0].account_id, &query).await.unwrap().items.len(), 20);
    w.invited(&globex, "new@globex.example").await;

    // Only the owner resumes; the record starts afresh, so one more bounce does not pause again.
    let manager = authorize(caller("acme", "org_manager"), AccountId::parse("acme").as_ref()).unwrap();
    assert!(matches!(resume(&w.deps, &manager).await, Err(ResumeError::NotOwner)));
    assert!(sending(&w.deps, &manager).await.unwrap().pause.is_some(), "an inviter sees the pause");
    assert_eq!(resume(&w.deps, &acme).await.unwrap().map(|p| p.cause), Some(Cause::Bounces));
    assert_eq!(resume(&w.deps, &acme).await.unwrap(), None, "resuming again changes nothing");
    let after = sending(&w.deps, &acme).await.unwrap();
    assert_eq!((after.pause, after.recent.emails()), (None, 0));
    let fresh = w.invited(&acme, "new@acme.example").await;
    assert_eq!(w.bounce(&fresh).await, None, "one bounce in one email is too few to judge");
}

#[tokio::test]
async fn complaints_pause_at_their_own_limit_and_the_record_forgets_the_day_before() {
    let mut w = world();
    // Bounces at 50 % so the one bounce below does not decide.
    w.deps.policy.guard.complaint_pause = crate::domain::Rate::parse_percent("10").unwrap();
    w.deps.policy.guard.bounce_pause = crate::domain::Rate::parse_percent("50").unwrap();
    let acme = owner_of("acme");
    let old = w.sent(&acme, "old.example", 20).await;
    // A day and an hour later those 20 emails are out of the record: one bounce is one of one email.
    w.clock.advance(Duration::from_secs(25 * 3600));
    assert_eq!(w.bounce(&old[0]).await, None);
    let recent = w.sent(&acme, "new.example", 20).await;
    let complain = |inv: Invitation| {
        let complaint = report(DeliveryStatus::Complained, true, w.clock.now());
        let deps = w.deps.clone();
        async move { record(&deps, &inv.account_id, inv.id, complaint).await }
    };
    assert_eq!(complain(recent[0].clone()).await.unwrap().paused, None, "one complaint is not a pattern");
    let pause = complain(recent[1].clone()).await.unwrap().paused.expect("2 in 20 is 10 %");
    assert_eq!((pause.cause, pause.tally.complaints, pause.tally.emails()), (Cause::Complaints, 2, 20));
}
