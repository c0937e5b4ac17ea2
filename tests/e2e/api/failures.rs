//! What the handlers answer when the table is out of reach or holds what the code cannot read, and
//! where they read the caller from.
use super::assert_error;
use e2e::{access_infra, logs, sdk, unique, App};
use invitations::adapters::dynamo::DynamoStore;
use invitations::service::Deps;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn an_unreachable_table_is_503_and_a_corrupt_item_is_a_bare_500() {
    let s = App::new().await;
    let sdk = sdk().await;
    let down = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk).endpoint_url("http://127.0.0.1:1").build(),
    );
    let deps = Deps { store: Arc::new(DynamoStore::new(down, &s.backend.table)), ..s.backend.deps.clone() };
    let notifier = &s.backend.notifier;
    let a = s.call_on(&deps, notifier, s.event("GET", "", &[], None)).await;
    assert_error(&a, 503, "unavailable");
    let body = json!({"invitees": "u@x.io", "access": access_infra()}).to_string();
    let a = s.call_on(&deps, notifier, s.event("POST", "", &[], Some(&body))).await;
    assert_error(&a, 503, "unavailable");
    assert!(s.backend.ses.sent().await.is_empty(), "no email for an invitation that was not stored");

    // An item the code cannot read (a hand edit): where it cannot be skipped, 500 with nothing of the
    // cause, the cause in the log.
    let inv = s.invite_one("v@x.io").await;
    let key = [("pk", format!("ACCOUNT#{}", s.account)), ("sk", format!("INV#{}", inv["id"].as_str().unwrap()))];
    let mut update = s.backend.db.update_item().table_name(&s.backend.table).update_expression("SET #s = :s");
    for (k, v) in key {
        update = update.key(k, aws_sdk_dynamodb::types::AttributeValue::S(v));
    }
    let marker = unique("bogus-status");
    update
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":s", aws_sdk_dynamodb::types::AttributeValue::S(marker.clone()))
        .send()
        .await
        .unwrap();
    // Acting on it cannot go around it: a cancel of it is a 500.
    let a = s.cancel(inv["id"].as_str().unwrap()).await;
    assert_eq!(a.status, 500);
    assert_eq!(a.body, json!({"error": {"code": "internal", "message": "internal error"}}));
    assert!(logs::text().contains("malformed"), "the log says what went wrong");
    // A page goes around it (tests/e2e/poison.rs has the whole story).
    assert_eq!(s.list(&[]).await.status, 200);
}

#[tokio::test]
async fn handlers_read_the_caller_from_the_authorizer_only() {
    let s = App::new().await;
    // A valid local development token in the header is nothing to a Lambda handler.
    let dev = local::auth::DevAuth::new();
    let token = dev.mint(s.owner().unwrap().as_object().unwrap(), Duration::from_secs(60));
    let mut ev = e2e::event_json("GET", &s.path(""), &[], None, None);
    ev["headers"]["authorization"] = json!(format!("Bearer {token}"));
    ev["headers"]["x-account-id"] = json!(s.account);
    assert_error(&s.call(ev).await, 401, "unauthenticated");
}
