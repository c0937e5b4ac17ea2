//! The record of SES reports: the latest send only, newer reports only, and what an undeliverable
//! address stops (the sweep's resend, a manual resend, a queued send), and what it does not (expiry).
use super::*;
use crate::domain::{Delivery, DeliveryStatus};

const D: i64 = 10 * 24 * 3600;

fn report(send: u32, status: DeliveryStatus, at_secs: u64) -> Report {
    let undeliverable = matches!(status, DeliveryStatus::Complained | DeliveryStatus::Suppressed);
    super::super::report(Delivery { status, at: now().plus(secs(at_secs)), detail: None, send, undeliverable })
}

fn bounced(send: u32, permanent: bool, at_secs: u64) -> Report {
    let mut r = report(send, DeliveryStatus::Bounced, at_secs);
    r.delivery.undeliverable = permanent;
    r
}

/// Applies each report that matches, in order, and answers which did.
fn replay(mut inv: Invitation, reports: &[Report]) -> (Invitation, Vec<bool>) {
    let mut applied = Vec::new();
    for r in reports {
        let ok = r.matches(&inv);
        if ok {
            r.apply(&mut inv);
        }
        applied.push(ok);
    }
    (inv, applied)
}

#[test]
fn a_report_of_the_latest_send_is_recorded_and_a_repeat_is_not() {
    use DeliveryStatus::*;
    let sent = inv(Status::Pending, 1, Some(H), H, D);
    let (after, applied) =
        replay(sent.clone(), &[report(1, Sent, 0), report(1, Delivered, 5), report(1, Delivered, 5)]);
    assert_eq!(applied, vec![true, true, false], "the repeat changes nothing");
    assert_eq!(after.delivery.as_ref().map(|d| d.status), Some(Delivered));
    assert_eq!((after.status, after.updated_at, after.due_at), (sent.status, sent.updated_at, sent.due_at));
}

#[test]
fn out_of_order_reports_of_one_send_keep_the_later_stage() {
    use DeliveryStatus::*;
    let sent = inv(Status::Pending, 1, Some(H), H, D);
    // A delivery that arrives after its complaint, a send event after its delivery.
    let (after, applied) = replay(sent, &[report(1, Complained, 9), report(1, Delivered, 5), report(1, Sent, 0)]);
    assert_eq!(applied, vec![true, false, false]);
    assert_eq!(after.delivery.as_ref().map(|d| d.status), Some(Complained));
    assert!(after.undeliverable());
}

#[test]
fn an_older_send_never_overwrites_a_newer_one() {
    use DeliveryStatus::*;
    // Two emails counted: a report of the first is of an older send, whatever it says.
    let twice = inv(Status::Pending, 2, Some(H), H, D);
    let (after, applied) = replay(twice, &[bounced(2, false, 9), report(1, Delivered, 20), bounced(1, true, 30)]);
    assert_eq!(applied, vec![true, false, false]);
    assert_eq!(after.delivery.as_ref().map(|d| (d.send, d.undeliverable)), Some((2, false)));
    // While send 2 is under way (claimed, not yet counted), its reports overtake its count, and a late
    // report of send 1 may still land until one of send 2 does.
    let sending = inv(Status::Processing, 1, Some(H), 60, D);
    let (after, applied) = replay(sending, &[report(1, Delivered, 1), report(2, Sent, 2), report(1, Delivered, 3)]);
    assert_eq!(applied, vec![true, true, false]);
    assert_eq!(after.delivery.as_ref().map(|d| d.send), Some(2));
    // A send number beyond the one being sent is nobody's.
    assert!(!report(3, Sent, 0).matches(&inv(Status::Processing, 1, Some(H), 60, D)));
}

#[test]
fn a_transient_bounce_is_retried_and_a_permanent_one_stops_every_send() {
    let p = Policy::default();
    let stale = inv(Status::Pending, 1, Some(73 * H), 73 * H, D);
    let (soft, _) = replay(stale.clone(), &[bounced(1, false, 0)]);
    assert!(matches!(due_action(&soft, now(), Token::generate().hash(), &p), DueAction::Resend(_)));
    assert!(rules_resend(&soft).expect.matches(&soft));

    let (hard, _) = replay(stale, &[bounced(1, true, 0)]);
    assert!(hard.undeliverable());
    let DueAction::Reschedule(t) = due_action(&hard, now(), Token::generate().hash(), &p) else {
        panic!("the sweep sends nothing to it")
    };
    let mut rescheduled = hard.clone();
    t.change.apply(&mut rescheduled);
    assert_eq!(rescheduled.due_at, Some(hard.expires_at), "it stays due for its expiry only");
    assert!(!rules_resend(&hard).expect.matches(&hard), "a manual resend is refused");
    let handed = Invitation { handed_on: Some(now()), status: Status::Processing, ..hard.clone() };
    assert!(!claim_queued(now(), now(), Token::generate().hash(), &p).expect.matches(&handed), "a queued send too");
    // It still expires.
    let past = Invitation { expires_at: now(), ..hard };
    assert!(matches!(due_action(&past, now(), Token::generate().hash(), &p), DueAction::Expire(_)));
}

#[test]
fn a_claim_read_before_the_bounce_landed_does_not_send() {
    let p = Policy::default();
    let stale = inv(Status::Pending, 1, Some(73 * H), 73 * H, D);
    let DueAction::Resend(claim) = due_action(&stale, now(), Token::generate().hash(), &p) else { panic!("resend") };
    let (bounced_meanwhile, _) = replay(stale, &[bounced(1, true, 0)]);
    assert!(!claim.expect.matches(&bounced_meanwhile));
    // A stuck send whose email came back undeliverable fails instead of going again.
    let stuck = inv(Status::Processing, 1, Some(H), 6 * 60, D);
    let (stuck, _) = replay(stuck, &[bounced(2, true, 0)]);
    assert!(matches!(due_action(&stuck, now(), Token::generate().hash(), &p), DueAction::Fail(_)));
}

fn rules_resend(inv: &Invitation) -> Transition {
    let p = Policy::default();
    resend(inv.last_sent_at.unwrap().plus(p.resend_min_interval), Token::generate().hash(), &p)
}
