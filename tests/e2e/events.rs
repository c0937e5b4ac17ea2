//! Every sample event in `events/` drives its function's built binary under the Runtime API emulator,
//! with the environment `template.yaml` gives that function: what `sam local invoke -e` does inside its
//! container, minus Docker.
use e2e::bus::Bus;
use e2e::runtime::{binary, invoke, Reply};
use e2e::template::{repo, template_env};
use e2e::{new_table, sdk, sent_invitation, Ses};
use invitations::adapters::dynamo::DynamoStore;
use invitations::domain::{AccountId, Invitation, InvitationId, Timestamp, TokenHash};
use invitations::ports::store::{CreateOutcome, InvitationStore};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn http(reply: &Reply) -> (u16, Value) {
    match reply {
        Reply::Response(r) => {
            (r["statusCode"].as_u64().unwrap() as u16, serde_json::from_str(r["body"].as_str().unwrap()).unwrap())
        }
        other => panic!("expected a response, got {other:?}"),
    }
}

/// A pending invitation of the sample events' account, sent at `last_sent` and due at `due`.
fn seeded(id: &str, last_sent: Timestamp, due: Timestamp) -> Invitation {
    let acme = AccountId::parse("acme").unwrap();
    let email = format!("seed-{id}@example.com");
    Invitation { id: InvitationId::parse(id).unwrap(), ..sent_invitation(&acme, &email, last_sent, due) }
}

