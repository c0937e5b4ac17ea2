//! Least privilege, checked: each Lambda binary is run as deployed (init warm-up included) with its SDK
//! pointed at recording proxies, driven through every route it serves and every outcome that reaches a
//! different call (created, already open, re-invited, idempotent replay, the idempotency release after a
//! 503, an email SES refuses, accept and its refusals, member removal, the account's settings, the
//! scheduled sweep, emails handed to the paced sender and the sender itself, an SES report through the
//! delivery function, the table's stream of all of that through the events function, and the console's
//! page, which may call nothing). Each request is turned into the IAM actions and ARNs it needs (`calls.rs`), and the set must equal what the
//! function's policy in `template.yaml` grants (`policy.rs`): a call without a grant fails, and so does a
//! grant no call uses. So that no SDK call hides on a path these runs miss, every operation the adapters'
//! sources can make (`inventory.rs`) must have been made by some run. docs/DESIGN.md, "Permissions".
mod calls;
mod inventory;
mod policy;

use calls::{Needs, Permission};
use e2e::bus::Bus;
use e2e::proxy::{Fault, Proxy};
use e2e::queue::Queue;
use e2e::runtime::{binary, invoke, Reply};
use e2e::template::{function_of, template, template_env};
use e2e::{claims, event_json, new_table, sdk, sent_invitation, unique, Ses};
use invitations::adapters::dynamo::DynamoStore;
use invitations::domain::{AccountId, Invitation, InvitationId, Timestamp};
use invitations::ports::store::{CreateOutcome, InvitationStore};
use invitations::ports::Schedule;
use invitations::ports::SendSlots;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

struct World {
    table: String,
    ses: Ses,
    params: BTreeMap<&'static str, String>,
    account: String,
    /// What each binary's runs needed, and the SDK operations they made.
    needs: BTreeMap<&'static str, Needs>,
}

impl World {
    /// Runs `name` once with `events`, DynamoDB and SES behind recording proxies; requests whose body
    /// holds `fail` get a DynamoDB server error, and sends to an address holding `rejected@` SES's refusal.
    async fn run(&mut self, name: &'static str, events: Vec<Value>) -> Vec<(u16, Value)> {
        let db = Proxy::start(std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap(), |_, req| {
            if String::from_utf8_lossy(&req.body).contains("fail@") {
                Fault::Error { status: 500, error_type: "InternalServerError" }
            } else {
                Fault::Forward
            }
        })
        .await;
        let ses = Proxy::start(std::env::var("AWS_ENDPOINT_URL_SESV2").unwrap(), |_, req| {
            if String::from_utf8_lossy(&req.body).contains("rejected@") {
                Fault::ses_rejected()
            } else {
                Fault::Forward
            }
        })
        .await;
        let bus = Proxy::counting(std::env::var("AWS_ENDPOINT_URL_EVENTBRIDGE").unwrap()).await;
        let sqs = Proxy::counting(std::env::var("AWS_ENDPOINT_URL_SQS").unwrap()).await;
        let mut env = template_env(&function_of(name), &self.table, &self.params);
        env.retain(|(k, _)| !k.starts_with("AWS_ENDPOINT_URL_"));
        env.extend([
            ("AWS_ENDPOINT_URL_DYNAMODB".into(), db.url.clone()),
            ("AWS_ENDPOINT_URL_SESV2".into(), ses.url.clone()),
            ("AWS_ENDPOINT_URL_EVENTBRIDGE".into(), bus.url.clone()),
            ("AWS_ENDPOINT_URL_SQS".into(), sqs.url.clone()),
        ]);
        let expected = events.len();
        let run = invoke(&binary(name), &env, events).await;
        assert_eq!(run.replies.len(), expected, "{name}: {:?}\n{}", run.replies, run.stdout);
        let needs = self.needs.entry(name).or_default();
        let (db, ses, bus, sqs) = (db.requests_seen(), ses.requests_seen(), bus.requests_seen(), sqs.requests_seen());
        let needs_of = db.iter().map(calls::dynamodb).chain(ses.iter().map(calls::sesv2));
        let needs_of = needs_of.chain(bus.iter().map(calls::eventbridge)).chain(sqs.iter().map(calls::sqs));
        for n in needs_of {
            needs.operations.extend(n.operations);
            needs.permissions.extend(n.permissions);
        }
        run.replies.iter().map(answer).collect()
    }

