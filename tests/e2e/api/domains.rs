//! The account's allowed domains, through the handlers on DynamoDB Local: checked per invitee at invite
//! (the others still invited) and again at accept, against the settings of that moment.
use super::assert_error;
use e2e::{access_infra, event_json, App};
use serde_json::{json, Value};

fn outcomes(a: &e2e::Answer) -> Vec<&str> {
    a.body["results"].as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect()
}

/// `sub` accepts the newest email to `email` in `account` with its link.
async fn accept(s: &App, account: &str, email: &str, sub: &str) -> e2e::Answer {
    let mail = s.backend.ses.sent().await.into_iter().rev().find(|m| m.to == [email]).expect("the email");
    let (id, token) = mail.link();
    let path = format!("/accounts/{account}/invitations/{id}/accept");
    let body = json!({"token": token}).to_string();
    s.call(event_json("POST", &path, &[], Some(e2e::invitee(sub, email)), Some(&body))).await
}

async fn allow(s: &App, domains: Value) {
    let set = s.put_settings("owner", &json!({ "allowed_domains": domains }).to_string(), None).await;
    assert_eq!(set.status, 200, "{}", set.body);
}

#[tokio::test]
async fn an_invitee_outside_the_allowed_domains_is_refused_alone_and_an_accept_is_judged_again() {
    let s = App::new().await;
    allow(&s, json!(["x.io"])).await;
    let a = s.invite(json!({"invitees": "ann@x.io, bob@y.io, Cy@X.IO, eve@sub.x.io", "access": access_infra()})).await;
    assert_eq!(a.status, 207, "{}", a.body);
    assert_eq!(outcomes(&a), ["invited", "domain_not_allowed", "invited", "domain_not_allowed"]);
    let refused = &a.body["results"][1];
    assert!(refused["invitation"].is_null() && refused["error"].as_str().unwrap().contains("domain"), "{refused}");
    let listed = s.list(&[]).await;
    assert_eq!(listed.body["invitations"].as_array().unwrap().len(), 2, "nothing made for the refused");

    // The owner narrows the domains: ann's open invitation can no longer be accepted, and stays open.
    allow(&s, json!(["z.io"])).await;
    let no = accept(&s, &s.account, "ann@x.io", "ann-sub").await;
    assert_error(&no, 403, "domain_not_allowed");
    assert!(no.body["error"]["message"].as_str().unwrap().contains("x.io"), "{}", no.body);
    let ann = a.body["results"][0]["invitation"]["id"].as_str().unwrap();
    let pending = s.stored(invitations::domain::InvitationId::parse(ann).unwrap()).await;
    assert_eq!(pending.status.as_str(), "pending");
    // Any domain again: the same link works.
    allow(&s, Value::Null).await;
    let yes = accept(&s, &s.account, "ann@x.io", "ann-sub").await;
    assert_eq!(yes.status, 200, "{}", yes.body);
}

#[tokio::test]
async fn an_invitee_named_by_user_id_is_judged_by_the_address_the_directory_keeps() {
    let s = App::new().await;
    // dee joins another account first, so the directory knows her address.
    let elsewhere = e2e::unique("acct");
    let path = format!("/accounts/{elsewhere}/invitations");
    let body = json!({"invitees": "dee@y.io", "access": access_infra()}).to_string();
    let invited = s.call(event_json("POST", &path, &[], Some(e2e::claims(&elsewhere, "owner")), Some(&body))).await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    assert_eq!(accept(&s, &elsewhere, "dee@y.io", "dee-sub").await.status, 200);

    allow(&s, json!(["x.io"])).await;
    let a = s.invite(json!({"invitees": "dee-sub", "access": access_infra()})).await;
    assert_eq!(outcomes(&a), ["domain_not_allowed"], "{}", a.body);
    assert!(!a.body.to_string().contains("dee@y.io"), "the address behind a user id stays hidden: {}", a.body);
    allow(&s, json!(["y.io"])).await;
    let a = s.invite(json!({"invitees": "dee-sub", "access": access_infra()})).await;
    assert_eq!(outcomes(&a), ["invited"], "{}", a.body);
}