#[tokio::test]
async fn every_sample_event_drives_its_function() {
    let sdk = sdk().await;
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    let table = new_table(&db).await;
    let ses = Ses::new(&sdk).await;
    let params = BTreeMap::from([
        ("SenderEmail", ses.sender.clone()),
        ("AcceptUrl", "https://app.example.com/accept".to_owned()),
        ("InvitationEmails", "invitation-emails".to_owned()),
        // Fast enough that the sample invite's emails all go at once, as the samples' answers show.
        ("SendRate", "100".to_owned()),
    ]);

    let mut events: BTreeMap<String, Value> = std::fs::read_dir(repo("events"))
        .unwrap()
        .map(|e| e.unwrap().path())
        // `ses/` holds SES's events for the delivery function, which `delivery.rs` runs.
        .filter(|p| p.is_file() && p.file_name().unwrap() != "env.json")
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), read_json(&p)))
        .collect();
    let mut take = |name: &str| events.remove(name).unwrap_or_else(|| panic!("events/{name} is missing"));

    // The invitations the cancel and resend events name, and one stale one for the sweep.
    let now = Timestamp::now();
    let store = DynamoStore::new(db.clone(), &table);
    let cancel = take("cancel.json");
    let resend = take("resend.json");
    let cancel_id = cancel["pathParameters"]["id"].as_str().unwrap().to_owned();
    let resend_id = resend["pathParameters"]["id"].as_str().unwrap().to_owned();
    let later = now.plus(Duration::from_secs(3600));
    for id in [&cancel_id, &resend_id] {
        let created = store.create(&seeded(id, now.minus(Duration::from_secs(7200)), later)).await.unwrap();
        assert!(matches!(created, CreateOutcome::Created));
    }
    let stale = InvitationId::new().to_string();
    let long_ago = now.minus(Duration::from_secs(73 * 3600));
    store.create(&seeded(&stale, long_ago, long_ago.plus(Duration::from_secs(72 * 3600)))).await.unwrap();

    let run =
        invoke(&binary("invite"), &template_env("InviteFunction", &table, &params), vec![take("invite.json")]).await;
    let (status, body) = http(&run.replies[0]);
    assert_eq!(status, 207, "{body}");
    let outcomes: Vec<_> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["invitee"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(outcomes, [("ann@example.com", "invited"), ("not-an-email", "invalid"), ("bob@example.com", "invited")]);

    let list_env = template_env("ListFunction", &table, &params);
    let run =
        invoke(&binary("list"), &list_env, vec![take("list.json"), take("list-cursor.json"), take("users.json")]).await;
    let (status, body) = http(&run.replies[0]);
    assert_eq!(status, 200, "{body}");
    let listed = body["invitations"].as_array().unwrap();
    assert_eq!(listed.len(), 5, "{body}");
    assert!(listed.iter().all(|i| ["pending", "processing"].contains(&i["status"].as_str().unwrap())));
    let (status, body) = http(&run.replies[2]);
    let emails: Vec<&str> = body["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(status, 200, "{body}");
    assert!(
        emails.windows(2).all(|w| w[0] <= w[1]) && emails.len() == 5,
        "the list function serves the Users list too: {body}"
    );
    let (status, body) = http(&run.replies[1]);
    assert_eq!(status, 200, "the sample cursor is valid for its account and filter: {body}");
    let ids: Vec<&str> = body["invitations"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [resend_id.as_str(), cancel_id.as_str()], "the page after the cursor's position");

    let run = invoke(&binary("cancel"), &template_env("CancelFunction", &table, &params), vec![cancel]).await;
    let (status, body) = http(&run.replies[0]);
    assert_eq!((status, body["status"].as_str()), (200, Some("cancelled")), "{body}");

    // The account's sending, read and resumed: not paused, so the resume lifts nothing.
    let run = invoke(&binary("list"), &list_env, vec![take("sending.json")]).await;
    let (status, body) = http(&run.replies[0]);
    assert_eq!((status, &body["paused"], &body["limits"]["bounces"]), (200, &json!(false), &json!("5%")), "{body}");
    let run =
        invoke(&binary("cancel"), &template_env("CancelFunction", &table, &params), vec![take("resume.json")]).await;
    let (status, body) = http(&run.replies[0]);
    assert_eq!((status, body), (200, json!({"paused": false, "lifted": null})));

    let resend_env = template_env("ResendFunction", &table, &params);
    let run = invoke(&binary("resend"), &resend_env, vec![resend, take("scheduled.json")]).await;
    let (status, body) = http(&run.replies[0]);
    assert_eq!((status, body["send_count"].as_u64()), (200, Some(2)), "{body}");
    let summary = match &run.replies[1] {
        Reply::Response(v) => v.clone(),
        other => panic!("{other:?}\n{}", run.stdout),
    };
    assert_eq!(summary["resent"], 1, "the stale invitation: {summary}");
    assert_eq!(summary["complete"], true);
    let emf = run.stdout.lines().find(|l| l.contains("\"_aws\"")).expect("an EMF metrics line");
    let emf: Value = serde_json::from_str(emf).unwrap();
    assert_eq!(emf["resent"], 1);
    assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Invitations");
    assert!(run.stdout.contains("\"sweep done\""), "one summary log line");

    // The send queue's sample names an invitation that is not waiting: a slot taken, nothing sent, and the
    // message not handed back to the queue.
    let sent_before = ses.sent().await.len();
    let run = invoke(&binary("send"), &template_env("SendFunction", &table, &params), vec![take("send.json")]).await;
    match &run.replies[..] {
        [Reply::Response(answer)] => {
            assert_eq!(answer, &serde_json::json!({"batchItemFailures": []}), "{}", run.stdout)
        }
        other => panic!("{other:?}\n{}", run.stdout),
    }
    assert_eq!(ses.sent().await.len(), sent_before, "nothing to send");

    // The accept events name one invitation and carry its link's token; only the right invitee's works,
    // and the refusals before it leave the invitation acceptable.
    let accept = take("accept.json");
    let accept_id = accept["pathParameters"]["id"].as_str().unwrap().to_owned();
    let token: Value = serde_json::from_str(accept["body"].as_str().unwrap()).unwrap();
    let seed = Invitation {
        token_hash: TokenHash::of(token["token"].as_str().unwrap()),
        ..seeded(&accept_id, now.minus(Duration::from_secs(60)), later)
    };
    assert!(matches!(store.create(&seed).await.unwrap(), CreateOutcome::Created));
    let refusals = vec![take("accept-email-mismatch.json"), take("accept-wrong-token.json"), accept];
    let run = invoke(&binary("accept"), &template_env("AcceptFunction", &table, &params), refusals).await;
    let codes: Vec<(u16, String)> = run.replies[..2]
        .iter()
        .map(http)
        .map(|(status, body)| (status, body["error"]["code"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(codes, [(403, "email_mismatch".to_owned()), (403, "invalid_token".to_owned())]);
    let (status, body) = http(&run.replies[2]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["invitation"]["status"], "accepted");
    assert_eq!(
        (body["member"]["status"].as_str(), body["member"]["user_id"].as_str()),
        (Some("active"), Some("c3d4e5f6-invitee"))
    );

    // The stream sample: an invitation created and sent and a member added make their three events; the
    // slot, the idempotency record and an invitation of an unknown status make none, and no record is
    // handed back to the stream.
    let bus = Bus::new().await;
    let mut bus_params = params.clone();
    bus_params.insert("EventsBus", bus.name.clone());
    let run =
        invoke(&binary("events"), &template_env("EventsFunction", &table, &bus_params), vec![take("stream.json")])
            .await;
    match &run.replies[..] {
        [Reply::Response(answer)] => {
            assert_eq!(answer, &serde_json::json!({"batchItemFailures": []}), "{}", run.stdout)
        }
        other => panic!("{other:?}\n{}", run.stdout),
    }
    let published: Vec<Value> = bus.received().await;
    let types: Vec<&str> = published.iter().map(|e| e["detail-type"].as_str().unwrap()).collect();
    // The member's event may share the invitation's first request; the invitation's come in order.
    let mut sorted = types.clone();
    sorted.sort();
    assert_eq!(sorted, ["invitation.created", "invitation.sent", "member.added"]);
    let invitation: Vec<&Value> = published.iter().filter(|e| e["detail"]["id"].is_string()).collect();
    assert_eq!(invitation[0]["detail-type"], "invitation.created");
    assert_eq!(invitation[1]["detail"]["previous_status"], "processing");
    assert!(run.stdout.contains("\"unreadable item skipped\""), "{}", run.stdout);

    assert!(
        events.is_empty(),
        "every file in events/ has its assertions here; new ones: {:?}",
        events.keys().collect::<Vec<_>>()
    );
    assert_eq!(ses.sent().await.len(), 4, "ann, bob, the manual resend and the sweep's resend");
}