    fn event(&self, method: &str, tail: &str, query: &[(&str, &str)], body: Option<Value>) -> Value {
        let path = format!("/accounts/{}/{tail}", self.account);
        let body = body.map(|b| b.to_string());
        event_json(method, &path, query, Some(claims(&self.account, "owner")), body.as_deref())
    }

    fn invite(&self, invitees: &str, key: Option<&str>) -> Value {
        let body = json!({"invitees": invitees, "access": e2e::access_infra()});
        let mut ev = self.event("POST", "invitations", &[], Some(body));
        if let Some(key) = key {
            ev["headers"]["idempotency-key"] = json!(key);
        }
        ev
    }

    fn accept(&self, id: &str, token: &str, sub: &str) -> Value {
        let path = format!("/accounts/{}/invitations/{id}/accept", self.account);
        let claims = Some(e2e::invitee(sub, "a@x.io"));
        event_json("POST", &path, &[], claims, Some(&json!({"token": token}).to_string()))
    }
}

fn answer(reply: &Reply) -> (u16, Value) {
    match reply {
        Reply::Response(r) if r.get("statusCode").is_some() => {
            let body = r["body"].as_str().unwrap();
            // The console's files are not JSON: their text stands for them.
            let body = serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()));
            (r["statusCode"].as_u64().unwrap() as u16, body)
        }
        Reply::Response(summary) => (200, summary.clone()),
        other => panic!("{other:?}"),
    }
}

fn statuses(answers: &[(u16, Value)]) -> Vec<u16> {
    answers.iter().map(|(s, _)| *s).collect()
}

/// A pending invitation of the world's account, last sent `ago`, due at `due`.
async fn seed(w: &World, email: &str, ago: Duration, due: Timestamp) -> String {
    let client = aws_sdk_dynamodb::Client::new(&sdk().await);
    let account = AccountId::parse(&w.account).unwrap();
    let now = Timestamp::now();
    let inv = Invitation { id: InvitationId::new(), ..sent_invitation(&account, email, now.minus(ago), due) };
    let created = DynamoStore::new(client, &w.table).create(&inv).await.unwrap();
    assert!(matches!(created, CreateOutcome::Created), "{created:?}");
    inv.id.to_string()
}

