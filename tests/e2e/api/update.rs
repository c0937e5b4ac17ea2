//! Changing an open invitation's access through the handlers on DynamoDB Local: the grant rules, the
//! token kept, and an accept racing the update, whose member always holds the access it accepted.
use super::assert_error;
use e2e::{access_infra, event_json, App};
use invitations::domain::InvitationId;
use serde_json::{json, Value};

fn view_only() -> Value {
    json!({"infrastructure": {"permissions": "view_only"}})
}

async fn patch(s: &App, id: &str, roles: &str, body: &str) -> e2e::Answer {
    let path = s.path(&format!("/{id}"));
    s.call(event_json("PATCH", &path, &[], Some(e2e::claims(&s.account, roles)), Some(body))).await
}

async fn accept(s: &App, email: &str, sub: &str) -> e2e::Answer {
    let mail = s.backend.ses.sent().await.into_iter().rev().find(|m| m.to == [email]).expect("the email");
    let (id, token) = mail.link();
    let path = s.path(&format!("/{id}/accept"));
    let body = json!({"token": token}).to_string();
    s.call(event_json("POST", &path, &[], Some(e2e::invitee(sub, email)), Some(&body))).await
}

#[tokio::test]
async fn an_update_changes_only_the_access_under_the_grant_rules_and_the_link_still_works() {
    let s = App::new().await;
    let inv = s.invite_one("ann@x.io").await;
    let id = inv["id"].as_str().unwrap();
    let before = s.stored(InvitationId::parse(id).unwrap()).await;
    let body = json!({"access": view_only()}).to_string();
    // org_manager may grant neither the infrastructure access held nor the one asked for.
    assert_error(&patch(&s, id, "org_manager", &body).await, 403, "forbidden");
    let cf = json!({"access": {"cloud_foundry": {"org": "acme", "org_roles": ["Auditor"]}}}).to_string();
    assert_error(&patch(&s, id, "infra_add_users", &cf).await, 403, "forbidden");
    for bad in ["{}", r#"{"access": {}}"#, r#"{"access": {"infrastructure": {"permissions": "root"}}}"#, "[]", "x"] {
        assert_error(&patch(&s, id, "owner", bad).await, 400, "invalid_request");
    }
    assert_error(&patch(&s, &InvitationId::new().to_string(), "owner", &body).await, 404, "not_found");
    assert_eq!(s.stored(before.id).await, before, "nothing changed");

    let updated = patch(&s, id, "infra_add_users", &body).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["access"]["infrastructure"], json!({"permissions": "view_only"}));
    let after = s.stored(before.id).await;
    assert_eq!(
        (&after.token_hash, after.status, after.send_count),
        (&before.token_hash, before.status, before.send_count)
    );
    let joined = accept(&s, "ann@x.io", "ann-sub").await;
    assert_eq!(joined.status, 200, "the link sent before the update still works: {}", joined.body);
    assert_eq!(joined.body["member"]["access"]["infrastructure"], json!({"permissions": "view_only"}));
    assert_error(&patch(&s, id, "owner", &body).await, 409, "invalid_state");
}

#[tokio::test]
async fn an_update_racing_an_accept_never_leaves_the_member_with_the_replaced_access() {
    let s = App::new().await;
    let body = json!({"access": view_only()}).to_string();
    for i in 0..6 {
        let email = format!("race{i}@x.io");
        let id = s.invite_one(&email).await["id"].as_str().unwrap().to_owned();
        let sub = format!("sub-{i}");
        let (updated, joined) = tokio::join!(patch(&s, &id, "owner", &body), accept(&s, &email, &sub));
        assert_eq!(joined.status, 200, "{}", joined.body);
        let member = &joined.body["member"]["access"]["infrastructure"]["permissions"];
        let stored = s.stored(InvitationId::parse(&id).unwrap()).await;
        assert_eq!(stored.status.as_str(), "accepted");
        match updated.status {
            // The update came first: the accept judged the invitation again and took its new access.
            200 => assert_eq!(member, "view_only", "{}", joined.body),
            // The accept came first: the update found it accepted.
            409 => assert_eq!(member, &access_infra()["infrastructure"]["permissions"], "{}", joined.body),
            other => panic!("{other}: {}", updated.body),
        }
        assert_eq!(member, &serde_json::to_value(&stored.access).unwrap()["infrastructure"]["permissions"]);
    }
}
