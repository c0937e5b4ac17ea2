//! The `delivery` function's binary under the Runtime API emulator, with the environment the template
//! gives it, against DynamoDB Local, fed the samples in `events/ses/` (shaped as SES publishes them to
//! EventBridge) with their tags pointed at seeded invitations: each type, out of order, repeated, of
//! another configuration set, of an unknown invitation, unreadable, and carrying a hostile diagnostic.
//! Then the sweep, as the resend binary runs it, skips the undeliverable and re-sends the transient.
use e2e::runtime::{binary, invoke, Reply};
use e2e::template::{repo, template_env};
use e2e::{all_items, new_table, sdk, sent_invitation, Ses};
use invitations::adapters::dynamo::DynamoStore;
use invitations::domain::{AccountId, DeliveryStatus, Invitation, InvitationId, Timestamp};
use invitations::ports::store::InvitationStore;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

fn sample(name: &str) -> Value {
    e2e::ses_report(name)
}

/// `name`'s sample about send `send` of `inv`.
fn about(name: &str, inv: &Invitation, send: u32) -> Value {
    let mut e = sample(name);
    e["detail"]["mail"]["tags"]["invitation"] = json!([inv.id.to_string()]);
    e["detail"]["mail"]["tags"]["send"] = json!([send.to_string()]);
    e
}

fn params(sender: &str) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("InvitationEmails", "invitation-emails".to_owned()),
        ("SenderEmail", sender.to_owned()),
        ("AcceptUrl", "https://app.example.com/accept".to_owned()),
        ("SendRate", "100".to_owned()),
    ])
}

fn outcomes(replies: &[Reply]) -> Vec<String> {
    replies
        .iter()
        .map(|r| match r {
            Reply::Response(v) => v["outcome"].as_str().unwrap_or("?").to_owned(),
            other => format!("{other:?}"),
        })
        .collect()
}

/// A pending invitation of the samples' account, sent `sends` times, the last `sent_ago`.
fn seeded(email: &str, sends: u32, sent_ago: Duration) -> Invitation {
    let acme = AccountId::parse("acme").unwrap();
    let sent = Timestamp::now().minus(sent_ago);
    Invitation { send_count: sends, ..sent_invitation(&acme, email, sent, sent.plus(Duration::from_secs(3600))) }
}

async fn status_of(store: &DynamoStore, inv: &Invitation) -> (DeliveryStatus, u32, Option<String>) {
    let stored = store.get(&inv.account_id, inv.id).await.unwrap().unwrap();
    let d = stored.delivery.unwrap_or_else(|| panic!("{} has no report", inv.email.as_str()));
    (d.status, d.send, d.detail)
}

