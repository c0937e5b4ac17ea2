//! The four handlers end to end in process: real DynamoDB Local and moto (SES v2) behind the production
//! adapters, requests as API Gateway HTTP API events, answers checked against SPEC §2-§7.
use e2e::proxy::Proxy;
use e2e::{
    all_items, answer, claims, event_json, logs, mail_settings, request, sdk, unique, Answer, Backend, Options, Ses,
};
use futures::future::join_all;
use invitations::api;
use invitations::mail::SesMailer;
use invitations::service::{Deps, Sender};
use invitations::store::dynamo::DynamoStore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// A backend and an account of this test's own.
struct Svc {
    backend: Backend,
    account: String,
}

// The backend's fields read as the test's own (`s.deps`, `s.ses`, …).
impl std::ops::Deref for Svc {
    type Target = Backend;
    fn deref(&self) -> &Backend {
        &self.backend
    }
}

async fn svc_with(options: Options) -> Svc {
    logs::capture();
    Svc { backend: Backend::with(options).await, account: unique("acct") }
}

async fn svc() -> Svc {
    svc_with(Options::default()).await
}

fn access_infra() -> Value {
    json!({"infrastructure": {"permissions": "basic_user"}})
}

impl Svc {
    async fn call(&self, ev: Value) -> Answer {
        let route = ev["routeKey"].as_str().unwrap().to_owned();
        let req = request(&ev);
        let resp = if route.starts_with("POST") && route.ends_with("/resend") {
            api::resend(&self.deps, &self.sender, req).await
        } else if route.starts_with("POST") {
            api::invite(&self.deps, &self.sender, req).await
        } else if route.starts_with("GET") {
            api::list(&self.deps, req).await
        } else {
            api::cancel(&self.deps, req).await
        };
        answer(resp.unwrap())
    }

    fn claims(&self, roles: &str) -> Option<Value> {
        Some(claims(&self.account, roles))
    }

    async fn invite(&self, body: Value) -> Answer {
        self.invite_raw(&body.to_string()).await
    }

    async fn invite_raw(&self, body: &str) -> Answer {
        let path = format!("/accounts/{}/invitations", self.account);
        self.call(event_json("POST", &path, &[], self.claims("owner"), Some(body))).await
    }

    async fn invite_one(&self, email: &str) -> Value {
        let a = self.invite(json!({"invitees": email, "access": access_infra()})).await;
        assert_eq!(a.status, 201, "{}", a.body);
        a.body["results"][0]["invitation"].clone()
    }

    async fn list(&self, query: &[(&str, &str)]) -> Answer {
        let path = format!("/accounts/{}/invitations", self.account);
        self.call(event_json("GET", &path, query, self.claims("owner"), None)).await
    }

    async fn cancel(&self, id: &str) -> Answer {
        let path = format!("/accounts/{}/invitations/{id}", self.account);
        self.call(event_json("DELETE", &path, &[], self.claims("owner"), None)).await
    }

    async fn resend(&self, id: &str) -> Answer {
        let path = format!("/accounts/{}/invitations/{id}/resend", self.account);
        self.call(event_json("POST", &path, &[], self.claims("owner"), None)).await
    }

    async fn items(&self) -> Vec<Value> {
        all_items(&self.db, &self.table)
            .await
            .into_iter()
            .map(|item| {
                let m: serde_json::Map<String, Value> = item
                    .into_iter()
                    .map(|(k, v)| {
                        let v =
                            v.as_s().map(|s| json!(s)).or_else(|_| v.as_n().map(|n| json!(n))).unwrap_or(Value::Null);
                        (k, v)
                    })
                    .collect();
                Value::Object(m)
            })
            .collect()
    }

    async fn invitation_items(&self) -> Vec<Value> {
        self.items().await.into_iter().filter(|i| i["sk"].as_str().unwrap().starts_with("INV#")).collect()
    }
}

fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn assert_error(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.body["error"]["code"], code, "{}", a.body);
    assert!(a.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn invite_sends_one_email_each_and_stores_only_the_token_hash() {
    let s = svc().await;
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

    let mail = s.ses.sent().await;
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
async fn html_escapes_values_in_the_email() {
    let s = svc().await;
    let a = s
        .invite(json!({"invitees": "x@example.com", "access": {"cloud_foundry": {"org": "<script>alert(1)</script>", "org_roles": ["Auditor"]}}}))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let html = &s.ses.sent().await[0].html;
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
}

#[tokio::test]
async fn a_mixed_batch_answers_207_in_input_order() {
    let s = svc().await;
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
    assert_eq!(s.ses.sent().await.len(), 2, "one email per new invitation");
    assert_eq!(s.invitation_items().await.len(), 2);
}

#[tokio::test]
async fn reinvite_after_cancel_makes_a_new_invitation() {
    let s = svc().await;
    let first = s.invite_one("c@x.io").await;
    assert_eq!(s.cancel(first["id"].as_str().unwrap()).await.status, 200);
    let second = s.invite_one("C@x.io").await;
    assert_ne!(first["id"], second["id"]);
    assert_eq!(second["status"], "pending");
}

#[tokio::test]
async fn when_ses_refuses_the_invitation_stays_processing() {
    let s = svc_with(Options { ses: Some(Ses::unverified()), ..Default::default() }).await;
    let a = s.invite(json!({"invitees": "d@x.io", "access": access_infra()})).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["results"][0]["outcome"], "invited");
    assert_eq!(a.body["results"][0]["invitation"]["status"], "processing");
    assert_eq!(a.body["results"][0]["invitation"]["send_count"], 1, "one attempt");
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
    let s = svc_with(Options { ses_url: Some(proxy.url.clone()), ..Default::default() }).await;
    let a = s.invite(json!({"invitees": "e@x.io", "access": access_infra()})).await;
    assert_eq!(a.body["results"][0]["invitation"]["status"], "pending", "{}", a.body);
    assert_eq!(proxy.requests(), 3, "two throttled attempts, then the one that went through");
    assert_eq!(s.ses.sent().await.len(), 1);
}

#[tokio::test]
async fn callers_without_claims_account_or_role_are_refused() {
    let s = svc().await;
    let body = json!({"invitees": "f@x.io", "access": access_infra()}).to_string();
    let path = format!("/accounts/{}/invitations", s.account);
    let cases: Vec<(Option<Value>, &str, u16, &str)> = vec![
        (None, &path, 401, "unauthenticated"),
        (Some(json!({"account_id": s.account, "roles": "owner"})), &path, 401, "unauthenticated"),
        (Some(json!({"sub": "u", "roles": "owner"})), &path, 401, "unauthenticated"),
        (Some(claims(&s.account, "owner")), "/accounts/someone-else/invitations", 403, "forbidden"),
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
    assert!(s.ses.sent().await.is_empty());
    // Bracketed roles as API Gateway flattens a JSON array.
    let a = s
        .call(event_json("POST", &path, &[], Some(claims(&s.account, "[iam_admin infra_add_users]")), Some(&body)))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
}

#[tokio::test]
async fn bad_bodies_are_400_or_413_and_change_nothing() {
    let s = svc().await;
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
    assert!(s.ses.sent().await.is_empty());
}

#[tokio::test]
async fn list_pages_filters_and_guards_its_cursor() {
    let s = svc().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(s.invite_one(&format!("l{i}@x.io")).await["id"].as_str().unwrap().to_owned());
    }
    s.cancel(&ids[0]).await;
    ids.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = vec![("limit", "3")];
        if let Some(c) = &cursor {
            q.push(("cursor", c.as_str()));
        }
        let a = s.list(&q).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let page = a.body["invitations"].as_array().unwrap();
        assert!(page.len() <= 3);
        seen.extend(page.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        match a.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every invitation once, newest first");

    let pending = s.list(&[("status", "pending,processing")]).await;
    assert_eq!(pending.body["invitations"].as_array().unwrap().len(), 6);
    let cancelled = s.list(&[("status", "cancelled")]).await;
    assert_eq!(cancelled.body["invitations"][0]["id"], ids[6].as_str());
    let by_email = s.list(&[("email", "L3@X.io")]).await;
    assert_eq!(by_email.body["invitations"].as_array().unwrap().len(), 1);
    assert_eq!(by_email.body["invitations"][0]["email"], "l3@x.io");
    assert!(by_email.body["next_cursor"].is_null());

    let first = s.list(&[("limit", "2"), ("status", "pending")]).await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(s.list(&[("limit", "2"), ("status", "pending"), ("cursor", &cursor)]).await.status, 200);
    // Replayed under another filter, or forged: 400, never 500.
    assert_error(
        &s.list(&[("limit", "2"), ("status", "processing"), ("cursor", &cursor)]).await,
        400,
        "invalid_cursor",
    );
    assert_error(&s.list(&[("limit", "2"), ("cursor", &cursor)]).await, 400, "invalid_cursor");
    assert_error(&s.list(&[("cursor", "garbage!")]).await, 400, "invalid_cursor");
    assert_error(&s.list(&[("cursor", &cursor[..cursor.len() - 2])]).await, 400, "invalid_cursor");
    // Replayed in another account.
    let other = format!("/accounts/{}/invitations", "other-acct");
    let q = [("limit", "2"), ("status", "pending"), ("cursor", cursor.as_str())];
    let a = s.call(event_json("GET", &other, &q, Some(claims("other-acct", "owner")), None)).await;
    assert_error(&a, 400, "invalid_cursor");

    for q in [
        [("limit", "0")],
        [("limit", "101")],
        [("limit", "ten")],
        [("status", "bogus")],
        [("status", "")],
        [("email", "nope")],
        [("sort", "asc")],
    ] {
        assert_error(&s.list(&q).await, 400, "invalid_request");
    }
}

#[tokio::test]
async fn cancel_answers_200_then_409_and_404_for_strangers() {
    let s = svc().await;
    let inv = s.invite_one("k@x.io").await;
    let id = inv["id"].as_str().unwrap();
    let a = s.cancel(id).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "cancelled");
    assert_eq!(a.body["id"], id);
    let again = s.cancel(id).await;
    assert_error(&again, 409, "invalid_state");
    assert!(again.body["error"]["message"].as_str().unwrap().contains("cancelled"));
    assert_error(&s.cancel(&invitations::domain::InvitationId::new().to_string()).await, 404, "not_found");
    assert_error(&s.cancel("not-an-id").await, 404, "not_found");
    // Another account's caller with this id: not found, and the invitation is untouched.
    let other = s.invite_one("k2@x.io").await;
    let path = format!("/accounts/intruder/invitations/{}", other["id"].as_str().unwrap());
    assert_error(
        &s.call(event_json("DELETE", &path, &[], Some(claims("intruder", "owner")), None)).await,
        404,
        "not_found",
    );
    let list = s.list(&[("email", "k2@x.io")]).await;
    assert_eq!(list.body["invitations"][0]["status"], "pending");
}

#[tokio::test]
async fn resend_makes_a_new_token_and_respects_the_cooldown() {
    let s = svc().await;
    let inv = s.invite_one("r@x.io").await;
    let id = inv["id"].as_str().unwrap();
    let soon = s.resend(id).await;
    assert_error(&soon, 429, "resend_too_soon");
    assert_eq!(soon.headers["retry-after"], "60");
    s.clock.advance(Duration::from_secs(45));
    assert_eq!(s.resend(id).await.headers["retry-after"], "15");
    s.clock.advance(Duration::from_secs(16));
    let a = s.resend(id).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["send_count"], 2);
    assert_eq!(a.body["status"], "pending");
    assert_ne!(a.body["last_sent_at"], inv["last_sent_at"]);

    let mail = s.ses.sent().await;
    assert_eq!(mail.len(), 2);
    let (_, old_token) = mail[0].link();
    let (link_id, new_token) = mail[1].link();
    assert_eq!(link_id, id);
    assert_ne!(old_token, new_token);
    let item = s.invitation_items().await.remove(0);
    assert_eq!(item["token_hash"], sha256(&new_token), "only the newest link works");
    assert!(!logs::text().contains(&new_token));

    assert_eq!(s.cancel(id).await.status, 200);
    s.clock.advance(Duration::from_secs(120));
    assert_error(&s.resend(id).await, 409, "invalid_state");
    assert_error(&s.resend(&invitations::domain::InvitationId::new().to_string()).await, 404, "not_found");
    assert_error(&s.resend("..%2F..%2Fx").await, 404, "not_found");
}

