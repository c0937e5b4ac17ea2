//! Lifecycle events end to end with no AWS: the API drives whole lives on DynamoDB Local, the test reads
//! the table's stream and hands it to the built `events` binary under the Runtime API emulator as Lambda
//! would, and moto's EventBridge delivers through a rule to a queue, which must hold exactly the
//! expected events, in order per invitation. Then moto refuses entries (through the fault proxy).
use e2e::bus::Bus;
use e2e::http1::RawRequest;
use e2e::proxy::{Fault, Proxy};
use e2e::runtime::{binary, invoke, Reply, Run};
use e2e::template::template_env;
use e2e::{event_json, stream, App};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Three lives: ann invited, re-sent and accepted; bob invited and cancelled; cy invited and expired by
/// the sweep; and two writes of the account's settings. Answers the ids and every token the emails carried.
async fn lives(app: &App) -> (BTreeMap<&'static str, String>, Vec<String>) {
    let ann = app.invite_one("ann@x.io").await["id"].as_str().unwrap().to_owned();
    let bob = app.invite_one("bob@x.io").await["id"].as_str().unwrap().to_owned();
    let cy = app.invite_one("cy@x.io").await["id"].as_str().unwrap().to_owned();
    app.backend.clock.advance(Duration::from_secs(61));
    assert_eq!(app.resend(&ann).await.status, 200);
    let mails = app.backend.ses.sent().await;
    let (_, token) = mails.iter().rev().find(|m| m.to == ["ann@x.io"]).unwrap().link();
    let path = format!("/accounts/{}/invitations/{ann}/accept", app.account);
    let claims = Some(e2e::invitee("ann-sub", "ann@x.io"));
    let accepted = app.call(event_json("POST", &path, &[], claims, Some(&json!({"token": token}).to_string()))).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(app.cancel(&bob).await.status, 200);
    app.backend.clock.advance(Duration::from_secs(31 * 86_400));
    assert_eq!(app.sweep().await.expired, 1, "cy");
    // The owner sets the account's settings, then changes them over the version read.
    let set = app.put_settings("owner", r#"{"allowed_domains": ["x.io"]}"#, Some("\"0\"")).await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(app.put_settings("owner", r#"{"seat_limit": 9}"#, Some("\"1\"")).await.status, 200);
    let tokens = app.backend.ses.sent().await.iter().map(|m| m.link().1).collect();
    (BTreeMap::from([("ann", ann), ("bob", bob), ("cy", cy)]), tokens)
}

/// The `events` function's environment from the template, publishing to `bus` through `endpoint`.
fn env(app: &App, bus: &Bus, endpoint: &str) -> Vec<(String, String)> {
    let params = BTreeMap::from([("EventsBus", bus.name.clone())]);
    let mut env = template_env("EventsFunction", &app.backend.table, &params);
    env.retain(|(k, _)| k != "AWS_ENDPOINT_URL_EVENTBRIDGE");
    env.push(("AWS_ENDPOINT_URL_EVENTBRIDGE".into(), endpoint.to_owned()));
    env
}

fn answers(run: &Run) -> Vec<Value> {
    run.replies
        .iter()
        .map(|r| match r {
            Reply::Response(v) => v.clone(),
            other => panic!("{other:?}\n{}", run.stdout),
        })
        .collect()
}

/// The events received, as (subject, detail-type) in the order received: the invitation's id,
/// `member:<user>`, or `settings`.
fn timeline(received: &[Value]) -> Vec<(String, String)> {
    received
        .iter()
        .map(|e| {
            let d = &e["detail"];
            let kind = e["detail-type"].as_str().unwrap();
            let subject = match d["user_id"].as_str() {
                Some(user) if kind.starts_with("member.") => format!("member:{user}"),
                _ if kind.starts_with("settings.") => "settings".to_owned(),
                _ => d["id"].as_str().unwrap().to_owned(),
            };
            (subject, e["detail-type"].as_str().unwrap().to_owned())
        })
        .collect()
}

fn of(timeline: &[(String, String)], subject: &str) -> Vec<String> {
    timeline.iter().filter(|(s, _)| s == subject).map(|(_, t)| t.clone()).collect()
}

fn expected(ids: &BTreeMap<&str, String>) -> Vec<(String, Vec<&'static str>)> {
    let (sent, created) = ("invitation.sent", "invitation.created");
    vec![
        (ids["ann"].clone(), vec![created, sent, sent, "invitation.accepted"]),
        (ids["bob"].clone(), vec![created, sent, "invitation.cancelled"]),
        (ids["cy"].clone(), vec![created, sent, "invitation.expired"]),
        ("member:ann-sub".to_owned(), vec!["member.added"]),
        ("settings".to_owned(), vec!["settings.updated", "settings.updated"]),
    ]
}

#[tokio::test]
async fn every_transition_reaches_a_subscriber_once_in_order_and_nothing_secret() {
    let app = App::new().await;
    let (ids, tokens) = lives(&app).await;
    let bus = Bus::new().await;
    let records = stream::records(&stream::stream_arn(&app.backend.db, &app.backend.table).await).await;
    // Several invocations, as Lambda cuts the stream into batches.
    let run = invoke(
        &binary("events"),
        &env(&app, &bus, &e2e::endpoint("AWS_ENDPOINT_URL_EVENTBRIDGE")),
        stream::batches(&records, 7),
    )
    .await;
    assert!(answers(&run).iter().all(|a| a == &json!({"batchItemFailures": []})), "{:?}", run.replies);

    let received = bus.received().await;
    let timeline = timeline(&received);
    for (subject, types) in expected(&ids) {
        assert_eq!(of(&timeline, &subject), types, "{subject}: {timeline:?}");
    }
    assert_eq!(timeline.len(), 13, "nothing else: {timeline:?}");
    let settings: Vec<&Value> = received.iter().filter(|e| e["detail-type"] == "settings.updated").collect();
    let versions: Vec<(&Value, &Value)> =
        settings.iter().map(|e| (&e["detail"]["previous_version"], &e["detail"]["version"])).collect();
    assert_eq!(versions, [(&json!(0), &json!(1)), (&json!(1), &json!(2))]);
    assert_eq!(settings[1]["detail"]["seat_limit"], 9);
    let ann: Vec<&Value> = received.iter().filter(|e| e["detail"]["id"] == ids["ann"].as_str()).collect();
    let previous: Vec<&Value> = ann.iter().map(|e| &e["detail"]["previous_status"]).collect();
    // A resend is `processing` from its claim until SES accepts its email, whose event says so.
    assert_eq!(previous, [&json!(null), &json!("processing"), &json!("processing"), &json!("pending")]);
    let counts: Vec<&Value> = ann.iter().map(|e| &e["detail"]["send_count"]).collect();
    assert_eq!(counts, [&json!(0), &json!(1), &json!(2), &json!(2)]);
    assert!(received.iter().all(|e| e["source"] == "invitations"));

    let text = serde_json::to_string(&received).unwrap();
    for secret in
        tokens.iter().map(String::as_str).chain(["token", "ACCOUNT#", "INV#", "accept?", "write_id", "due_at"])
    {
        assert!(!text.contains(secret), "{secret} in the events");
    }

    // Lambda delivers a record again after a failure or a timeout: the same ids, for consumers to drop.
    let ids_of = |events: &[Value]| -> BTreeSet<String> {
        events.iter().map(|e| e["detail"]["event_id"].as_str().unwrap().to_owned()).collect()
    };
    let first = ids_of(&received);
    assert_eq!(first.len(), 13, "one id per event");
    invoke(
        &binary("events"),
        &env(&app, &bus, &e2e::endpoint("AWS_ENDPOINT_URL_EVENTBRIDGE")),
        stream::batches(&records, 100),
    )
    .await;
    assert_eq!(ids_of(&bus.received().await), first);
}

/// A fault that refuses the entries `refuse` picks (by their place and body): moto gets the others, and
/// the answer says which failed, as EventBridge's partial failures do.
fn refusing(req: &RawRequest, refuse: impl Fn(usize, &Value) -> bool) -> Fault {
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    let entries = body["Entries"].as_array().unwrap();
    let refused: Vec<bool> = entries.iter().enumerate().map(|(i, e)| refuse(i, e)).collect();
    if !refused.contains(&true) {
        return Fault::Forward;
    }
    let kept: Vec<&Value> = entries.iter().zip(&refused).filter(|(_, r)| !**r).map(|(e, _)| e).collect();
    let forwarded = (!kept.is_empty()).then(|| json!({"Entries": kept}).to_string().into_bytes());
    Fault::Rewrite {
        body: forwarded,
        answer: Box::new(move |upstream| {
            let upstream: Value = serde_json::from_slice(&upstream).unwrap_or(json!({"Entries": []}));
            let mut taken = upstream["Entries"].as_array().cloned().unwrap_or_default().into_iter();
            let failure = json!({"ErrorCode": "InternalFailure", "ErrorMessage": "refused by the test's proxy"});
            let entries: Vec<Value> =
                refused.iter().map(|r| if *r { failure.clone() } else { taken.next().unwrap() }).collect();
            let failed = entries.iter().filter(|e| e.get("ErrorCode").is_some()).count();
            json!({"FailedEntryCount": failed, "Entries": entries}).to_string().into_bytes()
        }),
    }
}

fn is_put_events(req: &RawRequest) -> bool {
    req.headers.iter().any(|(k, v)| k == "x-amz-target" && v == "AWSEvents.PutEvents")
}

/// The `PutEvents` requests the proxy saw, in order: not the init warm-up's `DescribeEventBus`.
fn put_events_sent(proxy: &Proxy) -> Vec<(String, Value)> {
    proxy.requests_json().into_iter().filter(|(op, _)| op.ends_with("PutEvents")).collect()
}

#[tokio::test]
async fn refused_entries_are_retried_alone_and_nothing_is_lost() {
    let app = App::new().await;
    let (ids, _) = lives(&app).await;
    let bus = Bus::new().await;
    let records = stream::records(&stream::stream_arn(&app.backend.db, &app.backend.table).await).await;
    // The first request's first and third entries are refused once (it holds each invitation's first
    // event and the member's). The init warm-up's DescribeEventBus comes before it.
    let put_events = std::sync::atomic::AtomicUsize::new(0);
    let proxy = Proxy::start(e2e::endpoint("AWS_ENDPOINT_URL_EVENTBRIDGE"), move |_, req| {
        if is_put_events(req) && put_events.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            refusing(req, |i, _| i == 0 || i == 2)
        } else {
            Fault::Forward
        }
    })
    .await;
    let run = invoke(&binary("events"), &env(&app, &bus, &proxy.url), stream::batches(&records, 1000)).await;
    assert_eq!(answers(&run), [json!({"batchItemFailures": []})], "{}", run.stdout);

    let timeline = timeline(&bus.received().await);
    for (subject, types) in expected(&ids) {
        assert_eq!(of(&timeline, &subject), types, "{subject}: each once, in order: {timeline:?}");
    }
    assert_eq!(timeline.len(), 13);
    let requests = put_events_sent(&proxy);
    let entries = |i: usize| -> Vec<Value> { requests[i].1["Entries"].as_array().unwrap().clone() };
    let (first, second) = (entries(0), entries(1));
    assert!(first.len() >= 3, "{first:?}");
    assert!(second.contains(&first[0]) && second.contains(&first[2]), "the refused ones again, at once");
    for accepted in [&first[1]].into_iter().chain(&first[3..]) {
        assert!(
            !requests[1..].iter().any(|(_, r)| r["Entries"].as_array().unwrap().contains(accepted)),
            "sent again: {accepted}"
        );
    }
}