#[tokio::test]
async fn the_delivery_function_records_each_report_once_for_the_latest_send() {
    let sdk = sdk().await;
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    let table = new_table(&db).await;
    let store = DynamoStore::new(db.clone(), &table);
    let env = template_env("DeliveryFunction", &table, &params("invitations@acme.example"));

    // Each type on an invitation of its own.
    let types = [
        ("send", DeliveryStatus::Sent),
        ("delivery", DeliveryStatus::Delivered),
        ("delivery-delay", DeliveryStatus::Delayed),
        ("bounce", DeliveryStatus::Bounced),
        ("complaint", DeliveryStatus::Complained),
        ("reject", DeliveryStatus::Rejected),
        ("rendering-failure", DeliveryStatus::Rejected),
    ];
    let mut invs = Vec::new();
    for (name, _) in types {
        let inv = seeded(&format!("{name}@x.io"), 1, Duration::from_secs(60));
        store.create(&inv).await.unwrap();
        invs.push(inv);
    }
    // Out of order: send 2's bounce, then send 1's delivery arriving late; a repeat; an earlier stage late.
    let twice = seeded("twice@x.io", 2, Duration::from_secs(60));
    store.create(&twice).await.unwrap();
    let mut foreign = about("bounce", &twice, 2);
    foreign["detail"]["mail"]["tags"]["ses:configuration-set"] = json!(["marketing"]);
    let unknown = about("bounce", &seeded("nobody@x.io", 1, Duration::ZERO), 1);
    let hostile_text = "smtp; 550 mailbox moved to mallory@evil.example, token=c2VjcmV0LXRva2Vu";
    let hostile_inv = seeded("hostile@x.io", 1, Duration::from_secs(60));
    store.create(&hostile_inv).await.unwrap();
    let mut hostile = about("bounce", &hostile_inv, 1);
    hostile["detail"]["bounce"]["bouncedRecipients"][0]["diagnosticCode"] = json!(hostile_text);
    hostile["detail"]["bounce"]["bouncedRecipients"][0]["emailAddress"] = json!("mallory@evil.example");
    hostile["detail"]["bounce"]["bounceSubType"] = json!(hostile_text);

    let mut events: Vec<Value> = types.iter().zip(&invs).map(|((name, _), inv)| about(name, inv, 1)).collect();
    events.extend([
        about("bounce", &twice, 2),
        about("delivery", &twice, 1),
        about("bounce", &twice, 2),
        about("delivery-delay", &twice, 2),
        foreign,
        unknown,
        json!({"source": "aws.ses", "detail": "not a record"}),
        hostile,
    ]);
    let run = invoke(&binary("delivery"), &env, events).await;
    let mut want: Vec<&str> = vec!["recorded"; types.len()];
    want.extend(["recorded", "stale", "stale", "stale", "foreign_configuration_set", "unknown_invitation", "unusable"]);
    want.push("recorded");
    assert_eq!(outcomes(&run.replies), want, "{}", run.stdout);

    for ((name, status), inv) in types.iter().zip(&invs) {
        let (got, send, _) = status_of(&store, inv).await;
        assert_eq!((got, send), (*status, 1), "{name}");
    }
    let (got, send, detail) = status_of(&store, &twice).await;
    assert_eq!((got, send, detail.as_deref()), (DeliveryStatus::Bounced, 2, Some("permanent: general")));
    let (got, _, detail) = status_of(&store, &hostile_inv).await;
    assert_eq!(
        (got, detail.as_deref()),
        (DeliveryStatus::Bounced, Some("permanent")),
        "an unknown subtype is left out"
    );

    // Neither the table nor the logs hold a word of the hostile report.
    let items = format!("{:?}", all_items(&db, &table).await);
    let logs = format!("{}{}", run.stdout, run.stderr);
    // The SMTP code with its text: "550" alone turns up in any number (an hour's count expires at …550…).
    for leak in ["mallory", "c2VjcmV0", "550 mailbox", "evil.example"] {
        assert!(!items.contains(leak), "{leak} reached the table");
        assert!(!logs.contains(leak), "{leak} reached the logs:\n{logs}");
    }
    assert!(!logs.contains("complaint@x.io") && logs.contains("SES event dropped"), "{logs}");
}

#[tokio::test]
async fn the_sweep_skips_an_undeliverable_invitation_and_re_sends_a_transient_bounce() {
    let sdk = sdk().await;
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    let table = new_table(&db).await;
    let store = DynamoStore::new(db.clone(), &table);
    let ses = Ses::new(&sdk).await;
    let params = params(&ses.sender);
    // Both stale: sent 73 hours ago, due for a resend since an hour.
    let stale = Duration::from_secs(73 * 3600);
    let mut hard = seeded("hard@x.io", 1, stale);
    let mut soft = seeded("soft@x.io", 1, stale);
    for inv in [&mut hard, &mut soft] {
        inv.due_at = Some(Timestamp::now().minus(Duration::from_secs(3600)));
        inv.expires_at = Timestamp::now().plus(Duration::from_secs(10 * 86_400));
        store.create(inv).await.unwrap();
    }
    let mut transient = about("bounce", &soft, 1);
    transient["detail"]["bounce"]["bounceType"] = json!("Transient");
    transient["detail"]["bounce"]["bounceSubType"] = json!("MailboxFull");
    let run = invoke(
        &binary("delivery"),
        &template_env("DeliveryFunction", &table, &params),
        vec![about("bounce", &hard, 1), transient],
    )
    .await;
    assert_eq!(outcomes(&run.replies), ["recorded", "recorded"], "{}", run.stdout);

    let sweep: Value = serde_json::from_str(&std::fs::read_to_string(repo("events/scheduled.json")).unwrap()).unwrap();
    let run = invoke(&binary("resend"), &template_env("ResendFunction", &table, &params), vec![sweep]).await;
    let summary = match &run.replies[..] {
        [Reply::Response(v)] => v.clone(),
        other => panic!("{other:?}\n{}", run.stdout),
    };
    assert_eq!(summary["resent"], 1, "{summary}");
    let sent: Vec<String> = ses.sent().await.iter().flat_map(|m| m.to.clone()).collect();
    assert_eq!(sent, ["soft@x.io"], "only the transient bounce is sent again");
    let hard_now = store.get(&hard.account_id, hard.id).await.unwrap().unwrap();
    assert_eq!((hard_now.send_count, hard_now.due_at), (1, Some(hard_now.expires_at)), "due for its expiry only");
    let soft_now = store.get(&soft.account_id, soft.id).await.unwrap().unwrap();
    assert_eq!(soft_now.send_count, 2);
}

