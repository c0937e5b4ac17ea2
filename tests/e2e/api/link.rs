//! A new accept link in the answer, through the handlers on DynamoDB Local: one write makes the old link
//! dead, the invitation stays bound to its invitee, and the link is nowhere but in the answer.
use super::{assert_error, sha256};
use e2e::{event_json, logs, App};
use serde_json::json;

async fn link(s: &App, id: &str, roles: &str, key: Option<&str>) -> e2e::Answer {
    let mut event =
        event_json("POST", &s.path(&format!("/{id}/link")), &[], Some(e2e::claims(&s.account, roles)), None);
    if let Some(key) = key {
        event["headers"]["idempotency-key"] = json!(key);
    }
    s.call(event).await
}

/// The token of an accept URL.
fn token_of(url: &str) -> String {
    let url = url::Url::parse(url).unwrap();
    url.query_pairs().find(|(k, _)| k == "token").map(|(_, v)| v.into_owned()).expect("a token")
}

async fn accept(s: &App, id: &str, token: &str, sub: &str, email: &str) -> e2e::Answer {
    let body = json!({"token": token}).to_string();
    s.call(event_json("POST", &s.path(&format!("/{id}/accept")), &[], Some(e2e::invitee(sub, email)), Some(&body)))
        .await
}

#[tokio::test]
async fn a_new_link_kills_the_old_one_stays_bound_and_is_only_in_the_answer() {
    let s = App::new().await;
    let id = s.invite_one("ann@x.io").await["id"].as_str().unwrap().to_owned();
    let (_, emailed) = s.backend.ses.sent().await[0].link();

    assert_error(&link(&s, &id, "org_manager", None).await, 403, "forbidden");
    let a = link(&s, &id, "owner", None).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.headers["cache-control"], "no-store");
    let url = a.body["accept_url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("https://app.example.com/accept?account={}&invitation={id}&token=", s.account)),
        "{url}"
    );
    let token = token_of(&url);
    assert_ne!(token, emailed);
    assert_eq!(
        (a.body["invitation"]["id"].as_str(), a.body["invitation"]["status"].as_str()),
        (Some(id.as_str()), Some("pending"))
    );
    let item = s.invitation_items().await.remove(0);
    assert_eq!(item["token_hash"], sha256(&token), "one write: the new token is the one stored");
    assert_eq!(s.backend.ses.sent().await.len(), 1, "no email");
    assert!(!logs::text().contains(&token), "never logged");

    // With an Idempotency-Key too, each request makes a link of its own: none is kept to be replayed.
    let first = link(&s, &id, "owner", Some("k1")).await;
    let again = link(&s, &id, "owner", Some("k1")).await;
    let (first, again) =
        (token_of(first.body["accept_url"].as_str().unwrap()), token_of(again.body["accept_url"].as_str().unwrap()));
    assert_ne!(first, again);
    for old in [&emailed, &token, &first] {
        assert_error(&accept(&s, &id, old, "ann-sub", "ann@x.io").await, 403, "invalid_token");
    }
    // Still bound to the address it was sent to.
    assert_error(&accept(&s, &id, &again, "eve-sub", "eve@x.io").await, 403, "email_mismatch");
    let joined = accept(&s, &id, &again, "ann-sub", "ann@x.io").await;
    assert_eq!(joined.status, 200, "{}", joined.body);

    assert_error(&link(&s, &id, "owner", None).await, 409, "invalid_state");
    assert_error(
        &link(&s, &invitations::domain::InvitationId::new().to_string(), "owner", None).await,
        404,
        "not_found",
    );
    assert!(!logs::text().contains(&again));
}
