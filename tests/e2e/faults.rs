//! Faults injected from outside the production code (a proxy in front of the emulators, or a dead
//! endpoint): nothing is lost, nothing is half-written, and a retry succeeds.
use e2e::proxy::{Fault, Proxy};
use e2e::{access_infra, all_items, App, Options};
use invitations::adapters::dynamo::DynamoStore;
use invitations::service::sweep::sweep;
use invitations::service::Deps;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The app with SES, DynamoDB or both reached through the given endpoints.
async fn app(ses_endpoint: Option<&str>, dynamodb_endpoint: Option<&str>) -> App {
    let options = Options {
        ses_url: ses_endpoint.map(str::to_owned),
        dynamodb_url: dynamodb_endpoint.map(str::to_owned),
        ..Default::default()
    };
    App::with(options).await
}

/// Invites with `deps` in place of the app's own.
async fn invite(app: &App, deps: &Deps, invitees: &str) -> (u16, Value) {
    let body = json!({"invitees": invitees, "access": access_infra()}).to_string();
    let a = app.call_on(deps, &app.backend.notifier, app.event("POST", "", &[], Some(&body))).await;
    (a.status, a.body)
}

/// Every stored invitation's (email, status), sorted.
async fn statuses(app: &App) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = all_items(&app.backend.db, &app.backend.table)
        .await
        .into_iter()
        .filter(|i| i["sk"].as_s().unwrap().starts_with("INV#"))
        .map(|i| (i["email"].as_s().unwrap().clone(), i["status"].as_s().unwrap().clone()))
        .collect();
    out.sort();
    out
}

fn ses_upstream() -> String {
    std::env::var("AWS_ENDPOINT_URL_SESV2").unwrap()
}

fn dynamodb_upstream() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap()
}

#[tokio::test]
async fn refused_recipients_stay_processing_until_the_sweep_sends_them() {
    let refusing = Arc::new(AtomicBool::new(true));
    let flag = refusing.clone();
    let proxy = Proxy::start(ses_upstream(), move |_, req| {
        let to_refused = String::from_utf8_lossy(&req.body).contains("refused");
        if to_refused && flag.load(Ordering::SeqCst) {
            Fault::ses_rejected()
        } else {
            Fault::Forward
        }
    })
    .await;
    let s = app(Some(&proxy.url), None).await;
    let (status, body) = invite(&s, &s.backend.deps, "ok1@x.io refused1@x.io ok2@x.io refused2@x.io").await;
    assert_eq!(status, 201, "every invitee is invited: {body}");
    let shown: Vec<&str> =
        body["results"].as_array().unwrap().iter().map(|r| r["invitation"]["status"].as_str().unwrap()).collect();
    assert_eq!(shown, ["pending", "processing", "pending", "processing"]);
    assert_eq!(s.backend.ses.sent().await.len(), 2);

    refusing.store(false, Ordering::SeqCst);
    s.backend.clock.advance(Duration::from_secs(301));
    let summary = sweep(&s.backend.deps, &s.backend.notifier, None).await.unwrap();
    assert_eq!(summary.retried, 2, "{summary:?}");
    assert!(statuses(&s).await.iter().all(|(_, st)| st == "pending"), "none lost: {:?}", statuses(&s).await);
    assert_eq!(s.backend.ses.sent().await.len(), 4);
}

#[tokio::test]
async fn ses_timing_out_leaves_the_invitation_for_the_sweep() {
    let slow = Arc::new(AtomicBool::new(true));
    let flag = slow.clone();
    let proxy = Proxy::start(ses_upstream(), move |_, _| {
        if flag.load(Ordering::SeqCst) {
            Fault::Delay(Duration::from_secs(4))
        } else {
            Fault::Forward
        }
    })
    .await;
    // The functions' own SES timeouts, which this test is about: every attempt outlives its 3 s, and
    // the send gives up at its operation timeout, which the template test holds under the function's.
    let options = Options { ses_url: Some(proxy.url.clone()), production_ses_timeouts: true, ..Default::default() };
    let s = App::with(options).await;
    let (status, body) = invite(&s, &s.backend.deps, "slow@x.io").await;
    assert_eq!((status, body["results"][0]["invitation"]["status"].as_str()), (201, Some("processing")), "{body}");
    slow.store(false, Ordering::SeqCst);
    // The timed-out attempts may still have reached SES; the sweep's retry is what the invitee uses.
    s.backend.clock.advance(Duration::from_secs(301));
    let summary = sweep(&s.backend.deps, &s.backend.notifier, None).await.unwrap();
    assert_eq!(summary.retried, 1, "{summary:?}");
    assert_eq!(statuses(&s).await, [("slow@x.io".to_owned(), "pending".to_owned())]);
}

