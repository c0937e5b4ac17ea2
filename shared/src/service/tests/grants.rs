//! One rule for every action on what grants access: an inviter may invite with, cancel, resend or
//! remove what holds an option only if they may grant it; otherwise 403 naming the option, nothing
//! changed.
use super::*;
use crate::domain::{AccessOption, Status};
use crate::service::cancel::{cancel, CancelError};
use crate::service::resend::{resend, ResendError};
use std::time::Duration;

fn as_roles(roles: &str) -> Authorized {
    authorize(caller("acme", roles), AccountId::parse("acme").as_ref()).unwrap()
}

#[tokio::test]
async fn cancel_and_resend_need_the_grant_of_every_option_the_invitation_holds() {
    let w = world();
    let owner = owner_of("acme");
    let iam = Access::parse(json!({"iam": [{"service": "kms", "roles": ["Administrator"]}]})).unwrap();
    let invitees = parse_invitees(&json!("root@example.com")).unwrap();
    let results = invite(&w.deps, &w.notifier, &owner, invitees, iam, false, None).await.unwrap();
    let Outcome::Invited(inv) = &results[0].outcome else { panic!("{results:?}") };
    w.clock.advance(Duration::from_secs(61));
    // Infrastructure rights alone, or org management, may not touch the owner's IAM invitation.
    for roles in ["infra_add_users", "org_manager", "org_manager infra_add_users"] {
        let who = as_roles(roles);
        let refused = cancel(&w.deps, &who, inv.id).await;
        assert!(matches!(refused, Err(CancelError::Forbidden(AccessOption::Iam))), "{roles}: {refused:?}");
        let refused = resend(&w.deps, &w.notifier, &who, inv.id).await;
        assert!(matches!(refused, Err(ResendError::Forbidden(AccessOption::Iam))), "{roles}: {refused:?}");
    }
    assert_eq!(w.stored(inv).await, *inv, "nothing changed");
    assert_eq!(w.mailer.sent_to(&inv.email).len(), 1, "no second email");
    // Whoever may grant IAM may do both.
    let iam_admin = as_roles("iam_admin infra_add_users");
    assert_eq!(resend(&w.deps, &w.notifier, &iam_admin, inv.id).await.unwrap().send_count, 2);
    assert_eq!(cancel(&w.deps, &iam_admin, inv.id).await.unwrap().status, Status::Cancelled);
    // A closed invitation the caller may not touch is still a refusal by grant, not by state.
    let refused = cancel(&w.deps, &as_roles("org_manager"), inv.id).await;
    assert!(matches!(refused, Err(CancelError::Forbidden(AccessOption::Iam))), "{refused:?}");
    let refused = cancel(&w.deps, &as_roles("owner"), inv.id).await;
    assert!(matches!(refused, Err(CancelError::InvalidState(Status::Cancelled))), "{refused:?}");
}
