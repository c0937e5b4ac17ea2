//! Tenant isolation, the role table through the handlers, and what the logs may hold.
use e2e::{access_infra, claims, event_json, logs, unique, App};
use serde_json::{json, Value};
use std::time::Duration;

async fn call(
    app: &App,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    claims: Value,
    body: Option<Value>,
) -> (u16, Value) {
    let body = body.map(|b| b.to_string());
    let a = app.call(event_json(method, path, query, Some(claims), body.as_deref())).await;
    (a.status, a.body)
}

#[tokio::test]
async fn no_route_lets_one_account_see_or_touch_another() {
    let s = App::new().await;
    let (a, b) = (unique("tenant-a"), unique("tenant-b"));
    let (status, body) = call(
        &s,
        "POST",
        &format!("/accounts/{a}/invitations"),
        &[],
        claims(&a, "owner"),
        Some(json!({"invitees": "secret@a.io", "access": access_infra()})),
    )
    .await;
    assert_eq!(status, 201);
    let id = body["results"][0]["invitation"]["id"].as_str().unwrap().to_owned();
    let intruder = claims(&b, "owner");
    let mut leaks = Vec::new();
    // The intruder's own account, the victim's ids.
    let own = format!("/accounts/{b}/invitations");
    type Case<'a> = (&'a str, String, Vec<(&'a str, &'a str)>, u16);
    let cases: Vec<Case> = vec![
        ("GET", own.clone(), vec![], 200),
        ("GET", own.clone(), vec![("email", "secret@a.io")], 200),
        ("GET", own.clone(), vec![("status", "pending,processing")], 200),
        ("DELETE", format!("{own}/{id}"), vec![], 404),
        ("POST", format!("{own}/{id}/resend"), vec![], 404),
        // The victim's account in the path.
        ("GET", format!("/accounts/{a}/invitations"), vec![], 403),
        ("DELETE", format!("/accounts/{a}/invitations/{id}"), vec![], 403),
        ("POST", format!("/accounts/{a}/invitations/{id}/resend"), vec![], 403),
        ("POST", format!("/accounts/{a}/invitations"), vec![], 403),
    ];
    for (method, path, query, expected) in cases {
        let body = (method == "POST" && !path.ends_with("/resend"))
            .then(|| json!({"invitees": "x@b.io", "access": access_infra()}));
        let (status, answer) = call(&s, method, &path, &query, intruder.clone(), body).await;
        if status != expected || answer.to_string().contains("secret@a.io") || answer.to_string().contains(&id) {
            leaks.push(format!("{method} {path} {query:?}: {status} {answer}"));
        }
    }
    assert!(leaks.is_empty(), "{leaks:#?}");
    // The victim's invitation is untouched.
    let (_, list) = call(&s, "GET", &format!("/accounts/{a}/invitations"), &[], claims(&a, "owner"), None).await;
    assert_eq!(list["invitations"][0]["status"], "pending");
    assert_eq!(list["invitations"][0]["send_count"], 1);
}

#[tokio::test]
async fn every_role_set_grants_exactly_the_documented_table() {
    let s = App::new().await;
    let options = [
        ("iam", json!({"iam": [{"service": "s", "roles": ["Viewer"]}]})),
        ("cloud_foundry", json!({"cloud_foundry": {"org": "o", "org_roles": ["Auditor"]}})),
        ("infrastructure", access_infra()),
    ];
    // Which role may grant which access, as the API documents it, written out independently of the code.
    let table: &[(&str, &[&str])] = &[
        ("owner", &["iam", "cloud_foundry", "infrastructure"]),
        ("org_manager", &["cloud_foundry"]),
        ("infra_add_users", &["infrastructure"]),
        ("iam_admin", &[]),
        ("iam_admin owner", &["iam", "cloud_foundry", "infrastructure"]),
        ("iam_admin org_manager", &["iam", "cloud_foundry"]),
        ("[iam_admin infra_add_users]", &["iam", "infrastructure"]),
        ("org_manager infra_add_users", &["cloud_foundry", "infrastructure"]),
        ("[org_manager infra_add_users iam_admin]", &["iam", "cloud_foundry", "infrastructure"]),
        ("", &[]),
        ("viewer editor", &[]),
    ];
    let mut n = 0;
    for (roles, grants) in table {
        for (name, access) in &options {
            let account = unique("roles");
            n += 1;
            let body = json!({"invitees": format!("r{n}@x.io"), "access": access});
            let path = format!("/accounts/{account}/invitations");
            let (status, answer) = call(&s, "POST", &path, &[], claims(&account, roles), Some(body)).await;
            let expected = if grants.contains(name) { 201 } else { 403 };
            assert_eq!(status, expected, "{roles:?} granting {name}: {answer}");
            if expected == 403 && !grants.is_empty() {
                assert!(answer["error"]["message"].as_str().unwrap().contains(name), "names the option: {answer}");
            }
        }
    }
    assert_eq!(s.backend.ses.sent().await.len(), table.iter().map(|(_, g)| g.len()).sum::<usize>());
}