/// Drives every binary through its routes and outcomes; the world then holds what each needed.
async fn drive() -> World {
    let sdk = sdk().await;
    let table = new_table(&aws_sdk_dynamodb::Client::new(&sdk)).await;
    let ses = Ses::new(&sdk).await;
    let queue = Queue::new(&sdk).await;
    // No sending rate is set and moto has no GetAccount: the functions send at the sandbox's 1 a second,
    // so an invite of more than one hands emails on.
    let params = BTreeMap::from([
        ("SenderEmail", ses.sender.clone()),
        ("SenderIdentity", ses.sender.clone()),
        ("AcceptUrl", "https://app.example.com/accept".to_owned()),
        ("InvitationEmails", "invitation-emails".to_owned()),
        ("SendQueue", queue.url.clone()),
        ("SendQueue.Arn", queue.arn.clone()),
        ("JwtIssuer", "https://login.example.com".to_owned()),
        ("ConsoleClientId", "console".to_owned()),
    ]);
    let bus = Bus::new().await;
    let mut params = params;
    params.insert("EventsBus.Arn", calls::bus_arn(&bus.name));
    params.insert("EventsBus", bus.name);
    let mut w = World { table, ses, params, account: unique("iam"), needs: BTreeMap::new() };

    let invites = vec![
        w.invite("a@x.io, b@x.io, rejected@x.io", None),
        w.invite("a@x.io", None),
        w.invite("c@x.io", Some("k1")),
        w.invite("c@x.io", Some("k1")),
        w.invite("fail@x.io", Some("k2")),
    ];
    let answers = w.run("invite", invites).await;
    assert_eq!(statuses(&answers), [201, 207, 201, 201, 503], "{answers:?}");
    let b = answers[0].1["results"][1]["invitation"]["id"].as_str().unwrap().to_owned();
    let c = answers[2].1["results"][0]["invitation"]["id"].as_str().unwrap().to_owned();

    let mail = w.ses.sent().await;
    let (a, token) = mail.iter().find(|m| m.to == ["a@x.io"]).expect("a's email").link();
    let accepts =
        vec![w.accept(&a, "wrong-token", "user-a"), w.accept(&a, &token, "user-a"), w.accept(&a, &token, "user-a")];
    let answers = w.run("accept", accepts).await;
    assert_eq!(statuses(&answers), [403, 200, 200], "{answers:?}");

    let removals = vec![
        w.event("DELETE", &format!("invitations/{b}"), &[], None),
        w.event("DELETE", "users/user-a", &[], None),
        w.event("PUT", "settings", &[], Some(json!({"seat_limit": 50}))),
        w.event("PATCH", &format!("invitations/{c}"), &[], Some(json!({"access": e2e::access_infra()}))),
    ];
    let answers = w.run("cancel", removals).await;
    assert_eq!(statuses(&answers), [200, 200, 200, 200], "{answers:?}");

    // user-a is no member any more: invited through the directory; b@x.io over its cancelled invitation.
    let answers = w.run("invite", vec![w.invite("user-a, b@x.io, user-b", None)]).await;
    let outcomes: Vec<&str> =
        answers[0].1["results"].as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["invited", "invited", "invalid"], "{answers:?}");

    let reads = vec![
        w.event("GET", "invitations", &[], None),
        w.event("GET", "invitations", &[("email", "c@x.io")], None),
        w.event("GET", "users", &[], None),
        w.event("GET", "settings", &[], None),
        w.event("GET", "seats", &[], None),
    ];
    let answers = w.run("list", reads).await;
    assert_eq!(statuses(&answers), [200, 200, 200, 200, 200], "{answers:?}");

    let now = Timestamp::now();
    let hour = Duration::from_secs(3600);
    let r = seed(&w, "r@x.io", 2 * hour, now.plus(hour)).await;
    let r2 = seed(&w, "r2@x.io", 2 * hour, now.plus(hour)).await;
    let l = seed(&w, "l@x.io", 2 * hour, now.plus(hour)).await;
    seed(&w, "stale@x.io", 73 * hour, now.minus(hour)).await;
    let scheduled =
        serde_json::from_str(&std::fs::read_to_string(e2e::template::repo("events/scheduled.json")).unwrap()).unwrap();
    let resend = |w: &World, id: &str| w.event("POST", &format!("invitations/{id}/resend"), &[], None);
    let link = w.event("POST", &format!("invitations/{l}/link"), &[], None);
    let answers = w.run("resend", vec![resend(&w, &r), scheduled, link]).await;
    assert_eq!(answers[0].0, 200, "{answers:?}");
    // The sweep's email goes now or, with the resend's slot just taken, to the paced sender.
    let swept = |k: &str| answers[1].1[k].as_u64().unwrap_or_default();
    assert_eq!(swept("resent") + swept("handed_on"), 1, "{answers:?}");
    assert_eq!(answers[2].0, 200, "{answers:?}");
    // With the next 5 seconds of the schedule taken, a resend finds no slot within its one-second
    // budget however long the function takes to start (handed on), and the sender below takes its turn
    // after them.
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let taken = DynamoStore::new(client, &w.table);
    taken.reserve_slots(Schedule::Shared, 5, Duration::from_secs(1), Timestamp::now(), None).await.unwrap();
    let again = resend(&w, &r2);
    let answers = w.run("resend", vec![again]).await;
    assert_eq!((answers[0].0, &answers[0].1["status"]), (200, &json!("processing")), "{answers:?}");

    // The paced sender: the resend's email as the queue delivers it, and a message whose held slot is
    // beyond the invocation, which goes back to the queue.
    let mut handed = None;
    for _ in 0..30 {
        let Some((event, _)) = queue.poll().await else { continue };
        let bodies = event["Records"].as_array().unwrap().iter().map(|r| r["body"].as_str().unwrap().to_owned());
        handed = handed.or(bodies.into_iter().find(|b| b.contains(r2.as_str())));
        if handed.is_some() {
            break;
        }
    }
    let far = Timestamp::now().plus(hour).millis();
    let bodies = [
        handed.expect("the resend's email was handed on"),
        json!({"account": w.account, "invitation": r2, "at": far, "held": true}).to_string(),
    ];
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| json!({"messageId": format!("m{i}"), "body": body, "eventSource": "aws:sqs"}))
        .collect();
    let answers = w.run("send", vec![json!({ "Records": records })]).await;
    assert_eq!(answers[0].1, json!({"batchItemFailures": []}), "{answers:?}");
    assert!(w.ses.sent().await.iter().any(|m| m.to == ["r2@x.io"]), "the handed-on resend was sent");

    // The console: its page and files, and nothing else (no AWS call at all).
    let pages = ["/", "/console/app.js", "/console/config.json", "/console/missing.js"].map(e2e::page_event);
    let answers = w.run("console", pages.to_vec()).await;
    assert_eq!(statuses(&answers), [200, 200, 200, 404], "{answers:?}");

    // SES's report of an email, as EventBridge hands it to the delivery function: one conditional write.
    let bounced =
        seed(&w, "bounced@x.io", Duration::from_secs(60), Timestamp::now().plus(Duration::from_secs(3600))).await;
    let mut report: Value = e2e::ses_report("bounce");
    let account = invitations::domain::delivery::account_tag(&AccountId::parse(&w.account).unwrap());
    report["detail"]["mail"]["tags"]["account"] = json!([account]);
    report["detail"]["mail"]["tags"]["invitation"] = json!([bounced]);
    // Two complaints are two of two emails: the account's record is read and its sending paused.
    let mut reports = vec![report.clone()];
    for who in ["ann", "bob"] {
        let id =
            seed(&w, &format!("{who}@x.io"), Duration::from_secs(60), Timestamp::now().plus(Duration::from_secs(3600)))
                .await;
        let mut complaint = e2e::ses_report("complaint");
        complaint["detail"]["mail"]["tags"]["account"] = json!([account]);
        complaint["detail"]["mail"]["tags"]["invitation"] = json!([id]);
        reports.push(complaint);
    }
    let answers = w.run("delivery", reports).await;
    assert!(answers.iter().all(|(_, a)| a == &json!({"outcome": "recorded"})), "{answers:?}");
    // The pause read by an inviter, then lifted by the owner.
    let answers = w.run("list", vec![w.event("GET", "sending", &[], None)]).await;
    assert_eq!((answers[0].0, &answers[0].1["paused"]), (200, &json!(true)), "{answers:?}");
    let answers = w.run("cancel", vec![w.event("POST", "sending/resume", &[], None)]).await;
    assert_eq!((answers[0].0, &answers[0].1["lifted"]["cause"]), (200, &json!("complaints")), "{answers:?}");

    // Everything above, as the table's stream hands it to the events function.
    let stream = e2e::stream::stream_arn(&aws_sdk_dynamodb::Client::new(&sdk), &w.table).await;
    let records = e2e::stream::records(&stream).await;
    let answers = w.run("events", e2e::stream::batches(&records, 100)).await;
    assert!(answers.iter().all(|(_, a)| a == &json!({"batchItemFailures": []})), "{answers:?}");
    w
}

