//! Invite: what is stored, what is sent, what is refused.
use super::{assert_error, sha256};
use e2e::proxy::Proxy;
use e2e::{access_infra, claims, event_json, logs, App, Options, Ses};
use serde_json::{json, Value};

#[tokio::test]
async fn invite_sends_one_email_each_and_stores_only_the_token_hash() {
    let s = App::new().await;
    let a = s
        .invite(json!({"invitees": ["alice.liddell@example.com", "Bob@Example.com"], "access": {
            "iam": [{"service": "cloud-object-storage", "roles": ["Viewer"]}],
            "infrastructure": {"permissions": "basic_user"}}}))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let results = a.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[1]["invitee"], "Bob@Example.com");
    for r in results {
        assert_eq!(r["outcome"], "invited");
        let inv = &r["invitation"];
        assert_eq!(inv["status"], "pending");
        assert_eq!(inv["send_count"], 1);
        assert_eq!(inv["account_id"], s.account.as_str());
        assert_eq!(inv["invited_by"], "user-1");
        assert_eq!(inv["access"]["cloud_foundry"], "no_access");
        assert!(inv["last_sent_at"].is_string());
        let keys: Vec<&str> = inv.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert!(!keys.iter().any(|k| k.contains("token") || *k == "pk" || *k == "sk"), "{keys:?}");
    }
    assert_eq!(results[1]["invitation"]["email"], "bob@example.com");

    let mail = s.backend.ses.sent().await;
    assert_eq!(mail.len(), 2);
    let items = s.invitation_items().await;
    for m in &mail {
        let (id, token) = m.link();
        let inv = results
            .iter()
            .map(|r| &r["invitation"])
            .find(|i| i["id"] == id.as_str())
            .expect("link names an invitation");
        assert_eq!(m.to, vec![inv["email"].as_str().unwrap().to_owned()]);
        assert!(m.html.contains("admin@example.com") && m.html.contains(&s.account), "who and where: {}", m.html);
        assert!(m.html.contains("cloud-object-storage") && m.html.contains("basic_user"), "the access granted");
        assert!(m.subject.contains(&s.account));
        let item = items.iter().find(|i| i["id"] == id.as_str()).unwrap();
        assert_eq!(item["token_hash"], sha256(&token), "the table holds the SHA-256 of the link's token");
        // The raw token is nowhere: not in the table, the answer or the logs.
        assert!(!serde_json::to_string(&s.items().await).unwrap().contains(&token));
        assert!(!a.body.to_string().contains(&token));
        assert!(!logs::text().contains(&token));
    }
    let log = logs::text();
    assert!(log.contains("a***@example.com"), "addresses are logged masked");
    assert!(!log.contains("alice.liddell@example.com"), "never in clear");
}

#[tokio::test]
async fn an_inviter_address_the_identity_provider_did_not_verify_is_not_in_the_email() {
    let s = App::new().await;
    let mut unverified = claims(&s.account, "owner");
    unverified.as_object_mut().unwrap().remove("email_verified");
    let body = json!({"invitees": "unv@example.com", "access": access_infra()}).to_string();
    let a = s.call(event_json("POST", &s.path(""), &[], Some(unverified), Some(&body))).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let mail = s.backend.ses.sent().await.pop().expect("the email");
    assert!(!mail.html.contains("admin@example.com"), "{}", mail.html);
    assert!(mail.html.contains("An administrator") && mail.html.contains(&s.account), "{}", mail.html);
    let items = s.invitation_items().await;
    assert!(items.iter().all(|i| i.get("inviter_email").is_none()), "{items:?}");
}

#[tokio::test]
async fn html_escapes_values_in_the_email() {
    let s = App::new().await;
    let a = s
        .invite(json!({"invitees": "x@example.com", "access": {"cloud_foundry": {"org": "<script>alert(1)</script>", "org_roles": ["Auditor"]}}}))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let html = &s.backend.ses.sent().await[0].html;
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
}

#[tokio::test]
async fn a_mixed_batch_answers_207_in_input_order() {
    let s = App::new().await;
    let existing = s.invite_one("b@x.io").await;
    let a = s.invite(json!({"invitees": "a@x.io, not-an-address A@X.IO\nb@x.io", "access": access_infra()})).await;
    assert_eq!(a.status, 207, "{}", a.body);
    let outcomes: Vec<(&str, &str)> = a.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["invitee"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(outcomes, [("a@x.io", "invited"), ("not-an-address", "invalid"), ("b@x.io", "already_invited")]);
    assert!(a.body["results"][1]["error"].is_string());
    assert!(a.body["results"][1].get("invitation").is_none());
    assert_eq!(a.body["results"][2]["invitation"]["id"], existing["id"]);
    assert_eq!(s.backend.ses.sent().await.len(), 2, "one email per new invitation");
    assert_eq!(s.invitation_items().await.len(), 2);
}

#[tokio::test]
async fn reinvite_after_cancel_makes_a_new_invitation() {
    let s = App::new().await;
    let first = s.invite_one("c@x.io").await;
    assert_eq!(s.cancel(first["id"].as_str().unwrap()).await.status, 200);
    let second = s.invite_one("C@x.io").await;
    assert_ne!(first["id"], second["id"]);
    assert_eq!(second["status"], "pending");
}

#[tokio::test]
async fn when_ses_refuses_the_invitation_stays_processing() {
    let s = App::with(Options { ses: Some(Ses::unverified()), ..Default::default() }).await;
    let a = s.invite(json!({"invitees": "d@x.io", "access": access_infra()})).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["results"][0]["outcome"], "invited");
    assert_eq!(a.body["results"][0]["invitation"]["status"], "processing");
    assert_eq!(a.body["results"][0]["invitation"]["send_count"], 0, "no email was accepted");
    assert!(a.body["results"][0]["invitation"]["last_sent_at"].is_null(), "nothing was sent");
    let items = s.invitation_items().await;
    assert_eq!(items.len(), 1, "nothing lost: the invitation is stored for the sweep");
    assert_eq!(items[0]["status"], "processing");
    // And it still blocks a second open invitation of the same address.
    let again = s.invite(json!({"invitees": "d@x.io", "access": access_infra()})).await;
    assert_eq!(again.body["results"][0]["outcome"], "already_invited");
}