#[tokio::test]
async fn every_log_line_masks_addresses_and_holds_no_token() {
    let s = App::new().await;
    let account = unique("logs");
    let owner = claims(&account, "owner");
    let path = format!("/accounts/{account}/invitations");
    let (status, body) = call(
        &s,
        "POST",
        &path,
        &[],
        owner.clone(),
        Some(json!({"invitees": "maria.garcia@example.com, k@example.com, nope", "access": access_infra()})),
    )
    .await;
    assert_eq!(status, 207, "{body}");
    let id = body["results"][0]["invitation"]["id"].as_str().unwrap().to_owned();
    // Past the resend cooldown, so the resend sends a second email with a second token.
    s.backend.clock.advance(Duration::from_secs(61));
    let steps = [
        ("POST", format!("{path}/{id}/resend"), vec![], 200),
        ("GET", path.clone(), vec![("email", "maria.garcia@example.com")], 200),
        ("GET", path.clone(), vec![("email", "not an address maria.garcia@example.com")], 400),
        ("DELETE", format!("{path}/{id}"), vec![], 200),
    ];
    for (method, path, query, expected) in steps {
        let (status, answer) = call(&s, method, &path, &query, owner.clone(), None).await;
        assert_eq!(status, expected, "{method} {path} {query:?}: {answer}");
    }
    let tokens: Vec<String> = s.backend.ses.sent().await.iter().map(|m| m.link().1).collect();
    assert_eq!(tokens.len(), 3, "the invitations and the resend");
    let log = logs::text();
    assert!(log.contains("m***@example.com"), "the flow was logged");
    // A one-character local part is all a mask could show, so it is hidden whole.
    assert!(log.contains("\"***@example.com\"") && !log.contains("k@example.com"), "k@ masked whole");
    for line in log.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|_| panic!("not a JSON line: {line}"));
        assert_eq!(invitations::logging::scrub(line), line, "an unmasked address");
        assert!(!tokens.iter().any(|t| line.contains(t)), "a token in the log: {line}");
    }
}

/// serde's messages quote what they refuse: a token sent where an object or another value was expected
/// must not come back in the answer, the log or a kept idempotent answer.
#[tokio::test]
async fn no_refusal_of_a_body_quotes_it() {
    let s = App::new().await;
    s.invite_one("quoted@x.io").await;
    let (id, token) = s.backend.ses.sent().await.last().expect("the email").link();
    let accept = |body: String| {
        let path = format!("/accounts/{}/invitations/{id}/accept", s.account);
        event_json("POST", &path, &[], Some(e2e::invitee("q-sub", "quoted@x.io")), Some(&body))
    };
    let t = token.as_str();
    let mut events = vec![
        accept(json!(t).to_string()),
        accept(json!([t]).to_string()),
        accept(json!({ t: 1 }).to_string()),
        accept(json!({"token": t, t: 1}).to_string()),
        accept(format!(r#"{{"token": "{t}" "{t}"}}"#)),
    ];
    let infra = access_infra();
    for body in [
        json!(t),
        json!({"invitees": "a@x.io", "access": t}),
        json!({"invitees": "a@x.io", "access": infra, t: 1}),
        json!({"invitees": "a@x.io", "access": {"infrastructure": {"permissions": t}}}),
        json!({"invitees": "a@x.io", "access": {"infrastructure": t}}),
        json!({"invitees": "a@x.io", "access": {"iam": [{"service": "s", "roles": [t]}]}}),
        json!({"invitees": "a@x.io", "access": {"iam": [{"service": "s", "roles": ["Viewer"], t: 1}]}}),
        json!({"invitees": "a@x.io", "access": {"cloud_foundry": {"org": "o", "org_roles": [t]}}}),
        json!({"invitees": "a@x.io", "access": {t: infra}}),
    ] {
        events.push(s.event("POST", "", &[], Some(&body.to_string())));
        // With a key the refusal is kept, and the second call is its replay.
        let mut keyed = s.event("POST", "", &[], Some(&body.to_string()));
        keyed["headers"]["idempotency-key"] = json!(unique("quoted"));
        events.extend([keyed.clone(), keyed]);
    }
    for ev in events {
        let body = ev["body"].clone();
        let a = s.call(ev).await;
        assert_eq!(a.status, 400, "{body}: {}", a.body);
        assert!(!a.body.to_string().contains(t), "the answer quotes the token: {}", a.body);
    }
    let log = logs::text();
    assert!(!log.contains(t), "a token in the log");
}
