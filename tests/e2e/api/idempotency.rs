//! `Idempotency-Key` on invite: a retry gets the first answer, and the work runs once.
use e2e::{access_infra, claims, App};
use futures::future::join_all;
use serde_json::{json, Value};
use std::time::Duration;

/// An invite by `user` with an `Idempotency-Key`, answered as status and exact body text.
pub(super) async fn invite_with_key(app: &App, key: &str, user: &str, body: &Value) -> (u16, String) {
    let mut c = claims(&app.account, "owner");
    c["sub"] = json!(user);
    let mut ev = e2e::event_json("POST", &app.path(""), &[], Some(c), Some(&body.to_string()));
    ev["headers"]["idempotency-key"] = json!(key);
    let resp = app.respond(ev).await;
    (resp.status().as_u16(), String::from_utf8(resp.body().as_ref().to_vec()).unwrap())
}

#[tokio::test]
async fn an_idempotent_retry_returns_the_first_answer_byte_for_byte_and_sends_nothing() {
    let s = App::new().await;
    let sent = || s.backend.ses.sent();
    let body = json!({"invitees": "idem1@x.io, idem2@x.io, bad", "access": access_infra()});
    let first = invite_with_key(&s, "order-42", "user-1", &body).await;
    assert_eq!(first.0, 207);
    assert_eq!(sent().await.len(), 2);
    s.backend.clock.advance(Duration::from_secs(23 * 3600));
    let again = invite_with_key(&s, "order-42", "user-1", &body).await;
    assert_eq!(again, first, "the same status and the same bytes");
    assert_eq!(sent().await.len(), 2, "no second email");
    assert_eq!(s.invitation_items().await.len(), 2);

    let other_body = json!({"invitees": "idem3@x.io", "access": access_infra()});
    let (status, conflict) = invite_with_key(&s, "order-42", "user-1", &other_body).await;
    assert_eq!(status, 409);
    assert!(conflict.contains("idempotency_conflict"));
    let (status, _) = invite_with_key(&s, "order-42", "user-2", &body).await;
    assert_eq!(status, 409, "another caller's request is another request");

    // After 24 hours the key is forgotten: the request runs again (and finds the invitations open).
    s.backend.clock.advance(Duration::from_secs(3601));
    let later = invite_with_key(&s, "order-42", "user-1", &body).await;
    assert_ne!(later, first);
    assert!(later.1.contains("already_invited"));
    assert_eq!(sent().await.len(), 2);

    for bad in ["", " padded", &"k".repeat(65)] {
        let (status, body) = invite_with_key(&s, bad, "user-1", &body).await;
        assert_eq!(status, 400, "{bad:?}: {body}");
    }
}

#[tokio::test]
async fn concurrent_requests_with_one_key_run_the_work_once() {
    let s = App::new().await;
    let body = json!({"invitees": "once@x.io", "access": access_infra()});
    let answers = join_all((0..10).map(|_| invite_with_key(&s, "same-key", "user-1", &body))).await;
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, 201);
    assert_eq!(s.backend.ses.sent().await.len(), 1);
}

#[tokio::test]
async fn an_answer_kept_as_text_before_answers_were_compressed_is_still_given_back() {
    use aws_sdk_dynamodb::types::AttributeValue::{N, S};
    use invitations::ports::clock::Clock;
    let s = App::new().await;
    let body = json!({"invitees": "kept-as-text@x.io", "access": access_infra()});
    let fingerprint = invitations::domain::idempotency::fingerprint("user-1", body.to_string().as_bytes());
    let kept = r#"{"results":[{"invitee":"kept-as-text@x.io","outcome":"invited"}]}"#;
    let ttl = s.backend.clock.now().plus(Duration::from_secs(3600)).millis() / 1000;
    let record = s.backend.db.put_item().table_name(&s.backend.table);
    let record = record.item("pk", S(format!("IDEMP#{}", s.account))).item("sk", S("KEY#before".into()));
    let record = record.item("fingerprint", S(fingerprint)).item("saved_status", N("201".into()));
    record.item("saved_body", S(kept.into())).item("ttl", N(ttl.to_string())).send().await.unwrap();
    let again = invite_with_key(&s, "before", "user-1", &body).await;
    assert_eq!(again, (201, kept.to_owned()));
    assert!(s.backend.ses.sent().await.is_empty(), "nothing ran");
}