fn covers(grant: &Permission, used: &Permission) -> bool {
    grant.0 == used.0 && (grant.1 == used.1 || grant.1 == "*")
}

#[tokio::test]
async fn each_function_is_granted_exactly_the_calls_it_makes() {
    let w = drive().await;
    let template = template();
    let binaries: BTreeSet<&str> = template["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|r| r["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap())
        .collect();
    assert_eq!(binaries, w.needs.keys().copied().collect(), "every function of the template is driven");

    let values = policy::values(&w.table, &w.params);
    let mut problems = Vec::new();
    for (name, needs) in &w.needs {
        let granted = policy::granted(&template, &function_of(name), &values);
        for (action, resource) in needs.permissions.iter().filter(|u| !granted.iter().any(|g| covers(g, u))) {
            problems.push(format!("{name} calls {action} on {resource}, which its policy does not grant"));
        }
        for (action, resource) in granted.iter().filter(|g| !needs.permissions.iter().any(|u| covers(g, u))) {
            problems.push(format!("{name} is granted {action} on {resource}, which it never uses"));
        }
    }
    assert!(problems.is_empty(), "template.yaml against the calls made:\n{}", problems.join("\n"));

    let made: BTreeSet<String> = w.needs.values().flat_map(|n| n.operations.iter().cloned()).collect();
    assert_eq!(
        inventory::adapter_operations(),
        made,
        "the SDK operations in shared/src/adapters (left) against those the runs made (right): drive the path \
         that makes a missing one"
    );
}
