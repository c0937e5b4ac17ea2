//! The writes an inviter makes without reading first (cancel, resend) carry who may make them: every
//! option the invitation assigns must be one the caller may grant, or the write changes nothing.
use super::{account, open, to, transition, Store};
use e2e::invitation;
use invitations::domain::{Access, AccountId, Caller, Invitation, Status};
use invitations::ports::store::UpdateOutcome;
use serde_json::json;
use std::collections::HashMap;

fn caller(account: &AccountId, roles: &str) -> Caller {
    let claims = [("sub", "u1"), ("account_id", account.as_str()), ("roles", roles)];
    Caller::from_claims(&claims.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<HashMap<_, _>>()).unwrap()
}

pub(super) async fn a_write_needs_the_grant_of_every_option_the_invitation_holds(store: Store) {
    let acct = account();
    // An org name that spells an option unassigned, as its stored JSON would: a value, so escaped.
    let tricky = r#"x","iam":"no_access","y":""#;
    let access = Access::parse(json!({
        "iam": [{"service": "kms", "roles": ["Viewer"]}],
        "cloud_foundry": {"org": tricky, "org_roles": ["Auditor"]},
    }))
    .unwrap();
    let inv = Invitation { access, ..invitation(&acct, "grants@x.io") };
    store.create(&inv).await.unwrap();
    let cancel = transition(&open(), &to(Status::Cancelled));
    for roles in ["org_manager", "iam_admin infra_add_users", "infra_add_users", "iam_admin", ""] {
        let write = cancel.clone().by(&caller(&acct, roles));
        match store.update(&acct, inv.id, &write).await.unwrap() {
            UpdateOutcome::Mismatch(found) => assert_eq!(found, inv, "{roles:?}: nothing changed"),
            other => panic!("{roles:?} may not grant everything it holds: {other:?}"),
        }
    }
    match store.update(&acct, inv.id, &cancel.clone().by(&caller(&acct, "iam_admin org_manager"))).await.unwrap() {
        UpdateOutcome::Updated(done) => assert_eq!(done.status, Status::Cancelled),
        other => panic!("{other:?}"),
    }

    let infra = invitation(&acct, "infra@x.io");
    store.create(&infra).await.unwrap();
    assert!(matches!(
        store.update(&acct, infra.id, &cancel.clone().by(&caller(&acct, "org_manager"))).await.unwrap(),
        UpdateOutcome::Mismatch(_)
    ));
    assert!(matches!(
        store.update(&acct, infra.id, &cancel.clone().by(&caller(&acct, "owner"))).await.unwrap(),
        UpdateOutcome::Updated(_)
    ));
}