#[test]
fn the_samples_name_the_seeded_invitation_and_the_templates_set() {
    for name in ["send", "delivery", "delivery-delay", "bounce", "complaint", "reject", "rendering-failure"] {
        let e = sample(name);
        assert_eq!(e["source"], "aws.ses", "{name}");
        let tags = &e["detail"]["mail"]["tags"];
        assert_eq!(tags["ses:configuration-set"], json!(["invitation-emails"]), "{name}");
        assert!(InvitationId::parse(tags["invitation"][0].as_str().unwrap()).is_ok(), "{name}");
    }
}

/// `name`'s sample about send 1 of `inv`, tagged with `inv`'s account.
fn of_account(name: &str, inv: &Invitation) -> Value {
    let mut e = about(name, inv, 1);
    e["detail"]["mail"]["tags"]["account"] = json!([invitations::domain::delivery::account_tag(&inv.account_id)]);
    e
}

#[tokio::test]
async fn the_guard_pauses_the_account_whose_bounces_reach_the_limit_and_no_other() {
    use invitations::service::{delivery::record, Deps};
    let sdk = sdk().await;
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    let table = new_table(&db).await;
    let store = std::sync::Arc::new(DynamoStore::new(db.clone(), &table));
    let (acme, globex) = (AccountId::parse("acme").unwrap(), AccountId::parse("globex").unwrap());
    let sent = Timestamp::now().minus(Duration::from_secs(60));
    let mut invs = Vec::new();
    for (account, n) in [(&acme, 20), (&globex, 21)] {
        for i in 0..n {
            let inv = sent_invitation(
                account,
                &format!("p{i}@{account}.example"),
                sent,
                sent.plus(Duration::from_secs(3600)),
            );
            store.create(&inv).await.unwrap();
            invs.push(inv);
        }
    }
    // Every send event of both accounts at once, as SES's events arrive from many emails.
    let deps = Deps {
        store: store.clone(),
        clock: std::sync::Arc::new(invitations::ports::clock::SystemClock),
        policy: Default::default(),
    };
    let sends = invs.iter().map(|inv| {
        let report = invitations::domain::Delivery {
            status: DeliveryStatus::Sent,
            at: sent,
            detail: None,
            send: 1,
            undeliverable: false,
        };
        record(&deps, &inv.account_id, inv.id, report)
    });
    for done in futures::future::join_all(sends).await {
        assert_eq!(done.unwrap().paused, None);
    }

    // Then bounces through the function: two of acme's 20 (one is enough), one of globex's 21 (4.76 %).
    let bounces = vec![of_account("bounce", &invs[0]), of_account("bounce", &invs[20]), of_account("bounce", &invs[1])];
    let env = template_env("DeliveryFunction", &table, &params("invitations@acme.example"));
    let run = invoke(&binary("delivery"), &env, bounces).await;
    assert_eq!(outcomes(&run.replies), ["recorded"; 3], "{}", run.stdout);
    let metric_lines: Vec<&str> = run.stdout.lines().filter(|l| l.contains("\"SendingPaused\"")).collect();
    assert_eq!(metric_lines.len(), 1, "one pause, one metric for the alarm:\n{}", run.stdout);
    let logs = format!("{}{}", run.stdout, run.stderr);
    assert!(logs.contains("sending paused") && !logs.contains("p0@acme.example"), "{logs}");

    // The invite function refuses acme with the rate named, and invites for globex.
    let ses = Ses::new(&sdk).await;
    let params = params(&ses.sender);
    let invite = |account: &str| {
        let body = json!({"invitees": format!("new@{account}.example"), "access": e2e::access_infra()}).to_string();
        e2e::event_json(
            "POST",
            &format!("/accounts/{account}/invitations"),
            &[],
            Some(e2e::claims(account, "owner")),
            Some(&body),
        )
    };
    let run = invoke(
        &binary("invite"),
        &template_env("InviteFunction", &table, &params),
        vec![invite("acme"), invite("globex")],
    )
    .await;
    let answers: Vec<(u64, Value)> = run
        .replies
        .iter()
        .map(|r| match r {
            Reply::Response(v) => {
                (v["statusCode"].as_u64().unwrap(), serde_json::from_str(v["body"].as_str().unwrap()).unwrap())
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(answers[0].0, 429, "{answers:?}");
    assert_eq!(answers[0].1["error"]["code"], "sending_paused");
    let message = answers[0].1["error"]["message"].as_str().unwrap();
    assert!(message.contains("5% of the account's 20 recent emails bounced (the limit is 5%)"), "{message}");
    assert_eq!(answers[1].0, 201, "{answers:?}");
    let acme_list = store.list(&acme, &Default::default()).await.unwrap();
    assert!(acme_list.items.iter().all(|i| !i.email.as_str().starts_with("new@")), "nothing stored for acme");
}
