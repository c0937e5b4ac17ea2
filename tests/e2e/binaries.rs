//! The built Lambda binaries under the Runtime API emulator, with the environment the template gives
//! them and the SDK pointed at the emulators through the standard endpoint variables.
use e2e::runtime::{binary, invoke, Reply};
use e2e::{aws_env, claims, event_json, new_table, sdk, unique, Ses};
use serde_json::{json, Value};

fn init_error(replies: &[Reply]) -> Value {
    match replies {
        [Reply::InitError(e)] => e.clone(),
        other => panic!("expected one init error, got {other:?}"),
    }
}

#[tokio::test]
async fn every_binary_reports_a_missing_table_name_as_an_init_error() {
    let mut functions: Vec<&str> = invitations::entry::http::ROUTES.iter().map(|r| r.function).collect();
    functions.sort_unstable();
    functions.dedup();
    assert!(functions.len() >= 5, "{functions:?}");
    for name in functions {
        let run = invoke(&binary(name), &aws_env(), vec![json!({})]).await;
        let err = init_error(&run.replies);
        assert!(err["errorMessage"].as_str().unwrap().contains("TABLE_NAME"), "{name}: {err}");
        assert!(run.exit.is_some_and(|s| !s.success()), "{name} exits with failure: {run:?}");
        assert!(run.stdout.contains("TABLE_NAME"), "{name} logs it too");
    }
}

#[tokio::test]
async fn a_bad_or_missing_variable_is_named() {
    let mut env = aws_env();
    env.push(("TABLE_NAME", "invitations".into()));
    type Case = (&'static str, Vec<(&'static str, &'static str)>, &'static str);
    let cases: Vec<Case> = vec![
        ("invite", vec![("ACCEPT_URL", "https://x.io/a")], "SENDER_EMAIL"),
        ("resend", vec![("SENDER_EMAIL", "a@x.io")], "ACCEPT_URL"),
        (
            "invite",
            vec![("SENDER_EMAIL", "a@x.io"), ("ACCEPT_URL", "https://x.io/a"), ("INVITATION_TTL", "forever")],
            "INVITATION_TTL",
        ),
        (
            "send",
            vec![
                ("SENDER_EMAIL", "a@x.io"),
                ("ACCEPT_URL", "https://x.io/a"),
                ("SEND_QUEUE_URL", "https://sqs.x/1/q"),
                ("SEND_RATE", "1e-300"),
            ],
            "SEND_RATE",
        ),
        ("list", vec![("MAX_SENDS", "-1")], "MAX_SENDS"),
        ("cancel", vec![("RESEND_MIN_INTERVAL", "1 fortnight")], "RESEND_MIN_INTERVAL"),
        ("events", vec![], "EVENT_BUS_NAME"),
        ("events", vec![("EVENT_BUS_NAME", "no spaces allowed")], "EVENT_BUS_NAME"),
        ("console", vec![("OIDC_CLIENT_ID", "c"), ("OIDC_SCOPES", "openid")], "OIDC_ISSUER"),
        (
            "console",
            vec![("OIDC_ISSUER", "http://login.example.com"), ("OIDC_CLIENT_ID", "c"), ("OIDC_SCOPES", "openid")],
            "OIDC_ISSUER must be an https URL",
        ),
        (
            "console",
            vec![("OIDC_ISSUER", "https://login.example.com"), ("OIDC_CLIENT_ID", "c"), ("OIDC_SCOPES", "email")],
            "OIDC_SCOPES",
        ),
    ];
    for (name, extra, var) in cases {
        let mut env = env.clone();
        env.extend(extra.into_iter().map(|(k, v)| (k, v.to_owned())));
        let run = invoke(&binary(name), &env, vec![json!({})]).await;
        let err = init_error(&run.replies);
        assert!(err["errorMessage"].as_str().unwrap().contains(var), "{name}: {err}");
    }
}

#[tokio::test]
async fn invite_binary_serves_an_event_and_logs_json_lines_with_the_request_id() {
    let sdk = sdk().await;
    let table = new_table(&aws_sdk_dynamodb::Client::new(&sdk)).await;
    let ses = Ses::new(&sdk).await;
    let mut env = aws_env();
    env.extend([
        ("TABLE_NAME", table),
        ("SENDER_EMAIL", ses.sender.clone()),
        ("ACCEPT_URL", "https://app.example.com/accept".to_owned()),
        ("SEND_QUEUE_URL", format!("{}/123456789012/none", e2e::endpoint("AWS_ENDPOINT_URL_SQS"))),
    ]);
    let account = unique("acct");
    let body = json!({"invitees": "carol.jones@example.com, nope", "access": {"infrastructure": {"permissions": "view_only"}}});
    let ev = event_json(
        "POST",
        &format!("/accounts/{account}/invitations"),
        &[],
        Some(claims(&account, "owner")),
        Some(&body.to_string()),
    );
    let run = invoke(&binary("invite"), &env, vec![ev]).await;
    let resp = match run.replies.as_slice() {
        [Reply::Response(r)] => r.clone(),
        other => panic!("{other:?}\n{}", run.stderr),
    };
    assert_eq!(resp["statusCode"], 207, "{resp}");
    let answer: Value = serde_json::from_str(resp["body"].as_str().unwrap()).unwrap();
    assert_eq!(answer["results"][0]["invitation"]["status"], "pending");
    assert_eq!(answer["results"][1]["outcome"], "invalid");

    let mail = ses.sent().await;
    assert_eq!(mail.len(), 1);
    let (_, token) = mail[0].link();
    let lines: Vec<Value> =
        run.stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}"))).collect();
    assert!(!lines.is_empty());
    let in_invocation: Vec<&Value> =
        lines.iter().filter(|l| l["span"]["requestId"].as_str().is_some_and(|id| id.starts_with("req-0-"))).collect();
    assert!(
        in_invocation.iter().any(|l| l["message"] == "request done"),
        "request lines carry the request id: {}",
        run.stdout
    );
    assert!(run.stdout.contains("c***@example.com"));
    assert!(!run.stdout.contains("carol.jones"), "addresses are masked");
    assert!(!run.stdout.contains(&token), "tokens never logged");
}

