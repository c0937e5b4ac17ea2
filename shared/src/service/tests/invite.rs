use super::*;
use crate::adapters::recording::Refusal;
use crate::domain::Status;
use crate::service::invite::InviteError;
use crate::service::AuthError;

#[tokio::test]
async fn each_invitee_gets_one_email_whose_link_matches_the_stored_hash() {
    let w = world();
    let auth = owner_of("acme");
    let results = w.invite(&auth, json!("ada@example.com, Bob@Example.com")).await;
    assert_eq!(results.len(), 2);
    for (given, outcome) in &results {
        let Outcome::Invited(inv) = outcome else { panic!("{given}: {outcome:?}") };
        assert_eq!(inv.status, Status::Pending, "{given}");
        assert_eq!(inv.inviter_email, Some(email("admin@example.com")));
        let mails = w.mailer.sent_to(&inv.email);
        assert_eq!(mails.len(), 1, "{given}");
        let (id, token) = link(&mails[0]);
        assert_eq!(id, inv.id);
        assert_eq!(TokenHash::of(&token), inv.token_hash, "only the hash is stored, and it is this token's");
        let text = &mails[0].text;
        assert!(
            text.contains("admin@example.com") && text.contains("acme") && text.contains("Infrastructure: basic_user")
        );
    }
    assert_eq!(results[1].0, "Bob@Example.com", "answers echo the invitee as written");
}

#[tokio::test]
async fn an_inviter_address_not_verified_is_not_shown() {
    let w = world();
    for (n, claims) in [
        &[("email", "boss@example.com")][..],
        &[("email", "boss@example.com"), ("email_verified", "false")],
        &[("email_verified", "true")],
    ]
    .into_iter()
    .enumerate()
    {
        let auth = authorize(caller_with("acme", "owner", claims), AccountId::parse("acme").as_ref()).unwrap();
        let to = format!("n{n}@example.com");
        let results = w.invite(&auth, json!(to)).await;
        let Outcome::Invited(inv) = &results[0].1 else { panic!("{results:?}") };
        assert_eq!(inv.inviter_email, None, "{claims:?}");
        let mail = w.mailer.sent_to(&email(&to)).pop().unwrap();
        assert!(!mail.text.contains("boss@") && !mail.html.contains("boss@"), "{claims:?}: {}", mail.text);
        assert!(mail.text.starts_with("An administrator invited you"), "{}", mail.text);
    }
}

#[tokio::test]
async fn open_invitations_are_not_doubled_and_bad_pieces_are_per_invitee() {
    let w = world();
    let auth = owner_of("acme");
    let first = w.invited(&auth, "ada@example.com").await;
    let results = w.invite(&auth, json!(["ADA@example.com", "not-an-address@", "cy@example.com"])).await;
    assert!(matches!(&results[0].1, Outcome::AlreadyInvited(i) if i.id == first.id), "{:?}", results[0]);
    assert!(matches!(&results[1].1, Outcome::Invalid(msg) if msg.contains("not a valid email")), "{:?}", results[1]);
    assert!(matches!(results[2].1, Outcome::Invited(_)));
    assert_eq!(w.mailer.sent().len(), 2, "no second email to an open invitation");
}

#[tokio::test]
async fn a_refused_email_leaves_the_invitation_processing_for_the_sweep() {
    let w = world();
    w.mailer.refuse(Some(Refusal::Unavailable));
    let inv = w.invited(&owner_of("acme"), "ada@example.com").await;
    assert_eq!(inv.status, Status::Processing);
    assert_eq!(w.stored(&inv).await.status, Status::Processing);
    assert!(w.mailer.sent().is_empty());
}

#[tokio::test]
async fn granting_an_option_the_caller_may_not_grant_creates_nothing() {
    let w = world();
    let auth = authorize(caller("acme", "org_manager"), AccountId::parse("acme").as_ref()).unwrap();
    let invitees = parse_invitees(&json!("ada@example.com")).unwrap();
    let err = invite(&w.deps, &w.notifier, &auth, invitees, infra(), false, None).await.unwrap_err();
    assert!(matches!(err, InviteError::Forbidden(crate::domain::AccessOption::Infrastructure)), "{err}");
    assert!(err.to_string().contains("infrastructure"));
    let everything = crate::ports::store::ListQuery { limit: 10, ..Default::default() };
    assert!(w.deps.store.list(auth.account(), &everything).await.unwrap().items.is_empty());
    assert!(w.mailer.sent().is_empty());
}

#[test]
fn authorization_needs_the_tokens_account_and_an_inviter_role() {
    let acme = AccountId::parse("acme");
    assert!(authorize(caller("acme", "owner"), acme.as_ref()).is_ok());
    assert_eq!(
        authorize(caller("acme", "owner"), AccountId::parse("other").as_ref()).unwrap_err(),
        AuthError::OtherAccount
    );
    assert_eq!(authorize(caller("acme", "owner"), None).unwrap_err(), AuthError::OtherAccount);
    assert_eq!(authorize(caller("acme", "iam_admin"), acme.as_ref()).unwrap_err(), AuthError::NotInviter);
    assert_eq!(authorize(caller("acme", ""), acme.as_ref()).unwrap_err(), AuthError::NotInviter);
    let auth = authorize(caller("acme", "iam_admin infra_add_users"), acme.as_ref()).unwrap();
    assert_eq!(auth.account().as_str(), "acme");
}

#[tokio::test]
async fn an_open_invitation_past_its_expiry_does_not_block_a_new_one() {
    let w = world();
    let auth = owner_of("acme");
    let first = w.invited(&auth, "ada@example.com").await;
    // Past its expiry, before any sweep: resend already calls it expired, so inviting must too.
    w.clock.advance(w.deps.policy.invitation_ttl);
    let second = w.invited(&auth, "ada@example.com").await;
    assert_ne!(second.id, first.id);
    assert_eq!(second.status, Status::Pending);
    let old = w.stored(&first).await;
    assert_eq!((old.status, old.due_at), (Status::Expired, None), "closed, and out of the due index");
    assert_eq!(w.mailer.sent().len(), 2);
}

#[tokio::test]
async fn an_undeliverable_address_is_not_invited_again_unless_forced() {
    use crate::domain::{Delivery, DeliveryStatus};
    use crate::service::cancel::cancel;
    use crate::service::invite::invite;
    let w = world();
    let auth = owner_of("acme");
    let inv = w.invited(&auth, "gone@example.com").await;
    let report = Delivery {
        status: DeliveryStatus::Complained,
        at: w.deps.clock.now(),
        detail: None,
        send: 1,
        undeliverable: true,
    };
    crate::service::delivery::record(&w.deps, &inv.account_id, inv.id, report).await.unwrap();
    cancel(&w.deps, &auth, inv.id).await.unwrap();
    let ask = |force| {
        let invitees = crate::domain::invitees::parse_invitees(&json!("gone@example.com, new@example.com")).unwrap();
        invite(&w.deps, &w.notifier, &auth, invitees, infra(), force, None)
    };
    let results = ask(false).await.unwrap();
    assert!(matches!(&results[0].outcome, Outcome::Undeliverable(found) if found.id == inv.id), "{results:?}");
    assert!(matches!(results[1].outcome, Outcome::Invited(_)));
    assert_eq!(w.mailer.sent().len(), 2, "nothing went to the undeliverable address");
    let forced = ask(true).await.unwrap();
    assert!(matches!(forced[0].outcome, Outcome::Invited(_)), "{forced:?}");
    assert!(matches!(forced[1].outcome, Outcome::AlreadyInvited(_)));
}