#[tokio::test]
async fn ses_throttling_is_retried_with_backoff() {
    let proxy = Proxy::throttling(std::env::var("AWS_ENDPOINT_URL_SESV2").unwrap(), 2).await;
    let s = App::with(Options { ses_url: Some(proxy.url.clone()), ..Default::default() }).await;
    let a = s.invite(json!({"invitees": "e@x.io", "access": access_infra()})).await;
    assert_eq!(a.body["results"][0]["invitation"]["status"], "pending", "{}", a.body);
    assert_eq!(proxy.requests(), 3, "two throttled attempts, then the one that went through");
    assert_eq!(s.backend.ses.sent().await.len(), 1);
}

#[tokio::test]
async fn callers_without_claims_account_or_role_are_refused() {
    let s = App::new().await;
    let body = json!({"invitees": "f@x.io", "access": access_infra()}).to_string();
    let path = s.path("");
    let cases: Vec<(Option<Value>, &str, u16, &str)> = vec![
        (None, &path, 401, "unauthenticated"),
        (Some(json!({"account_id": s.account, "roles": "owner"})), &path, 401, "unauthenticated"),
        (Some(json!({"sub": "u", "roles": "owner"})), &path, 401, "unauthenticated"),
        (s.owner(), "/accounts/someone-else/invitations", 403, "forbidden"),
        (Some(claims(&s.account, "")), &path, 403, "forbidden"),
        (Some(claims(&s.account, "iam_admin")), &path, 403, "forbidden"),
    ];
    for (claims, path, status, code) in cases {
        let a = s.call(event_json("POST", path, &[], claims.clone(), Some(&body))).await;
        assert_error(&a, status, code);
        for (method, p) in
            [("GET", path.to_owned()), ("DELETE", format!("{path}/x")), ("POST", format!("{path}/x/resend"))]
        {
            let a = s.call(event_json(method, &p, &[], claims.clone(), None)).await;
            assert_eq!(a.status, status, "{method} {p}: {}", a.body);
        }
    }
    let a = s.call(event_json("POST", &path, &[], Some(claims(&s.account, "org_manager")), Some(&body))).await;
    assert!(a.body["error"]["message"].as_str().unwrap().contains("infrastructure"), "names the option");
    assert!(s.items().await.is_empty(), "nothing created");
    assert!(s.backend.ses.sent().await.is_empty());
    // Bracketed roles as API Gateway flattens a JSON array.
    let a = s
        .call(event_json("POST", &path, &[], Some(claims(&s.account, "[iam_admin infra_add_users]")), Some(&body)))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
}

#[tokio::test]
async fn bad_bodies_are_400_or_413_and_change_nothing() {
    let s = App::new().await;
    let hundred_one: Vec<String> = (0..101).map(|i| format!("u{i}@x.io")).collect();
    let cases = vec![
        String::new(),
        "not json".into(),
        "[]".into(),
        "null".into(),
        "{}".into(),
        json!({"invitees": "a@x.io"}).to_string(),
        json!({"access": access_infra()}).to_string(),
        json!({"invitees": "a@x.io", "access": access_infra(), "extra": 1}).to_string(),
        json!({"invitees": 5, "access": access_infra()}).to_string(),
        json!({"invitees": "", "access": access_infra()}).to_string(),
        json!({"invitees": hundred_one, "access": access_infra()}).to_string(),
        json!({"invitees": "a@x.io", "access": {}}).to_string(),
        json!({"invitees": "a@x.io", "access": {"infrastructure": {"permissions": "root"}}}).to_string(),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        "{\"invitees\": \"a@x.io\", \"access\": ".into(),
    ];
    for body in cases {
        let a = s.invite_raw(&body).await;
        assert_error(&a, 400, "invalid_request");
    }
    let huge = json!({"invitees": "a@x.io", "access": access_infra(), "pad": "x".repeat(70_000)}).to_string();
    assert_error(&s.invite_raw(&huge).await, 413, "payload_too_large");
    assert!(s.items().await.is_empty());
    assert!(s.backend.ses.sent().await.is_empty());
}