#[tokio::test]
async fn a_resend_whose_email_fails_is_503_and_goes_back_to_the_sweep() {
    let s = svc().await;
    let inv = s.invite_one("z@x.io").await;
    let id = inv["id"].as_str().unwrap();
    // Same table, a sender SES refuses.
    let refused = Ses::unverified();
    let settings = mail_settings(&refused);
    let broken =
        Sender { mailer: Arc::new(SesMailer::new(invitations::aws::ses_client(&sdk().await), &settings)), settings };
    s.clock.advance(Duration::from_secs(61));
    let ev =
        event_json("POST", &format!("/accounts/{}/invitations/{id}/resend", s.account), &[], s.claims("owner"), None);
    let a = answer(api::resend(&s.deps, &broken, request(&ev)).await.unwrap());
    assert_error(&a, 503, "unavailable");
    let item = s.invitation_items().await.remove(0);
    assert_eq!(item["status"], "processing", "handed to the sweep, not lost");
    assert_eq!(item["send_count"], "2", "the refused attempt counts toward MAX_SENDS");
}

#[tokio::test]
async fn fifty_racing_cancels_give_one_200_and_49_409s() {
    let s = svc().await;
    let id = s.invite_one("race@x.io").await["id"].as_str().unwrap().to_owned();
    let answers = join_all((0..50).map(|_| s.cancel(&id))).await;
    let ok = answers.iter().filter(|a| a.status == 200).count();
    let conflict = answers.iter().filter(|a| a.status == 409).count();
    assert_eq!((ok, conflict), (1, 49));
}

