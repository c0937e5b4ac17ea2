//! Every answer of the accept table, on the in-memory store: who may accept, with which token, in which
//! state, and that a refusal leaves the invitation for the right person.
use super::*;
use crate::domain::{Claimant, ClaimedEmail, Member, Status, UserId};
use crate::service::accept::{accept, AcceptError};
use crate::service::cancel::cancel;
use crate::service::resend::resend;
use std::time::Duration;

fn invitee(sub: &str, address: Option<&str>) -> Claimant {
    Claimant {
        user_id: UserId::parse(sub).unwrap(),
        email: address.map_or(ClaimedEmail::Missing, |a| ClaimedEmail::Verified(email(a))),
    }
}

impl World {
    async fn accept(
        &self,
        who: &Claimant,
        inv: &Invitation,
        token: &TokenHash,
    ) -> Result<(Invitation, Member), AcceptError> {
        accept(&self.deps, who, &inv.account_id, inv.id, token).await
    }
}

#[tokio::test]
async fn the_invitee_becomes_a_member_once_and_a_retry_gets_the_same_member() {
    let w = world();
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    let ada = invitee("ada-sub", Some("ada@example.com"));
    let (accepted, member) = w.accept(&ada, &inv, &w.newest_token("ada@example.com")).await.unwrap();
    assert_eq!((accepted.status, accepted.due_at), (Status::Accepted, None));
    assert_eq!(accepted.accepted_by, Some(ada.user_id.clone()));
    assert_eq!((member.user_id.as_str(), member.invitation_id, &member.email), ("ada-sub", inv.id, &inv.email));
    assert_eq!(member.access, inv.access);
    assert_eq!(w.stored(&inv).await.status, Status::Accepted);
    let (again, same) = w.accept(&ada, &inv, &w.newest_token("ada@example.com")).await.unwrap();
    assert_eq!((again.id, same), (inv.id, member));
    // The address is a member now: inviting it again says so.
    let results = w.invite(&auth, json!("ada@example.com")).await;
    assert!(matches!(results[0].1, Outcome::AlreadyMember(_)), "{:?}", results[0]);
    // Accepted invitations leave the sweep, and can be neither resent nor cancelled.
    assert_eq!(w.stored(&inv).await.due_at, None);
    w.clock.advance(Duration::from_secs(3600));
    assert!(resend(&w.deps, &w.notifier, &auth, inv.id).await.is_err());
    assert!(cancel(&w.deps, &auth, inv.id).await.is_err());
}

#[tokio::test]
async fn a_wrong_replaced_or_unknown_token_is_the_same_refusal() {
    let w = world();
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    let ada = invitee("ada-sub", Some("ada@example.com"));
    let first = w.newest_token("ada@example.com");
    for _ in 0..1000 {
        let wrong = crate::domain::Token::generate().hash();
        assert!(matches!(w.accept(&ada, &inv, &wrong).await, Err(AcceptError::InvalidToken)));
    }
    let unknown = Invitation { id: InvitationId::new(), ..inv.clone() };
    assert!(matches!(w.accept(&ada, &unknown, &first).await, Err(AcceptError::InvalidToken)));
    let elsewhere = Invitation { account_id: AccountId::parse("globex").unwrap(), ..inv.clone() };
    assert!(matches!(w.accept(&ada, &elsewhere, &first).await, Err(AcceptError::InvalidToken)));
    // A resend replaces the token: the first email's link is dead, the newest one works.
    w.clock.advance(Duration::from_secs(61));
    resend(&w.deps, &w.notifier, &auth, inv.id).await.unwrap();
    assert!(matches!(w.accept(&ada, &inv, &first).await, Err(AcceptError::InvalidToken)));
    assert!(
        w.accept(&ada, &inv, &w.newest_token("ada@example.com")).await.is_ok(),
        "a thousand wrong tokens spent nothing"
    );
}

