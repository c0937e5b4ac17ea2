//! The invitee's route end to end: the link read from the email SES got, the accept with the invitee's
//! claims, and every refusal the route gives for what a client can send.
use super::assert_error;
use e2e::{event_json, App};
use futures::future::join_all;
use serde_json::{json, Value};

/// The claims of an invitee: a verified address, no account, no roles.
fn invitee(sub: &str, email: &str) -> Option<Value> {
    Some(e2e::invitee(sub, email))
}

fn accept_event(account: &str, id: &str, claims: Option<Value>, body: &str) -> Value {
    event_json("POST", &format!("/accounts/{account}/invitations/{id}/accept"), &[], claims, Some(body))
}

/// Invites `email` and returns the account, invitation id and token of its email's link.
async fn invited(s: &App, email: &str) -> (String, String, String) {
    s.invite_one(email).await;
    let mail = s.backend.ses.sent().await.into_iter().rev().find(|m| m.to == [email]).expect("the email");
    let (id, token) = mail.link();
    assert!(mail.html.contains(&format!("account={}&amp;invitation={id}", s.account)), "the link names the account");
    (s.account.clone(), id, token)
}

#[tokio::test]
async fn the_invitee_accepts_through_the_link_and_becomes_a_member() {
    let s = App::new().await;
    let (account, id, token) = invited(&s, "ada@x.io").await;
    let ev = accept_event(&account, &id, invitee("ada-sub", "Ada@X.io"), &json!({"token": token}).to_string());
    let a = s.call(ev.clone()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["invitation"]["status"], "accepted");
    assert_eq!(a.body["member"]["user_id"], "ada-sub");
    assert_eq!(a.body["member"]["status"], "active");
    assert_eq!(a.body["member"]["invitation_id"], id.as_str());
    assert_eq!(a.body["member"]["access"], s.invite_one("bo@x.io").await["access"]);
    let again = s.call(ev).await;
    assert_eq!((again.status, &again.body["member"]), (200, &a.body["member"]), "a retry gets the same member");
    let listed = s.list(&[("email", "ada@x.io")]).await;
    assert_eq!(listed.body["invitations"][0]["status"], "accepted");
    let reinvite = s.invite(json!({"invitees": "ada@x.io", "access": e2e::access_infra()})).await;
    assert_eq!((reinvite.status, reinvite.body["results"][0]["outcome"].as_str()), (207, Some("already_member")));
    assert_error(&s.resend(&id).await, 409, "invalid_state");
    assert_error(&s.cancel(&id).await, 409, "invalid_state");
}

#[tokio::test]
async fn every_bad_accept_is_refused_and_changes_nothing() {
    let s = App::new().await;
    let (account, id, token) = invited(&s, "cy@x.io").await;
    let (_, other_id, other_token) = invited(&s, "dee@x.io").await;
    let cy = || invitee("cy-sub", "cy@x.io");
    let body = |t: Value| json!({"token": t}).to_string();
    let bad_bodies = [
        "{}".to_owned(),
        body(json!("")),
        body(json!(42)),
        body(json!(null)),
        body(json!("a".repeat(257))),
        body(json!("not base64url!")),
        json!({"token": token, "extra": 1}).to_string(),
        "[]".to_owned(),
        "not json".to_owned(),
    ];
    for b in &bad_bodies {
        assert_error(&s.call(accept_event(&account, &id, cy(), b)).await, 400, "invalid_request");
    }
    let huge = body(json!("a".repeat(70 * 1024)));
    assert_error(&s.call(accept_event(&account, &id, cy(), &huge)).await, 413, "payload_too_large");
    assert_error(
        &s.call(accept_event(&account, &id, Some(json!({"email": "cy@x.io"})), &body(json!(token)))).await,
        401,
        "unauthenticated",
    );
    assert_error(&s.call(accept_event(&account, &id, None, &body(json!(token)))).await, 401, "unauthenticated");
    for (acct, inv, t) in [
        (account.as_str(), id.as_str(), other_token.as_str()),
        ("globex", id.as_str(), token.as_str()),
        (account.as_str(), "not-an-id", token.as_str()),
        (account.as_str(), other_id.as_str(), token.as_str()),
    ] {
        assert_error(&s.call(accept_event(acct, inv, cy(), &body(json!(t)))).await, 403, "invalid_token");
    }
    let mismatch = s.call(accept_event(&account, &id, invitee("eve", "eve@x.io"), &body(json!(token)))).await;
    assert_error(&mismatch, 403, "email_mismatch");
    assert!(mismatch.body["error"]["message"].as_str().unwrap().contains("c***@x.io"), "{}", mismatch.body);
    // The authorizer vouches for no address: one the identity provider did not verify, or did not say
    // it verified, is refused, saying why.
    for unverified in [
        json!({"sub": "cy-sub", "email": "cy@x.io", "email_verified": "false"}),
        json!({"sub": "cy-sub", "email": "cy@x.io"}),
    ] {
        let refused = s.call(accept_event(&account, &id, Some(unverified.clone()), &body(json!(token)))).await;
        assert_error(&refused, 403, "email_mismatch");
        let message = refused.body["error"]["message"].as_str().unwrap();
        assert!(message.contains("c***@x.io") && message.contains("not verified"), "{unverified}: {message}");
    }
    let list = s.list(&[("status", "pending")]).await;
    assert_eq!(list.body["invitations"].as_array().unwrap().len(), 2, "nothing changed: {}", list.body);
    assert_eq!(s.call(accept_event(&account, &id, cy(), &body(json!(token)))).await.status, 200);
    let cancelled = s.cancel(&other_id).await;
    assert_eq!(cancelled.status, 200);
    let gone = s.call(accept_event(&account, &other_id, invitee("dee", "dee@x.io"), &body(json!(other_token)))).await;
    assert_error(&gone, 410, "invitation_closed");
    assert!(gone.body["error"]["message"].as_str().unwrap().contains("cancelled"));
}