#[tokio::test]
async fn twenty_racing_invites_of_one_address_open_one_invitation() {
    let s = svc().await;
    let answers = join_all((0..20).map(|_| s.invite(json!({"invitees": "same@x.io", "access": access_infra()})))).await;
    let invited = answers.iter().filter(|a| a.body["results"][0]["outcome"] == "invited").count();
    let already = answers.iter().filter(|a| a.body["results"][0]["outcome"] == "already_invited").count();
    assert_eq!((invited, already), (1, 19), "{:?}", answers.iter().map(|a| a.body.to_string()).collect::<Vec<_>>());
    assert_eq!(s.invitation_items().await.len(), 1);
    assert_eq!(s.ses.sent().await.len(), 1, "one email");
}

#[tokio::test]
async fn an_unreachable_table_is_503_and_a_corrupt_item_is_a_bare_500() {
    let s = svc().await;
    let sdk = sdk().await;
    let down = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk).endpoint_url("http://127.0.0.1:1").build(),
    );
    let deps = Deps { store: Arc::new(DynamoStore::new(down, &s.table)), ..s.deps.clone() };
    let path = format!("/accounts/{}/invitations", s.account);
    let a = answer(api::list(&deps, request(&event_json("GET", &path, &[], s.claims("owner"), None))).await.unwrap());
    assert_error(&a, 503, "unavailable");
    let body = json!({"invitees": "u@x.io", "access": access_infra()}).to_string();
    let a = answer(
        api::invite(&deps, &s.sender, request(&event_json("POST", &path, &[], s.claims("owner"), Some(&body))))
            .await
            .unwrap(),
    );
    assert_error(&a, 503, "unavailable");
    assert!(s.ses.sent().await.is_empty(), "no email for an invitation that was not stored");

    // An item the code cannot read (a hand edit): 500 with nothing of the cause, the cause in the log.
    let inv = s.invite_one("v@x.io").await;
    let key = [("pk", format!("ACCOUNT#{}", s.account)), ("sk", format!("INV#{}", inv["id"].as_str().unwrap()))];
    let mut update = s.db.update_item().table_name(&s.table).update_expression("SET #s = :s");
    for (k, v) in key {
        update = update.key(k, aws_sdk_dynamodb::types::AttributeValue::S(v));
    }
    let marker = unique("bogus-status");
    update
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":s", aws_sdk_dynamodb::types::AttributeValue::S(marker.clone()))
        .send()
        .await
        .unwrap();
    let a = s.list(&[]).await;
    assert_eq!(a.status, 500);
    assert_eq!(a.body, json!({"error": {"code": "internal", "message": "internal error"}}));
    assert!(logs::text().contains("malformed"), "the log says what went wrong");
}