/// At `RUST_LOG=trace` the Lambda runtime logs each raw event and the SDK each request body: only the
/// project's own lines go below `info`, so neither the bearer token, an accept's token nor an email's
/// link reaches the log.
#[tokio::test]
async fn trace_logging_keeps_tokens_and_links_out() {
    let sdk = sdk().await;
    let table = new_table(&aws_sdk_dynamodb::Client::new(&sdk)).await;
    let ses = Ses::new(&sdk).await;
    let mut env = aws_env();
    env.extend([
        ("TABLE_NAME", table),
        ("SENDER_EMAIL", ses.sender.clone()),
        ("ACCEPT_URL", "https://app.example.com/accept".to_owned()),
        ("SEND_QUEUE_URL", format!("{}/123456789012/none", e2e::endpoint("AWS_ENDPOINT_URL_SQS"))),
        ("RUST_LOG", "trace".to_owned()),
    ]);
    let account = unique("acct");
    let bearer = format!("eyJhbGciOiJSUzI1NiJ9.{}.c2lnbmF0dXJl", unique("claims"));
    let with_bearer = |mut ev: Value| {
        ev["headers"]["authorization"] = json!(format!("Bearer {bearer}"));
        ev
    };
    let body = json!({"invitees": "trace@example.com", "access": {"infrastructure": {"permissions": "view_only"}}});
    let path = format!("/accounts/{account}/invitations");
    let ev = event_json("POST", &path, &[], Some(claims(&account, "owner")), Some(&body.to_string()));
    let invite = invoke(&binary("invite"), &env, vec![with_bearer(ev)]).await;
    assert!(matches!(invite.replies.as_slice(), [Reply::Response(r)] if r["statusCode"] == 201), "{invite:?}");
    let mail = ses.sent().await;
    let (id, token) = mail[0].link();

    let invitee = e2e::invitee("trace-sub", "trace@example.com");
    let accept = event_json(
        "POST",
        &format!("{path}/{id}/accept"),
        &[],
        Some(invitee),
        Some(&json!({"token": token}).to_string()),
    );
    let accepted = invoke(&binary("accept"), &env, vec![with_bearer(accept)]).await;
    assert!(matches!(accepted.replies.as_slice(), [Reply::Response(r)] if r["statusCode"] == 200), "{accepted:?}");
    for (name, run) in [("invite", &invite), ("accept", &accepted)] {
        assert!(run.stdout.contains("request done"), "{name} logged its request: {}", run.stdout);
        for secret in [bearer.as_str(), token.as_str(), "app.example.com/accept?"] {
            assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret), "{name} logged {secret}");
        }
    }
}

/// Behind a custom domain with an API mapping key (`v1`), `rawPath` starts with the key: the functions
/// serving two routes go by the route key API Gateway matched.
#[tokio::test]
async fn two_route_functions_dispatch_on_the_route_key_behind_a_mapping() {
    let sdk = sdk().await;
    let table = new_table(&aws_sdk_dynamodb::Client::new(&sdk)).await;
    let mut env = aws_env();
    env.push(("TABLE_NAME", table));
    let account = unique("acct");
    let mapped = |method: &str, rest: &str| {
        let path = format!("/accounts/{account}/{rest}");
        let mut ev = event_json(method, &path, &[], Some(claims(&account, "owner")), None);
        ev["rawPath"] = json!(format!("/v1{path}"));
        ev["requestContext"]["http"]["path"] = ev["rawPath"].clone();
        ev["requestContext"]["domainName"] = json!("api.example.com");
        ev
    };
    let body = |reply: &Reply| match reply {
        Reply::Response(r) => {
            (r["statusCode"].as_u64().unwrap(), serde_json::from_str::<Value>(r["body"].as_str().unwrap()).unwrap())
        }
        other => panic!("{other:?}"),
    };
    let lists = invoke(&binary("list"), &env, vec![mapped("GET", "users"), mapped("GET", "invitations")]).await;
    let (users, invitations) = (body(&lists.replies[0]), body(&lists.replies[1]));
    assert_eq!((users.0, users.1["users"].is_array()), (200, true), "the Users list: {}", users.1);
    assert_eq!((invitations.0, invitations.1["invitations"].is_array()), (200, true), "{}", invitations.1);
    let id = invitations::domain::InvitationId::new();
    let removals = invoke(
        &binary("cancel"),
        &env,
        vec![mapped("DELETE", "users/nobody"), mapped("DELETE", &format!("invitations/{id}"))],
    )
    .await;
    let (member, invitation) = (body(&removals.replies[0]), body(&removals.replies[1]));
    assert_eq!((member.0, member.1["error"]["message"].as_str()), (404, Some("no such member")), "{}", member.1);
    assert_eq!((invitation.0, invitation.1["error"]["message"].as_str()), (404, Some("no such invitation")));
}