#[tokio::test]
async fn only_the_invited_address_or_user_may_accept_and_a_mismatch_spends_nothing() {
    let w = world();
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "ada@example.com").await;
    let token = w.newest_token("ada@example.com");
    // The right address unverified (or its email_verified missing) is no better than none.
    let unverified = Claimant { user_id: UserId::parse("ada-sub").unwrap(), email: ClaimedEmail::Unverified };
    for (who, says) in [
        (invitee("mallory", Some("mallory@example.com")), "sign in with that address"),
        (invitee("ada-sub", None), "carries no email address"),
        (unverified, "is not verified"),
    ] {
        match w.accept(&who, &inv, &token).await {
            Err(e @ AcceptError::EmailMismatch { .. }) => {
                let text = e.to_string();
                assert!(text.contains("a***@example.com") && text.contains(says), "{text}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(w.stored(&inv).await.status, Status::Pending, "the right person can still accept");
    assert!(w.accept(&invitee("ada-sub", Some("ada@example.com")), &inv, &token).await.is_ok());

    // Invited by user id: only that user, whatever address the token carries.
    let by_id = w.invited(&auth, "bo@example.com").await;
    let bound =
        Invitation { id: InvitationId::new(), user_id: Some(UserId::parse("bo-sub").unwrap()), ..by_id.clone() };
    cancel(&w.deps, &auth, by_id.id).await.unwrap();
    assert!(matches!(w.deps.store.create(&bound).await.unwrap(), crate::ports::store::CreateOutcome::Created));
    let wrong_user = invitee("not-bo", Some("bo@example.com"));
    assert!(matches!(w.accept(&wrong_user, &bound, &bound.token_hash).await, Err(AcceptError::UserMismatch)));
    let (_, member) = w.accept(&invitee("bo-sub", None), &bound, &bound.token_hash).await.unwrap();
    assert_eq!(member.user_id.as_str(), "bo-sub");
}

#[tokio::test]
async fn a_closed_or_expired_invitation_is_gone_and_a_member_cannot_join_twice() {
    let w = world();
    let auth = owner_of("acme");
    let cancelled = w.invited(&auth, "c@example.com").await;
    let cancelled_token = w.newest_token("c@example.com");
    cancel(&w.deps, &auth, cancelled.id).await.unwrap();
    let c = invitee("c-sub", Some("c@example.com"));
    assert!(matches!(w.accept(&c, &cancelled, &cancelled_token).await, Err(AcceptError::Closed(Status::Cancelled))));

    let late = w.invited(&auth, "late@example.com").await;
    let late_token = w.newest_token("late@example.com");
    w.clock.advance(w.deps.policy.invitation_ttl);
    let l = invitee("late-sub", Some("late@example.com"));
    assert!(
        matches!(w.accept(&l, &late, &late_token).await, Err(AcceptError::Closed(Status::Expired))),
        "past expires_at, before the sweep"
    );
    crate::service::sweep::sweep(&w.deps, &w.notifier, None).await.unwrap();
    assert!(matches!(w.accept(&l, &late, &late_token).await, Err(AcceptError::Closed(Status::Expired))));

    // Two invitations to two addresses of one person: the second finds them a member already.
    let one = w.invited(&auth, "one@example.com").await;
    let two = w.invited(&auth, "two@example.com").await;
    w.accept(&invitee("pat", Some("one@example.com")), &one, &w.newest_token("one@example.com")).await.unwrap();
    let again = w.accept(&invitee("pat", Some("two@example.com")), &two, &w.newest_token("two@example.com")).await;
    assert!(matches!(again, Err(AcceptError::AlreadyMember)), "{again:?}");
    assert_eq!(w.stored(&two).await.status, Status::Pending);

    // Accepted by someone else (a shared mailbox): gone for the second person.
    let shared = w.invited(&auth, "team@example.com").await;
    let token = w.newest_token("team@example.com");
    w.accept(&invitee("first", Some("team@example.com")), &shared, &token).await.unwrap();
    let second = w.accept(&invitee("second", Some("team@example.com")), &shared, &token).await;
    assert!(matches!(second, Err(AcceptError::Closed(Status::Accepted))), "{second:?}");
}
