//! A write DynamoDB committed whose answer never reached the client (a timeout, a reset connection): the
//! SDK sends the same request again, and that retry must be taken for what it is, our own write, not a
//! race lost to someone else. A proxy forwards the write and drops its answer.
use e2e::proxy::{LoseNext, Proxy};
use e2e::{access_infra, claims, event_json, App, Options};
use serde_json::{json, Value};
use std::time::Duration;

const UPDATE: &str = "DynamoDB_20120810.UpdateItem";
const TRANSACT: &str = "DynamoDB_20120810.TransactWriteItems";
const PUT: &str = "DynamoDB_20120810.PutItem";

/// The app with its DynamoDB behind a proxy that loses the answer of the write it is armed for.
async fn losing() -> (App, Proxy, LoseNext) {
    let lose = LoseNext::default();
    let rule = lose.clone();
    let proxy = Proxy::start(std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap(), move |_, req| rule.fault(req)).await;
    let app = App::with(Options { dynamodb_url: Some(proxy.url.clone()), ..Default::default() }).await;
    (app, proxy, lose)
}

/// Runs `f` with the answer of the next `target` call lost, and checks the SDK did send that call again.
async fn losing_one<T>(proxy: &Proxy, lose: &LoseNext, target: &str, f: impl std::future::Future<Output = T>) -> T {
    let before = proxy.calls().len();
    lose.arm(target);
    let out = f.await;
    assert!(!lose.armed(), "no {target} was sent");
    let sent = proxy.calls()[before..].iter().filter(|c| *c == target).count();
    assert!(sent >= 2, "the SDK sent {target} again after losing its answer ({sent} sent)");
    out
}

#[tokio::test]
async fn a_cancel_whose_answer_was_lost_is_200_not_409() {
    let (s, proxy, lose) = losing().await;
    let id = s.invite_one("lost-cancel@x.io").await["id"].as_str().unwrap().to_owned();
    // The cancel gives the invitation's seat back in the same transaction.
    let a = losing_one(&proxy, &lose, TRANSACT, s.cancel(&id)).await;
    assert_eq!((a.status, a.body["status"].as_str()), (200, Some("cancelled")), "{}", a.body);
}

#[tokio::test]
async fn a_resend_whose_claim_answer_was_lost_sends_the_email() {
    let (s, proxy, lose) = losing().await;
    let id = s.invite_one("lost-resend@x.io").await["id"].as_str().unwrap().to_owned();
    s.backend.clock.advance(Duration::from_secs(61));
    let a = losing_one(&proxy, &lose, UPDATE, s.resend(&id)).await;
    assert_eq!((a.status, a.body["send_count"].as_u64()), (200, Some(2)), "{}", a.body);
    let mails = s.backend.ses.sent().await;
    assert_eq!(mails.len(), 2, "the resend's email went out");
    let (_, token) = mails.last().unwrap().link();
    let accept = json!({"token": token}).to_string();
    let path = format!("/accounts/{}/invitations/{id}/accept", s.account);
    let invitee = Some(e2e::invitee("lost-resend-sub", "lost-resend@x.io"));
    let joined = s.call(event_json("POST", &path, &[], invitee, Some(&accept))).await;
    assert_eq!(joined.status, 200, "the emailed link is the stored one: {}", joined.body);
}

#[tokio::test]
async fn a_sweep_whose_claim_answer_was_lost_still_sends() {
    let (s, proxy, lose) = losing().await;
    s.invite_one("lost-sweep@x.io").await;
    s.backend.clock.advance(Duration::from_secs(73 * 3600));
    let summary = losing_one(&proxy, &lose, UPDATE, s.sweep()).await;
    assert_eq!(summary.resent, 1, "{summary:?}");
    assert_eq!(s.backend.ses.sent().await.len(), 2);
}

#[tokio::test]
async fn an_invite_whose_create_answer_was_lost_is_invited_once() {
    let (s, proxy, lose) = losing().await;
    let body = json!({"invitees": "lost-create@x.io", "access": access_infra()});
    let a = losing_one(&proxy, &lose, TRANSACT, s.invite(body)).await;
    assert_eq!((a.status, a.body["results"][0]["outcome"].as_str()), (201, Some("invited")), "{}", a.body);
    assert_eq!(s.invitation_items().await.len(), 1);
    assert_eq!(s.backend.ses.sent().await.len(), 1);
}

#[tokio::test]
async fn an_accept_whose_answer_was_lost_joins() {
    let (s, proxy, lose) = losing().await;
    let id = s.invite_one("lost-accept@x.io").await["id"].as_str().unwrap().to_owned();
    let (_, token) = s.backend.ses.sent().await.pop().unwrap().link();
    let path = format!("/accounts/{}/invitations/{id}/accept", s.account);
    let invitee = Some(e2e::invitee("lost-accept-sub", "lost-accept@x.io"));
    let ev = event_json("POST", &path, &[], invitee, Some(&json!({"token": token}).to_string()));
    let a = losing_one(&proxy, &lose, TRANSACT, s.call(ev)).await;
    assert_eq!((a.status, a.body["member"]["status"].as_str()), (200, Some("active")), "{}", a.body);
}

#[tokio::test]
async fn an_idempotency_key_whose_claim_answer_was_lost_runs_the_request() {
    let (s, proxy, lose) = losing().await;
    let body = json!({"invitees": "lost-key@x.io", "access": access_infra()}).to_string();
    let mut ev = event_json("POST", &s.path(""), &[], Some(claims(&s.account, "owner")), Some(&body));
    ev["headers"]["idempotency-key"] = json!("lost-claim");
    let started = std::time::Instant::now();
    let a: Value = losing_one(&proxy, &lose, PUT, s.call(ev)).await.body;
    assert_eq!(a["results"][0]["outcome"], "invited", "{a}");
    assert!(started.elapsed() < Duration::from_secs(5), "it did not wait for itself: {:?}", started.elapsed());
    assert_eq!(s.backend.ses.sent().await.len(), 1);
}
