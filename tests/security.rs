//! Tenant isolation, the role table through the handlers, and what the logs may hold.
use e2e::{answer, claims, event_json, logs, request, unique, Backend, Ses};
use invitations::api;
use invitations::service::{Deps, Sender};
use serde_json::{json, Value};

struct Svc {
    deps: Deps,
    sender: Sender,
    ses: Ses,
}

async fn svc() -> Svc {
    logs::capture();
    let b = Backend::new().await;
    Svc { deps: b.deps, sender: b.sender, ses: b.ses }
}

impl Svc {
    async fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        claims: Value,
        body: Option<Value>,
    ) -> (u16, Value) {
        let body = body.map(|b| b.to_string());
        let ev = event_json(method, path, query, Some(claims), body.as_deref());
        let req = request(&ev);
        let resp = match (method, path.ends_with("/resend"), path.matches('/').count()) {
            ("POST", true, _) => api::resend(&self.deps, &self.sender, req).await,
            ("POST", false, _) => api::invite(&self.deps, &self.sender, req).await,
            ("GET", _, _) => api::list(&self.deps, req).await,
            _ => api::cancel(&self.deps, req).await,
        };
        let a = answer(resp.unwrap());
        (a.status, a.body)
    }
}

fn infra() -> Value {
    json!({"infrastructure": {"permissions": "basic_user"}})
}

#[tokio::test]
async fn no_route_lets_one_account_see_or_touch_another() {
    let s = svc().await;
    let (a, b) = (unique("tenant-a"), unique("tenant-b"));
    let (status, body) = s
        .call(
            "POST",
            &format!("/accounts/{a}/invitations"),
            &[],
            claims(&a, "owner"),
            Some(json!({"invitees": "secret@a.io", "access": infra()})),
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
        let body =
            (method == "POST" && !path.ends_with("/resend")).then(|| json!({"invitees": "x@b.io", "access": infra()}));
        let (status, answer) = s.call(method, &path, &query, intruder.clone(), body).await;
        if status != expected || answer.to_string().contains("secret@a.io") || answer.to_string().contains(&id) {
            leaks.push(format!("{method} {path} {query:?}: {status} {answer}"));
        }
    }
    assert!(leaks.is_empty(), "{leaks:#?}");
    // The victim's invitation is untouched.
    let (_, list) = s.call("GET", &format!("/accounts/{a}/invitations"), &[], claims(&a, "owner"), None).await;
    assert_eq!(list["invitations"][0]["status"], "pending");
    assert_eq!(list["invitations"][0]["send_count"], 1);
}

#[tokio::test]
async fn every_role_set_grants_exactly_the_spec_table() {
    let s = svc().await;
    let options = [
        ("iam", json!({"iam": [{"service": "s", "roles": ["Viewer"]}]})),
        ("cloud_foundry", json!({"cloud_foundry": {"org": "o", "org_roles": ["Auditor"]}})),
        ("infrastructure", infra()),
    ];
    // SPEC §2, written out here independently of the code's table.
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
            let (status, answer) = s
                .call("POST", &format!("/accounts/{account}/invitations"), &[], claims(&account, roles), Some(body))
                .await;
            let expected = if grants.contains(name) { 201 } else { 403 };
            assert_eq!(status, expected, "{roles:?} granting {name}: {answer}");
            if expected == 403 && !grants.is_empty() {
                assert!(answer["error"]["message"].as_str().unwrap().contains(name), "names the option: {answer}");
            }
        }
    }
    assert_eq!(s.ses.sent().await.len(), table.iter().map(|(_, g)| g.len()).sum::<usize>());
}

#[tokio::test]
async fn every_log_line_masks_addresses_and_holds_no_token() {
    let s = svc().await;
    let account = unique("logs");
    let owner = claims(&account, "owner");
    let path = format!("/accounts/{account}/invitations");
    let (_, body) = s
        .call(
            "POST",
            &path,
            &[],
            owner.clone(),
            Some(json!({"invitees": "maria.garcia@example.com, nope", "access": infra()})),
        )
        .await;
    let id = body["results"][0]["invitation"]["id"].as_str().unwrap().to_owned();
    s.call("POST", &format!("{path}/{id}/resend"), &[], owner.clone(), None).await;
    s.call("GET", &path, &[("email", "maria.garcia@example.com")], owner.clone(), None).await;
    s.call("GET", &path, &[("email", "not an address maria.garcia@example.com")], owner.clone(), None).await;
    s.call("DELETE", &format!("{path}/{id}"), &[], owner, None).await;
    let token = s.ses.sent().await[0].link().1;
    let log = logs::text();
    assert!(log.contains("m***@example.com"), "the flow was logged");
    for line in log.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|_| panic!("not a JSON line: {line}"));
        assert_eq!(invitations::logging::scrub(line), line, "an unmasked address");
        assert!(!line.contains(&token), "a token in the log");
    }
}