#[tokio::test]
async fn handlers_read_the_caller_from_the_authorizer_only() {
    let s = svc().await;
    // A valid local development token in the header is nothing to a Lambda handler.
    let dev = local::auth::DevAuth::new();
    let token = dev.mint(claims(&s.account, "owner").as_object().unwrap(), Duration::from_secs(60));
    let mut ev = event_json("GET", &format!("/accounts/{}/invitations", s.account), &[], None, None);
    ev["headers"]["authorization"] = json!(format!("Bearer {token}"));
    ev["headers"]["x-account-id"] = json!(s.account);
    assert_error(&s.call(ev).await, 401, "unauthenticated");
}

impl Svc {
    async fn invite_with_key(&self, key: &str, user: &str, body: &Value) -> (u16, String) {
        let path = format!("/accounts/{}/invitations", self.account);
        let mut c = claims(&self.account, "owner");
        c["sub"] = json!(user);
        let mut ev = event_json("POST", &path, &[], Some(c), Some(&body.to_string()));
        ev["headers"]["idempotency-key"] = json!(key);
        let resp = api::invite(&self.deps, &self.sender, request(&ev)).await.unwrap();
        (resp.status().as_u16(), String::from_utf8(resp.body().as_ref().to_vec()).unwrap())
    }
}

#[tokio::test]
async fn an_idempotent_retry_returns_the_first_answer_byte_for_byte_and_sends_nothing() {
    let s = svc().await;
    let body = json!({"invitees": "idem1@x.io, idem2@x.io, bad", "access": access_infra()});
    let first = s.invite_with_key("order-42", "user-1", &body).await;
    assert_eq!(first.0, 207);
    assert_eq!(s.ses.sent().await.len(), 2);
    s.clock.advance(Duration::from_secs(23 * 3600));
    let again = s.invite_with_key("order-42", "user-1", &body).await;
    assert_eq!(again, first, "the same status and the same bytes");
    assert_eq!(s.ses.sent().await.len(), 2, "no second email");
    assert_eq!(s.invitation_items().await.len(), 2);

    let other_body = json!({"invitees": "idem3@x.io", "access": access_infra()});
    let (status, conflict) = s.invite_with_key("order-42", "user-1", &other_body).await;
    assert_eq!(status, 409);
    assert!(conflict.contains("idempotency_conflict"));
    let (status, _) = s.invite_with_key("order-42", "user-2", &body).await;
    assert_eq!(status, 409, "another caller's request is another request");

    // After 24 hours the key is forgotten: the request runs again (and finds the invitations open).
    s.clock.advance(Duration::from_secs(3601));
    let later = s.invite_with_key("order-42", "user-1", &body).await;
    assert_ne!(later, first);
    assert!(later.1.contains("already_invited"));
    assert_eq!(s.ses.sent().await.len(), 2);

    for bad in ["", " padded", &"k".repeat(65)] {
        let (status, body) = s.invite_with_key(bad, "user-1", &body).await;
        assert_eq!(status, 400, "{bad:?}: {body}");
    }
}

#[tokio::test]
async fn concurrent_requests_with_one_key_run_the_work_once() {
    let s = svc().await;
    let body = json!({"invitees": "once@x.io", "access": access_infra()});
    let answers = join_all((0..10).map(|_| s.invite_with_key("same-key", "user-1", &body))).await;
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, 201);
    assert_eq!(s.ses.sent().await.len(), 1);
}
