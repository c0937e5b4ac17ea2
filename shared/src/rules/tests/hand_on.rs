//! The hand-on to the paced sender: the invitation names the message it was handed on with, only that
//! message may claim it, once, and a sender that takes a later slot names that one instead.
use super::*;

#[test]
fn a_handed_on_email_is_claimed_only_by_its_message_and_once() {
    let p = Policy::default();
    let pt = p.processing_timeout;
    let days = 30 * 24 * 3600;
    let slot = now().plus(secs(2));
    let apply = |read: &Invitation, t: &Transition| {
        assert!(t.expect.matches(read), "{:?} on {read:?}", t.expect);
        let mut after = read.clone();
        t.change.apply(&mut after);
        after
    };
    let new = inv(Status::Processing, 0, None, 0, days);
    let handed = apply(&new, &queued(&new, slot, &p));
    assert_eq!((handed.status, handed.handed_on, handed.due_at), (Status::Processing, Some(slot), Some(slot.plus(pt))));
    // A stale one keeps its token, so its last link works until the sender claims it.
    let stale = inv(Status::Pending, 1, Some(73 * H), 73 * H, days);
    let waiting = apply(&stale, &queued(&stale, slot, &p));
    assert_eq!(
        (waiting.status, waiting.handed_on, &waiting.token_hash),
        (Status::Processing, Some(slot), &stale.token_hash)
    );
    // A stuck one is claimed and handed on in one write.
    let stuck = inv(Status::Processing, 0, None, 6 * 60, days);
    let DueAction::Retry(claim) = due_action(&stuck, now(), Token::generate().hash(), &p) else { panic!("a retry") };
    let retried = apply(&stuck, &retry_later(claim, slot, &p));
    assert_eq!((retried.failed_attempts, retried.handed_on, retried.due_at), (1, Some(slot), Some(slot.plus(pt))));

    let token = Token::generate().hash();
    let claim = claim_queued(slot, now(), token.clone(), &p);
    assert!(!claim_queued(slot.plus(secs(1)), now(), token.clone(), &p).expect.matches(&handed), "another message's");
    assert!(!claim.expect.matches(&Invitation { expires_at: now(), ..handed.clone() }), "expired");
    let claimed = apply(&handed, &claim);
    assert_eq!((&claimed.token_hash, claimed.handed_on, claimed.due_at), (&token, None, Some(now().plus(pt))));
    assert!(!claim.expect.matches(&claimed), "a second delivery of the message claims nothing");

    // The sender names a later slot: only the new message claims it, and the sweep waits for that slot.
    let later = slot.plus(secs(600));
    let again = handed_again(slot, later, now(), &p);
    assert!(!again.expect.matches(&claimed), "not once claimed");
    assert!(!again.expect.matches(&Invitation { expires_at: later, ..handed.clone() }), "not past its expiry");
    let renamed = apply(&handed, &again);
    assert_eq!((renamed.handed_on, renamed.due_at), (Some(later), Some(later.plus(pt))));
    assert!(!claim.expect.matches(&renamed), "the old message claims nothing");
    assert!(claim_queued(later, now(), token, &p).expect.matches(&renamed));
}