#[tokio::test]
async fn dynamodb_throttling_is_503_with_nothing_half_written_and_a_retry_succeeds() {
    let throttling = Arc::new(AtomicBool::new(true));
    let flag = throttling.clone();
    let proxy = Proxy::start(dynamodb_upstream(), move |_, _| {
        if flag.load(Ordering::SeqCst) {
            Fault::dynamodb_throttle()
        } else {
            Fault::Forward
        }
    })
    .await;
    let s = app(None, Some(&proxy.url)).await;
    let (status, body) = invite(&s, &s.backend.deps, "t1@x.io t2@x.io").await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("unavailable")), "{body}");
    assert!(proxy.requests() >= 4, "the client retried the throttled calls ({})", proxy.requests());
    assert!(all_items(&s.backend.db, &s.backend.table).await.is_empty(), "nothing half-written");
    assert!(s.backend.ses.sent().await.is_empty());

    throttling.store(false, Ordering::SeqCst);
    let (status, body) = invite(&s, &s.backend.deps, "t1@x.io t2@x.io").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(statuses(&s).await.len(), 2);
}

#[tokio::test]
async fn an_unreachable_table_is_503_and_the_retry_succeeds() {
    let s = app(None, Some("http://127.0.0.1:1")).await;
    let (status, body) = invite(&s, &s.backend.deps, "u1@x.io").await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("unavailable")));
    assert!(s.backend.ses.sent().await.is_empty());
    let reachable =
        Deps { store: Arc::new(DynamoStore::new(s.backend.db.clone(), &s.backend.table)), ..s.backend.deps.clone() };
    let (status, _) = invite(&s, &reachable, "u1@x.io").await;
    assert_eq!(status, 201);
    assert_eq!(s.backend.ses.sent().await.len(), 1);
}

#[tokio::test]
async fn an_invite_of_100_at_the_default_ses_rate_sends_every_email() {
    // SES answers 429 beyond the account's sending rate (14 a second by default); 100 concurrent sends
    // meet it at once.
    let accepted = Arc::new(std::sync::Mutex::new(std::collections::VecDeque::<std::time::Instant>::new()));
    let window = accepted.clone();
    let proxy = Proxy::start(std::env::var("AWS_ENDPOINT_URL_SESV2").unwrap(), move |_, _| {
        let now = std::time::Instant::now();
        let mut w = window.lock().unwrap();
        while w.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
            w.pop_front();
        }
        if w.len() < 14 {
            w.push_back(now);
            Fault::Forward
        } else {
            Fault::ses_throttle()
        }
    })
    .await;
    let s = app(Some(&proxy.url), None).await;
    let invitees: Vec<String> = (0..100).map(|i| format!("burst{i}@x.io")).collect();
    let started = std::time::Instant::now();
    let (status, body) = invite(&s, &s.backend.deps, &invitees.join(" ")).await;
    let took = started.elapsed();
    let pending = body["results"].as_array().unwrap().iter().filter(|r| r["invitation"]["status"] == "pending").count();
    eprintln!("{pending} pending after {took:?}, {} SES requests", proxy.requests());
    assert_eq!((status, pending), (201, 100), "every email sent within the request");
    assert_eq!(s.backend.ses.sent().await.len(), 100);
}

/// The paced SES client: a throttle comes back at once, for the schedule to give the email a fresh slot
/// (a retry would land in another send's slot); any other failure is retried by the client as before.
#[tokio::test]
async fn a_paced_ses_client_answers_a_throttle_at_once_and_retries_other_failures() {
    use invitations::adapters::{aws, ses::SesMailer};
    use invitations::ports::{MailError, Mailer, OutgoingEmail};
    let sdk = e2e::sdk().await;
    let ses = e2e::ses::Ses::new(&sdk).await;
    let email = OutgoingEmail {
        to: invitations::domain::Email::parse("ada@example.com").unwrap(),
        subject: "s".into(),
        text: "t".into(),
        html: "<p>h</p>".into(),
        send: None,
    };
    let upstream = std::env::var("AWS_ENDPOINT_URL_SESV2").unwrap();
    for (first, answer_ok, requests) in
        [(Fault::ses_throttle(), false, 1), (Fault::Error { status: 503, error_type: "ServiceUnavailable" }, true, 2)]
    {
        let first = std::sync::Mutex::new(Some(first));
        let proxy =
            Proxy::start(upstream.clone(), move |_, _| first.lock().unwrap().take().unwrap_or(Fault::Forward)).await;
        let config =
            aws::paced(aws::ses_config(&sdk).timeout_config(e2e::emulator_timeouts()).endpoint_url(&proxy.url));
        let mailer = SesMailer::new(aws_sdk_sesv2::Client::from_conf(config.build()), ses.sender.clone(), None);
        let sent = mailer.send(&email).await;
        match answer_ok {
            true => assert!(sent.is_ok(), "{sent:?}"),
            false => assert!(matches!(sent, Err(MailError::Throttled(_))), "{sent:?}"),
        }
        assert_eq!(proxy.requests(), requests);
    }
}
