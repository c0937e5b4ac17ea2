//! Calls per operation, counted by a proxy in front of each emulator: numbers that do not depend on
//! the machine's speed, so they are assertions rather than benchmarks.
use e2e::proxy::{Fault, Gate, Proxy};
use e2e::{access_infra, App, Options};
use invitations::adapters::memory::queue::MemoryQueue;
use invitations::ports::SendRate;
use invitations::service::pace::Pacing;
use invitations::service::send::{send_queued, Delivery};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The app with each emulator behind a proxy that `proxy` starts for its upstream: (app, DynamoDB's
/// proxy, SES's proxy).
async fn through<F: std::future::Future<Output = Proxy>>(proxy: impl Fn(String) -> F) -> (App, Proxy, Proxy) {
    let db = proxy(std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap()).await;
    let ses = proxy(std::env::var("AWS_ENDPOINT_URL_SESV2").unwrap()).await;
    let options = Options { dynamodb_url: Some(db.url.clone()), ses_url: Some(ses.url.clone()), ..Default::default() };
    (App::with(options).await, db, ses)
}

async fn counted() -> (App, Proxy, Proxy) {
    through(Proxy::counting).await
}

async fn invite(app: &App, invitees: Vec<String>) -> Value {
    app.invite(json!({"invitees": invitees, "access": access_infra()})).await.body
}

/// The calls each proxy saw during `f`.
async fn during<F: std::future::Future<Output = u16>>(
    db: &Proxy,
    ses: &Proxy,
    f: F,
) -> (u16, Vec<String>, Vec<String>) {
    let (db0, ses0) = (db.calls().len(), ses.calls().len());
    let status = f.await;
    (status, db.calls()[db0..].to_vec(), ses.calls()[ses0..].to_vec())
}

const UPDATE: &str = "DynamoDB_20120810.UpdateItem";
const GET: &str = "DynamoDB_20120810.GetItem";
const TRANSACT: &str = "DynamoDB_20120810.TransactWriteItems";
const SEND_EMAIL: &str = "POST /v2/email/outbound-emails";

/// One transaction closes the invitation and gives its seat back; it answers no item, so the cancelled
/// invitation the answer shows is read after it.
#[tokio::test]
async fn cancel_is_one_transaction_and_a_read_of_what_it_wrote() {
    let (c, db, ses) = counted().await;
    let id = invite(&c, vec!["c@x.io".into()]).await["results"][0]["invitation"]["id"].as_str().unwrap().to_owned();
    let (status, db, ses) = during(&db, &ses, async { c.cancel(&id).await.status }).await;
    assert_eq!((status, db, ses), (200, vec![TRANSACT.to_owned(), GET.to_owned()], vec![]));
}

/// A resend first reads the account's sending pause (one `GetItem`, a read: no state changes), then
/// changes the invitation twice.
#[tokio::test]
async fn resend_is_the_pause_read_a_claim_a_mark_and_one_email() {
    let (c, db, ses) = counted().await;
    let id = invite(&c, vec!["r@x.io".into()]).await["results"][0]["invitation"]["id"].as_str().unwrap().to_owned();
    c.backend.clock.advance(Duration::from_secs(61));
    let (status, db, ses) = during(&db, &ses, async { c.resend(&id).await.status }).await;
    assert_eq!(status, 200);
    assert_eq!(db, [GET, UPDATE, UPDATE], "the pause, the claim, then the write that counts the email SES accepted");
    assert_eq!(ses, [SEND_EMAIL]);
}

/// A handed-on email in the paced sender: its slot (a reservation for each turn the batch waits for),
/// the claim its message may make once, and the mark; no read.
#[tokio::test]
async fn a_handed_on_email_is_a_claim_and_a_mark_in_the_sender() {
    let db = Proxy::counting(std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap()).await;
    let queue = Arc::new(MemoryQueue::new());
    let pacing = Pacing { rate: SendRate::new(1.0).unwrap(), queue: queue.clone() };
    let c = App::with(Options { dynamodb_url: Some(db.url.clone()), pacing: Some(pacing), ..Default::default() }).await;
    invite(&c, vec!["h1@x.io".into(), "h2@x.io".into()]).await;
    let handed = queue.take();
    assert_eq!(handed.len(), 1);
    let before = db.calls().len();
    let sent = send_queued(&c.backend.deps, &c.backend.notifier, &handed, None, Duration::ZERO).await;
    assert_eq!(sent.into_iter().map(Result::unwrap).collect::<Vec<_>>(), [Delivery::Sent]);
    // At once, while the request's slot is still ahead: the first reservation finds no slot free within
    // what the sender reserves ahead and learns when one will be; the second, then, takes it.
    assert_eq!(db.calls()[before..], [UPDATE, UPDATE, UPDATE, UPDATE], "no slot yet, a slot, claim, mark");
}

/// The account's settings are read only once the invitation passed judgement (their allowed domains).
#[tokio::test]
async fn accept_is_two_reads_and_one_transaction_and_a_refusal_is_one_read() {
    let (c, db, ses) = counted().await;
    invite(&c, vec!["a@x.io".into()]).await;
    let (id, token) = c.backend.ses.sent().await.pop().expect("the email").link();
    let accept = |token: &str| {
        let path = format!("/accounts/{}/invitations/{id}/accept", c.account);
        let claims = Some(e2e::invitee("a-sub", "a@x.io"));
        e2e::event_json("POST", &path, &[], claims, Some(&json!({"token": token}).to_string()))
    };
    let wrong = during(&db, &ses, async { c.call(accept("wrong-token")).await.status }).await;
    assert_eq!(wrong, (403, vec![GET.to_owned()], vec![]));
    let (status, calls, emails) = during(&db, &ses, async { c.call(accept(&token)).await.status }).await;
    assert_eq!((status, calls, emails), (200, vec![GET.to_owned(), GET.to_owned(), TRANSACT.to_owned()], vec![]));
}

#[tokio::test]
async fn a_list_page_and_a_users_page_are_one_query_each() {
    let (c, db_proxy, ses_proxy) = counted().await;
    invite(&c, (0..10).map(|i| format!("l{i}@x.io")).collect()).await;
    for query in [vec![], vec![("limit", "5")], vec![("email", "l3@x.io")]] {
        let (status, db, _) = during(&db_proxy, &ses_proxy, async { c.list(&query).await.status }).await;
        assert_eq!((status, db), (200, vec!["DynamoDB_20120810.Query".to_owned()]), "{query:?}");
    }
    for query in [vec![], vec![("limit", "3")], vec![("status", "active")]] {
        let (status, db, _) = during(&db_proxy, &ses_proxy, async { c.users(&query).await.status }).await;
        assert_eq!((status, db), (200, vec!["DynamoDB_20120810.Query".to_owned()]), "users {query:?}");
    }
}

#[tokio::test]
async fn a_sweep_is_one_query_a_shard_and_a_claim_a_mark_and_an_email_per_due_invitation() {
    let (c, db_proxy, ses_proxy) = counted().await;
    invite(&c, (0..3).map(|i| format!("s{i}@x.io")).collect()).await;
    let shards = 1 + invitations::ports::store::DueShards::MAX as usize;
    let (_, db, ses) = during(&db_proxy, &ses_proxy, async { c.sweep().await.resent as u16 }).await;
    assert_eq!(
        (db, ses),
        (vec!["DynamoDB_20120810.Query".to_owned(); shards], vec![]),
        "nothing due: one Query a shard"
    );
    c.backend.clock.advance(Duration::from_secs(72 * 3600));
    let (resent, mut db, ses) = during(&db_proxy, &ses_proxy, async { c.sweep().await.resent as u16 }).await;
    db.sort();
    let mut expected = vec!["DynamoDB_20120810.Query".to_owned(); shards];
    expected.extend(vec![UPDATE.to_owned(); 6]);
    expected.sort();
    assert_eq!((resent, db, ses), (3, expected, vec![SEND_EMAIL.to_owned(); 3]));
}

/// The account's sending pause and its settings (allowed domains, the invitations' lifetime) are read
/// once per request, together.
#[tokio::test]
async fn an_invite_of_100_is_two_reads_100_emails_and_two_writes_each() {
    let _turn = e2e::heavy_test().await;
    let (c, db_proxy, ses_proxy) = counted().await;
    let invitees: Vec<String> = (0..100).map(|i| format!("hundred{i}@x.io")).collect();
    let (db0, ses0) = (db_proxy.calls().len(), ses_proxy.calls().len());
    let answer = invite(&c, invitees).await;
    assert!(
        answer["results"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .all(|r| r["invitation"]["status"] == "pending"),
        "{answer}"
    );
    let db = &db_proxy.calls()[db0..];
    assert_eq!(ses_proxy.calls().len() - ses0, 100, "one email each");
    assert_eq!(db.iter().filter(|t| *t == TRANSACT).count(), 100, "one create each");
    assert_eq!(db.iter().filter(|t| *t == UPDATE).count(), 100, "one mark-sent each");
    assert_eq!(db.iter().filter(|t| *t == GET).count(), 2, "the account's sending pause and its settings, once");
    assert_eq!(db.len(), 202);
}

/// The creates go one after another (each takes a seat on the account's one seats item, where creates
/// at once would collide); the emails and their marks go at once.
#[tokio::test]
async fn an_invite_creates_one_invitation_after_another_then_sends_and_marks_them_all_at_once() {
    let _turn = e2e::heavy_test().await;
    let gate = Gate::new(Duration::from_secs(1), 100);
    let (c, _db, _ses) = through(|url| {
        let gate = gate.clone();
        Proxy::start(url, move |_, _| Fault::Gated(gate.clone()))
    })
    .await;
    let waves0 = gate.waves().len();
    let answer = invite(&c, (0..10).map(|i| format!("wave{i}@x.io")).collect()).await;
    assert!(
        answer["results"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .all(|r| r["invitation"]["status"] == "pending"),
        "{answer}"
    );
    let waves = gate.waves()[waves0..].to_vec();
    let shape: Vec<(usize, &String)> = waves.iter().map(|w| (w.len(), &w[0])).collect();
    assert!(waves.iter().all(|w| w.iter().all(|op| op == &w[0])), "one kind of call a wave: {shape:?}");
    // The phases: consecutive waves of one kind of call. A phase of calls at once may arrive as two waves
    // when calls on pooled connections come a second before those that open new ones on a busy machine;
    // calls made one after the other are a wave each.
    let mut phases: Vec<(&str, usize, usize)> = Vec::new();
    for w in &waves {
        match phases.last_mut() {
            Some((op, calls, n)) if *op == w[0].as_str() => (*calls, *n) = (*calls + w.len(), *n + 1),
            _ => phases.push((w[0].as_str(), w.len(), 1)),
        }
    }
    let kinds: Vec<(&str, usize)> = phases.iter().map(|(op, calls, _)| (*op, *calls)).collect();
    assert_eq!(kinds, [(GET, 2), (TRANSACT, 10), (SEND_EMAIL, 10), (UPDATE, 10)], "{shape:?}");
    let waves: Vec<usize> = phases.iter().map(|(_, _, n)| *n).collect();
    assert_eq!(waves[1], 10, "the creates one after another: {shape:?}");
    assert!([waves[0], waves[2], waves[3]].iter().all(|n| *n <= 2), "the other phases' calls at once: {shape:?}");
}

/// The configuration set named by `SES_CONFIGURATION_SET`, as the functions read it, reaches SES on every
/// send (its events feed the delivery function, its metrics the alarms); without the variable no set is
/// named. The email's tags name its account (escaped to what SES allows), invitation and send.
#[tokio::test]
async fn a_send_names_the_configuration_set_the_environment_gives() {
    let sdk = e2e::sdk().await;
    let ses = e2e::Ses::new(&sdk).await;
    let proxy = Proxy::counting(std::env::var("AWS_ENDPOINT_URL_SESV2").unwrap()).await;
    let client =
        aws_sdk_sesv2::Client::from_conf(invitations::adapters::aws::ses_config(&sdk).endpoint_url(&proxy.url).build());
    let email = invitations::ports::OutgoingEmail {
        to: invitations::domain::Email::parse("set@x.io").unwrap(),
        subject: "s".into(),
        text: "t".into(),
        html: "<p>h</p>".into(),
        send: Some(invitations::domain::SendRef {
            account: invitations::domain::AccountId::parse("ac.me_1").unwrap(),
            invitation: invitations::domain::InvitationId::parse("019ac3ef-0000-7000-8000-00000000de11").unwrap(),
            send: 2,
        }),
    };
    for (set, expected) in [(Some("invitation-emails"), json!("invitation-emails")), (None, Value::Null)] {
        let mut vars = vec![("SENDER_EMAIL", ses.sender.clone()), ("ACCEPT_URL", "https://x.io/a".to_owned())];
        vars.extend(set.map(|s| ("SES_CONFIGURATION_SET", s.to_owned())));
        let settings =
            invitations::startup::config::Env(|k: &str| vars.iter().find(|(v, _)| *v == k).map(|(_, x)| x.clone()))
                .mail()
                .unwrap();
        let notifier = invitations::startup::wiring::ses_notifier(client.clone(), settings, None);
        notifier.mailer.send(&email).await.unwrap();
        let sent = proxy.requests_seen().pop().expect("the send");
        let body: Value = serde_json::from_slice(&sent.body).unwrap();
        assert_eq!((sent.path.as_str(), &body["ConfigurationSetName"]), ("/v2/email/outbound-emails", &expected));
        let tags = json!([
            {"Name": "account", "Value": "ac_dme_u1"},
            {"Name": "invitation", "Value": "019ac3ef-0000-7000-8000-00000000de11"},
            {"Name": "send", "Value": "2"},
        ]);
        assert_eq!(body["EmailTags"], tags);
    }
}

/// A list right after an invite must show it: every read of the base table is strongly consistent. The
/// indexes (`by_email`, `users`, `due`) cannot be, and DynamoDB refuses the flag there.
#[tokio::test]
async fn every_base_table_read_is_strongly_consistent() {
    let (c, db, _ses) = counted().await;
    let id = invite(&c, vec!["fresh@x.io".into()]).await["results"][0]["invitation"]["id"].as_str().unwrap().to_owned();
    let listed = c.list(&[]).await;
    assert_eq!(listed.body["invitations"][0]["id"], id.as_str(), "{}", listed.body);
    for query in [vec![("status", "pending")], vec![("email", "fresh@x.io")]] {
        assert_eq!(c.list(&query).await.status, 200);
    }
    assert_eq!(c.users(&[]).await.status, 200);
    let (inv, token) = c.backend.ses.sent().await.pop().expect("the email").link();
    let path = format!("/accounts/{}/invitations/{inv}/accept", c.account);
    let claims = Some(e2e::invitee("fresh-sub", "fresh@x.io"));
    let accepted =
        c.call(e2e::event_json("POST", &path, &[], claims, Some(&json!({"token": token}).to_string()))).await;
    assert_eq!(accepted.status, 200);
    // By user id: the member and the directory are read.
    invite(&c, vec!["fresh-sub".into()]).await;

    let reads: Vec<(String, Value)> =
        db.requests_json().into_iter().filter(|(op, _)| op.ends_with(".Query") || op == GET).collect();
    let on_table = reads.iter().filter(|(_, body)| body.get("IndexName").is_none()).count();
    assert!(on_table >= 4 && on_table < reads.len(), "base-table and index reads were both made: {reads:?}");
    for (op, body) in &reads {
        let consistent = body.get("ConsistentRead") == Some(&Value::Bool(true));
        assert_eq!(consistent, body.get("IndexName").is_none(), "{op}: {body}");
    }
}