#[tokio::test]
async fn an_entry_refused_for_good_hands_its_record_back_and_the_retry_loses_nothing() {
    let app = App::new().await;
    let (ids, _) = lives(&app).await;
    let bus = Bus::new().await;
    let records = stream::records(&stream::stream_arn(&app.backend.db, &app.backend.table).await).await;
    let bob = ids["bob"].clone();
    let bob_cancel = move |e: &Value| {
        e["DetailType"] == "invitation.cancelled" && e["Detail"].as_str().unwrap().contains(bob.as_str())
    };
    let refuse = bob_cancel.clone();
    let proxy = Proxy::start(e2e::endpoint("AWS_ENDPOINT_URL_EVENTBRIDGE"), move |_, req| {
        if is_put_events(req) {
            refusing(req, |_, e| refuse(e))
        } else {
            Fault::Forward
        }
    })
    .await;
    let run = invoke(&binary("events"), &env(&app, &bus, &proxy.url), stream::batches(&records, 1000)).await;
    let answer = answers(&run).remove(0);
    let failures = answer["batchItemFailures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{answer}");
    let failed_at = records
        .iter()
        .position(|r| r["dynamodb"]["SequenceNumber"] == failures[0]["itemIdentifier"])
        .expect("the failure names a record of the batch");
    let image = &records[failed_at]["dynamodb"]["NewImage"];
    assert_eq!(
        (image["id"]["S"].as_str(), image["status"]["S"].as_str()),
        (Some(ids["bob"].as_str()), Some("cancelled"))
    );
    let tries = put_events_sent(&proxy)
        .iter()
        .flat_map(|(_, b)| b["Entries"].as_array().unwrap().clone())
        .filter(|e| bob_cancel(e))
        .count();
    assert_eq!(tries, 4, "tried four times before handing the record back");
    let first_run = bus.received().await;
    assert!(!timeline(&first_run).contains(&(ids["bob"].clone(), "invitation.cancelled".to_owned())));

    // Lambda reads the stream again from the failed record; this time the bus takes everything.
    let again = invoke(
        &binary("events"),
        &env(&app, &bus, &e2e::endpoint("AWS_ENDPOINT_URL_EVENTBRIDGE")),
        stream::batches(&records[failed_at..], 1000),
    )
    .await;
    assert_eq!(answers(&again), [json!({"batchItemFailures": []})]);
    let second_run = bus.received().await;
    let all: Vec<Value> = first_run.iter().chain(&second_run).cloned().collect();
    let ids_of = |events: &[Value]| -> Vec<String> {
        events.iter().map(|e| e["detail"]["event_id"].as_str().unwrap().to_owned()).collect()
    };
    let unique: BTreeSet<String> = ids_of(&all).into_iter().collect();
    assert_eq!(unique.len(), 13, "every event arrived");
    // What came twice is only what the records from the failed one on made: never an earlier record's.
    // An invitation's records by its id; the settings' by their key.
    let later: BTreeSet<&str> = records[failed_at..]
        .iter()
        .filter_map(|r| {
            let image = &r["dynamodb"]["NewImage"];
            image["id"]["S"].as_str().or(image["sk"]["S"].as_str().filter(|sk| *sk == "SETTINGS"))
        })
        .collect();
    let first_ids: BTreeSet<String> = ids_of(&first_run).into_iter().collect();
    for e in second_run.iter().filter(|e| first_ids.contains(e["detail"]["event_id"].as_str().unwrap())) {
        let settings = e["detail-type"] == "settings.updated";
        let subject = if settings { "SETTINGS" } else { e["detail"]["id"].as_str().unwrap_or_default() };
        assert!(later.contains(subject), "a duplicate of an earlier record's event: {e}");
    }
    // In order per invitation, first arrivals counted.
    let mut seen = BTreeSet::new();
    let firsts: Vec<Value> = all.into_iter().filter(|e| seen.insert(e["detail"]["event_id"].to_string())).collect();
    let timeline = timeline(&firsts);
    for (subject, types) in expected(&ids) {
        assert_eq!(of(&timeline, &subject), types, "{subject}: {timeline:?}");
    }
}
