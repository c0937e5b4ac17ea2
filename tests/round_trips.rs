//! Calls per operation, counted by a proxy in front of each emulator: numbers that do not depend on
//! the machine's speed, so they are assertions rather than benchmarks.
use e2e::proxy::{Fault, Gate, Proxy};
use e2e::{answer, claims, event_json, request, unique, Backend, ManualClock, Options};
use invitations::api;
use invitations::service::{Deps, Sender};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

struct Counted {
    deps: Deps,
    sender: Sender,
    db: Proxy,
    ses: Proxy,
    clock: Arc<ManualClock>,
    account: String,
}

async fn counted() -> Counted {
    through(Proxy::counting).await
}

/// The service with each emulator behind a proxy that `proxy` starts for its upstream.
async fn through<F: std::future::Future<Output = Proxy>>(proxy: impl Fn(String) -> F) -> Counted {
    let db = proxy(std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap()).await;
    let ses = proxy(std::env::var("AWS_ENDPOINT_URL_SESV2").unwrap()).await;
    let options = Options { dynamodb_url: Some(db.url.clone()), ses_url: Some(ses.url.clone()), ..Default::default() };
    let b = Backend::with(options).await;
    Counted { deps: b.deps, sender: b.sender, db, ses, clock: b.clock, account: unique("rt") }
}

impl Counted {
    fn path(&self, rest: &str) -> String {
        format!("/accounts/{}/invitations{rest}", self.account)
    }

    async fn invite(&self, invitees: Vec<String>) -> Value {
        let body =
            json!({"invitees": invitees, "access": {"infrastructure": {"permissions": "basic_user"}}}).to_string();
        let ev = event_json("POST", &self.path(""), &[], Some(claims(&self.account, "owner")), Some(&body));
        answer(api::invite(&self.deps, &self.sender, request(&ev)).await.unwrap()).body
    }

    /// The calls each proxy saw during `f`.
    async fn during<F: std::future::Future<Output = u16>>(&self, f: F) -> (u16, Vec<String>, Vec<String>) {
        let (db0, ses0) = (self.db.calls().len(), self.ses.calls().len());
        let status = f.await;
        (status, self.db.calls()[db0..].to_vec(), self.ses.calls()[ses0..].to_vec())
    }
}

const UPDATE: &str = "DynamoDB_20120810.UpdateItem";
const TRANSACT: &str = "DynamoDB_20120810.TransactWriteItems";
const SEND_EMAIL: &str = "POST /v2/email/outbound-emails";

#[tokio::test]
async fn cancel_is_one_dynamodb_call() {
    let c = counted().await;
    let id = c.invite(vec!["c@x.io".into()]).await["results"][0]["invitation"]["id"].as_str().unwrap().to_owned();
    let ev = event_json("DELETE", &c.path(&format!("/{id}")), &[], Some(claims(&c.account, "owner")), None);
    let (status, db, ses) =
        c.during(async { api::cancel(&c.deps, request(&ev)).await.unwrap().status().as_u16() }).await;
    assert_eq!((status, db, ses), (200, vec![UPDATE.to_owned()], vec![]));
}

#[tokio::test]
async fn resend_is_one_dynamodb_call_and_one_email() {
    let c = counted().await;
    let id = c.invite(vec!["r@x.io".into()]).await["results"][0]["invitation"]["id"].as_str().unwrap().to_owned();
    c.clock.advance(Duration::from_secs(61));
    let ev = event_json("POST", &c.path(&format!("/{id}/resend")), &[], Some(claims(&c.account, "owner")), None);
    let (status, db, ses) =
        c.during(async { api::resend(&c.deps, &c.sender, request(&ev)).await.unwrap().status().as_u16() }).await;
    assert_eq!(status, 200);
    assert_eq!(db, [UPDATE], "the conditional write is the whole transition");
    assert_eq!(ses, [SEND_EMAIL]);
}

#[tokio::test]
async fn a_list_page_is_one_query() {
    let c = counted().await;
    c.invite((0..10).map(|i| format!("l{i}@x.io")).collect()).await;
    for query in [vec![], vec![("limit", "5")], vec![("email", "l3@x.io")]] {
        let ev = event_json("GET", &c.path(""), &query, Some(claims(&c.account, "owner")), None);
        let (status, db, _) =
            c.during(async { api::list(&c.deps, request(&ev)).await.unwrap().status().as_u16() }).await;
        assert_eq!((status, db), (200, vec!["DynamoDB_20120810.Query".to_owned()]), "{query:?}");
    }
}

#[tokio::test]
async fn an_invite_of_100_is_100_emails_and_two_writes_each() {
    let c = counted().await;
    let invitees: Vec<String> = (0..100).map(|i| format!("hundred{i}@x.io")).collect();
    let (db0, ses0) = (c.db.calls().len(), c.ses.calls().len());
    let answer = c.invite(invitees).await;
    assert!(answer["results"].as_array().unwrap().iter().all(|r| r["invitation"]["status"] == "pending"));
    let db = &c.db.calls()[db0..];
    assert_eq!(c.ses.calls().len() - ses0, 100, "one email each");
    assert_eq!(db.iter().filter(|t| *t == TRANSACT).count(), 100, "one create each");
    assert_eq!(db.iter().filter(|t| *t == UPDATE).count(), 100, "one mark-sent each");
    assert_eq!(db.len(), 200);
}

#[tokio::test]
async fn an_invite_of_100_runs_in_three_waves() {
    let gate = Gate::new(Duration::from_millis(200));
    let c = through(|url| {
        let gate = gate.clone();
        Proxy::start(url, move |_, _| Fault::Gated(gate.clone()))
    })
    .await;
    let waves0 = gate.waves().len();
    let answer = c.invite((0..100).map(|i| format!("wave{i}@x.io")).collect()).await;
    assert!(answer["results"].as_array().unwrap().iter().all(|r| r["invitation"]["status"] == "pending"), "{answer}");
    let waves = gate.waves()[waves0..].to_vec();
    let shape: Vec<(usize, &String)> = waves.iter().map(|w| (w.len(), &w[0])).collect();
    assert_eq!(waves.len(), 3, "create, send, mark: {shape:?}");
    for (wave, op) in waves.iter().zip([TRANSACT, SEND_EMAIL, UPDATE]) {
        assert_eq!((wave.len(), wave.iter().all(|w| w == op)), (100, true), "{shape:?}");
    }
}
