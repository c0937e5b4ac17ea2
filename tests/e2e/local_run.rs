//! The local server: the stand-in gateway, the file-backed store and the outbox.
use e2e::local_server::{temp_dir, LocalServer};
use invitations::domain::TokenHash;
use serde_json::{json, Value};

async fn post(server: &LocalServer, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = reqwest::Client::new().post(server.url(path)).body(body.to_string());
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn get(server: &LocalServer, path: &str) -> (u16, Value) {
    let resp = reqwest::Client::new().get(server.url(path)).bearer_auth(&server.token).send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn invite_body(who: &str) -> Value {
    json!({"invitees": who, "access": {"cloud_foundry": {"org": "acme & co", "org_roles": ["Auditor"]}}})
}

#[tokio::test]
async fn the_gateway_requires_its_own_token_and_known_routes() {
    let server = LocalServer::start(temp_dir("gateway"), &["--account", "acme", "--roles", "org_manager"], &[]).await;
    let path = "/accounts/acme/invitations";
    assert_eq!(post(&server, path, None, invite_body("a@x.io")).await.0, 401);
    assert_eq!(post(&server, path, Some("forged.token"), invite_body("a@x.io")).await.0, 401);
    let (status, _) = post(&server, "/accounts/acme/other", Some(&server.token), json!({})).await;
    assert_eq!(status, 404);
    // The token's claims reach the handlers: another account is 403, an option the role may not grant too.
    let (status, body) =
        post(&server, "/accounts/globex/invitations", Some(&server.token), invite_body("a@x.io")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")));
    let infra = json!({"invitees": "a@x.io", "access": {"infrastructure": {"permissions": "view_only"}}});
    assert_eq!(post(&server, path, Some(&server.token), infra).await.0, 403);
    assert_eq!(post(&server, path, Some(&server.token), invite_body("a@x.io")).await.0, 201);
    server.stop().await;
}

#[tokio::test]
async fn a_data_file_keeps_invitations_across_restarts_and_no_token_leaks() {
    let dir = temp_dir("data");
    let mut answers = Vec::new();
    let server = LocalServer::start(dir.clone(), &["--data", "invitations.json"], &[]).await;
    let (status, body) =
        post(&server, "/accounts/acme/invitations", Some(&server.token), invite_body("keep@x.io")).await;
    assert_eq!(status, 201, "{body}");
    let id = body["results"][0]["invitation"]["id"].clone();
    answers.push(body);
    let mut log = server.log();
    server.stop().await;

    let server = LocalServer::start(dir.clone(), &["--data", "invitations.json"], &[]).await;
    let (status, list) = get(&server, "/accounts/acme/invitations").await;
    assert_eq!(status, 200);
    assert_eq!(list["invitations"][0]["id"], id);
    assert_eq!(list["invitations"][0]["status"], "pending");
    answers.push(list);
    let (status, again) =
        post(&server, "/accounts/acme/invitations", Some(&server.token), invite_body("KEEP@x.io")).await;
    assert_eq!(
        (status, again["results"][0]["outcome"].as_str()),
        (207, Some("already_invited")),
        "the open invitation survived"
    );
    answers.push(again);
    log.push_str(&server.log());
    server.stop().await;

    // The token is in the emailed link only: the file keeps its hash, and no answer or log line has it.
    let tokens = outbox_tokens(&dir.join("outbox"));
    assert_eq!(tokens.len(), 1, "one invitation email");
    let file = std::fs::read_to_string(dir.join("invitations.json")).unwrap();
    for token in &tokens {
        assert!(file.contains(TokenHash::of(token).as_str()), "the file keeps the token's hash");
        assert!(!file.contains(token.as_str()), "the file keeps no token");
        assert!(!answers.iter().any(|a| a.to_string().contains(token.as_str())), "an answer shows a token");
        assert!(!log.contains(token.as_str()), "the server logged a token: {log}");
    }
    assert!(log.contains("request done"), "the server's log was read: {log}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The token of the link in each email of an outbox folder.
fn outbox_tokens(outbox: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(outbox)
        .unwrap()
        .map(|e| {
            let raw = std::fs::read(e.unwrap().path()).unwrap();
            let msg = mail_parser::MessageParser::default().parse(&raw).expect("a parseable RFC 5322 message");
            let text = msg.body_text(0).expect("a text part").into_owned();
            let start = text.find("http").expect("a link");
            let link = url::Url::parse(text[start..].split_whitespace().next().unwrap()).unwrap();
            let token = link.query_pairs().find(|(k, _)| k == "token").expect("a token in the link").1;
            assert!(token.len() >= 32, "a token of some length: {token}");
            token.into_owned()
        })
        .collect()
}

#[tokio::test]
async fn emails_land_in_the_outbox_as_rfc5322_files() {
    let dir = temp_dir("outbox");
    let server = LocalServer::start(dir.clone(), &["--outbox", "mail"], &[]).await;
    let (status, body) =
        post(&server, "/accounts/acme/invitations", Some(&server.token), invite_body("eml@x.io")).await;
    assert_eq!(status, 201, "{body}");
    let id = body["results"][0]["invitation"]["id"].as_str().unwrap().to_owned();
    let files: Vec<_> = std::fs::read_dir(dir.join("mail")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let raw = std::fs::read(&files[0]).unwrap();
    let msg = mail_parser::MessageParser::default().parse(&raw).expect("a parseable RFC 5322 message");
    assert_eq!(msg.to().and_then(|a| a.first()).and_then(|a| a.address()), Some("eml@x.io"));
    assert_eq!(msg.from().and_then(|a| a.first()).and_then(|a| a.address()), Some("invitations@example.com"));
    assert_eq!(msg.subject(), Some("You are invited to join account acme"));
    assert!(msg.date().is_some() && msg.message_id().is_some());
    let text = msg.body_text(0).expect("a text part");
    let html = msg.body_html(0).expect("an HTML part");
    assert!(text.contains(&format!("invitation={id}&token=")), "{text}");
    assert!(text.contains("acme & co"), "{text}");
    assert!(html.contains("acme &amp; co") && !html.contains("acme & co"), "HTML part escaped: {html}");
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn dynamodb_and_ses_flags_use_the_real_adapters() {
    let sdk = e2e::sdk().await;
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    let table = e2e::new_table(&db).await;
    let ses = e2e::Ses::new(&sdk).await;
    let mut env: Vec<(&str, String)> = vec![
        ("TABLE_NAME", table.clone()),
        ("SENDER_EMAIL", ses.sender.clone()),
        ("ACCEPT_URL", "https://app.example.com/accept".into()),
    ];
    env.extend(e2e::aws_env());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let dir = temp_dir("aws");
    let server = LocalServer::start(dir.clone(), &["--dynamodb", "--ses"], &env).await;
    let (status, body) =
        post(&server, "/accounts/acme/invitations", Some(&server.token), invite_body("aws@x.io")).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["results"][0]["invitation"]["status"], "pending");
    let items = e2e::all_items(&db, &table).await;
    assert!(items.iter().any(|i| i.get("email").and_then(|v| v.as_s().ok()).map(String::as_str) == Some("aws@x.io")));
    assert_eq!(ses.sent().await.len(), 1, "sent through SES");
    assert!(!dir.join("outbox").exists(), "no outbox with --ses");
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn events_print_as_json_lines_with_no_aws() {
    let dir = temp_dir("events");
    let server = LocalServer::start(dir.clone(), &["--events", "events.jsonl"], &[]).await;
    let (status, body) = post(&server, "/accounts/acme/invitations", Some(&server.token), invite_body("ev@x.io")).await;
    assert_eq!(status, 201, "{body}");
    let id = body["results"][0]["invitation"]["id"].as_str().unwrap().to_owned();
    let cancel = reqwest::Client::new()
        .delete(server.url(&format!("/accounts/acme/invitations/{id}")))
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status().as_u16(), 200);
    server.stop().await;
    let text = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    let events: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let types: Vec<&str> = events.iter().map(|e| e["detail-type"].as_str().unwrap()).collect();
    assert_eq!(types, ["invitation.created", "invitation.sent", "invitation.cancelled"]);
    assert!(events.iter().all(|e| e["source"] == "invitations" && e["detail"]["id"] == id.as_str()));
    assert_eq!(events[2]["detail"]["previous_status"], "pending");
    let tokens = outbox_tokens(&dir.join("outbox"));
    assert!(!text.contains(&tokens[0]) && !text.contains("token"), "{text}");
}

/// The outbox as SES's mailbox simulator: what each address would report shows on its invitation, and
/// the list filters on it.
#[tokio::test]
async fn the_outbox_reports_as_the_mailbox_simulator_does() {
    let dir = temp_dir("simulator");
    let server = LocalServer::start(dir.clone(), &["--outbox", "mail"], &[]).await;
    let who = "success@simulator.amazonses.com, bounce@simulator.amazonses.com, \
               complaint@simulator.amazonses.com, suppressionlist@simulator.amazonses.com, ann@x.io";
    let (status, body) = post(&server, "/accounts/acme/invitations", Some(&server.token), invite_body(who)).await;
    assert_eq!(status, 201, "{body}");
    let (_, list) = get(&server, "/accounts/acme/invitations").await;
    let shown: std::collections::BTreeMap<String, String> = list["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["email"].as_str().unwrap().to_owned(), i["delivery"]["status"].as_str().unwrap().to_owned()))
        .collect();
    let want = [
        ("ann@x.io", "sent"),
        ("bounce@simulator.amazonses.com", "bounced"),
        ("complaint@simulator.amazonses.com", "complained"),
        ("success@simulator.amazonses.com", "delivered"),
        ("suppressionlist@simulator.amazonses.com", "suppressed"),
    ];
    assert_eq!(shown, want.iter().map(|(e, s)| (e.to_string(), s.to_string())).collect(), "{list}");
    let (_, failed) = get(&server, "/accounts/acme/invitations?delivery=bounced,complained").await;
    assert_eq!(failed["invitations"].as_array().unwrap().len(), 2, "{failed}");
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
