//! Which writes give an invitation's seat back.
use super::*;
use crate::domain::{ClaimedEmail, UserId};

/// Seats follow the state: a write that closes an open invitation frees its seat, and no other does
/// (the accept keeps it for the member; the rest leave an open invitation open or change a closed one).
#[test]
fn exactly_the_writes_that_close_an_open_invitation_free_its_seat() {
    use Status::*;
    let p = Policy::default();
    let t = now();
    let token = || Token::generate().hash();
    let pending = inv(Pending, 1, Some(H), H, 3600);
    let mut frees = vec![("cancel", cancel(t)), ("supersede", supersede(&inv(Processing, 0, None, 0, 3600)))];
    let mut keeps = vec![
        ("sent", sent(&inv(Processing, 0, None, 0, 3600), t, &p)),
        ("resend", resend(t, token(), &p)),
        ("update_access", update_access(&pending, pending.access.clone(), t)),
        ("relink", relink(&pending, token(), t)),
        ("queued", queued(&pending, t, &p)),
        ("handed_again", handed_again(t, t, t, &p)),
        ("claim_queued", claim_queued(t, t, token(), &p)),
    ];
    for read in [
        inv(Processing, 0, None, 2 * H, 3600),
        inv(Pending, 1, Some(30 * 24 * H), H, 3600),
        inv(Pending, 1, Some(H), H, -1),
    ] {
        match due_action(&read, t, token(), &p) {
            DueAction::Expire(w) => frees.push(("expire", w)),
            DueAction::Fail(w) => frees.push(("fail", w)),
            DueAction::Retry(w) | DueAction::Resend(w) | DueAction::Reschedule(w) => keeps.push(("sweep", w)),
            DueAction::Skip => {}
        }
    }
    let failing = failing(inv(Processing, 0, None, 2 * H, 3600), p.max_sends);
    let DueAction::Fail(fail) = due_action(&failing, t, token(), &p) else { panic!("a failing invitation fails") };
    frees.push(("fail", fail));
    assert!(frees.iter().any(|(n, _)| *n == "expire"), "the sweep's expiry is among them");
    for (name, w) in &frees {
        assert!(w.frees_seat(), "{name} frees the seat");
    }
    for (name, w) in &keeps {
        assert!(!w.frees_seat(), "{name} keeps the seat");
    }
    let claimant = Claimant { user_id: UserId::parse("u9").unwrap(), email: ClaimedEmail::Missing };
    assert!(!accept(t, token(), &claimant, &pending.access).frees_seat(), "an accept keeps it for the member");
}