#[tokio::test]
async fn racing_accepts_and_cancels_end_as_if_one_came_second() {
    let s = App::new().await;
    // The same invitee twice at once: one joins, the other is its retry.
    let (account, id, token) = invited(&s, "twice@x.io").await;
    let ev = accept_event(&account, &id, invitee("t-sub", "twice@x.io"), &json!({"token": token}).to_string());
    let both = join_all([s.call(ev.clone()), s.call(ev)]).await;
    assert!(both.iter().all(|a| a.status == 200), "{:?}", both.iter().map(|a| &a.body).collect::<Vec<_>>());
    assert_eq!(both[0].body["member"], both[1].body["member"]);

    // Accept against cancel: exactly one wins, and the other answers what it would coming second.
    for i in 0..5 {
        let email = format!("race{i}@x.io");
        let (account, id, token) = invited(&s, &email).await;
        let accept =
            accept_event(&account, &id, invitee(&format!("r{i}"), &email), &json!({"token": token}).to_string());
        let (accepted, cancelled) = tokio::join!(s.call(accept), s.cancel(&id));
        match (accepted.status, cancelled.status) {
            (200, 409) => assert_eq!(s.list(&[("email", &email)]).await.body["invitations"][0]["status"], "accepted"),
            (410, 200) => assert_eq!(accepted.body["error"]["code"], "invitation_closed"),
            other => panic!("both or neither won: {other:?} {} {}", accepted.body, cancelled.body),
        }
    }

    // Accept against a resend: the resend that wins replaces the token the accept holds.
    s.backend.clock.advance(std::time::Duration::from_secs(61));
    for i in 0..5 {
        let email = format!("resent{i}@x.io");
        let (account, id, token) = invited(&s, &email).await;
        s.backend.clock.advance(std::time::Duration::from_secs(61));
        let accept =
            accept_event(&account, &id, invitee(&format!("q{i}"), &email), &json!({"token": token}).to_string());
        let (accepted, resent) = tokio::join!(s.call(accept), s.resend(&id));
        match (accepted.status, resent.status) {
            (200, 409) => assert!(resent.body["error"]["message"].as_str().unwrap().contains("accepted")),
            (403, 200) => assert_eq!(accepted.body["error"]["code"], "invalid_token"),
            other => panic!("both or neither won: {other:?} {} {}", accepted.body, resent.body),
        }
    }
}

#[tokio::test]
async fn every_refusal_of_the_accept_table_on_dynamodb_leaves_the_invitation_acceptable() {
    let s = App::new().await;
    let body = |t: &str| json!({"token": t}).to_string();
    // No email claim at all: an invitation by address cannot be matched.
    let (account, id, token) = invited(&s, "nomail@x.io").await;
    let no_email = s.call(accept_event(&account, &id, Some(json!({"sub": "nm"})), &body(&token))).await;
    assert_error(&no_email, 403, "email_mismatch");
    assert_eq!(s.call(accept_event(&account, &id, invitee("nm", "nomail@x.io"), &body(&token))).await.status, 200);

    // Accepted by someone else (a shared mailbox): gone for the next person, the same member for a retry.
    let (account, id, token) = invited(&s, "team@x.io").await;
    let first = s.call(accept_event(&account, &id, invitee("first", "team@x.io"), &body(&token))).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let second = s.call(accept_event(&account, &id, invitee("second", "team@x.io"), &body(&token))).await;
    assert_error(&second, 410, "invitation_closed");
    assert!(second.body["error"]["message"].as_str().unwrap().contains("accepted"));

    // A member already: the second invitation of the same person is refused and stays pending.
    let (account, id, token) = invited(&s, "first-too@x.io").await;
    let twice = s.call(accept_event(&account, &id, invitee("first", "first-too@x.io"), &body(&token))).await;
    assert_error(&twice, 409, "already_member");
    assert_eq!(s.list(&[("email", "first-too@x.io")]).await.body["invitations"][0]["status"], "pending");

    // Past its expiry, before the sweep got to it.
    let (account, id, token) = invited(&s, "late@x.io").await;
    s.backend.clock.advance(s.backend.deps.policy.invitation_ttl);
    let late = s.call(accept_event(&account, &id, invitee("late", "late@x.io"), &body(&token))).await;
    assert_error(&late, 410, "invitation_closed");
    assert!(late.body["error"]["message"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn an_accept_racing_the_sweep_ends_as_if_one_came_second() {
    let s = App::new().await;
    for i in 0..4 {
        let email = format!("stale{i}@x.io");
        let (account, id, token) = invited(&s, &email).await;
        s.backend.clock.advance(s.backend.deps.policy.resend_after);
        let accept =
            accept_event(&account, &id, invitee(&format!("s{i}"), &email), &json!({"token": token}).to_string());
        let (accepted, _) = tokio::join!(s.call(accept), s.sweep());
        let after = &s.list(&[("email", &email)]).await.body["invitations"][0];
        match (accepted.status, after["status"].as_str(), after["send_count"].as_u64()) {
            (200, Some("accepted"), Some(1)) => {}
            // The sweep's resend won: the accept held the replaced token.
            (403, Some("pending"), Some(2)) => assert_eq!(accepted.body["error"]["code"], "invalid_token"),
            other => panic!("{other:?} {}", accepted.body),
        }
    }
}
