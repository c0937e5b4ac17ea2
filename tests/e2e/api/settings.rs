//! An account's settings through the handlers on DynamoDB Local: the owner's alone, validated field by
//! field, versioned by their `ETag`, a write over a stale version refused.
use super::assert_error;
use e2e::{event_json, App};
use serde_json::json;

#[tokio::test]
async fn the_owner_reads_and_writes_the_settings_over_the_version_read() {
    let s = App::new().await;
    let fresh = s.settings("owner").await;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    assert_eq!(fresh.headers["etag"], "\"0\"");
    assert_eq!(
        fresh.body,
        json!({"account_id": s.account, "seat_limit": null, "allowed_domains": null, "invitation_ttl_days": null,
               "version": 0, "updated_at": null, "updated_by": null})
    );

    let body = json!({"seat_limit": 10, "allowed_domains": ["Example.com", "x.io"], "invitation_ttl_days": 7});
    let first = s.put_settings("owner", &body.to_string(), Some("\"0\"")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.headers["etag"], "\"1\"");
    assert_eq!(first.body["allowed_domains"], json!(["example.com", "x.io"]));
    assert_eq!((first.body["seat_limit"].as_u64(), first.body["version"].as_u64()), (Some(10), Some(1)));
    assert_eq!(first.body["updated_by"], "user-1");
    let read = s.settings("owner").await;
    assert_eq!((read.body.clone(), read.headers["etag"].clone()), (first.body.clone(), first.headers["etag"].clone()));

    // A second editor still holding version 0 is told, and changes nothing.
    let stale = s.put_settings("owner", r#"{"seat_limit": 3}"#, Some("\"0\"")).await;
    assert_error(&stale, 412, "settings_changed");
    assert_eq!(s.settings("owner").await.body, first.body);
    // A weak or bare tag names the version too; without If-Match the last write wins.
    assert_eq!(s.put_settings("owner", r#"{"seat_limit": 3}"#, Some("W/\"1\"")).await.headers["etag"], "\"2\"");
    assert_eq!(s.put_settings("owner", "{}", Some("2")).await.body["seat_limit"], json!(null));
    let last = s.put_settings("owner", r#"{"invitation_ttl_days": 30}"#, None).await;
    assert_eq!((last.status, last.body["version"].as_u64()), (200, Some(4)));
    assert_eq!(s.put_settings("owner", "{}", Some("*")).await.body["version"], 5);
}

#[tokio::test]
async fn only_the_owner_of_the_account_may_touch_the_settings() {
    let s = App::new().await;
    for roles in ["org_manager", "infra_add_users", "iam_admin org_manager", "iam_admin"] {
        assert_error(&s.settings(roles).await, 403, "forbidden");
        assert_error(&s.put_settings(roles, r#"{"seat_limit": 1}"#, None).await, 403, "forbidden");
    }
    let other = format!("/accounts/{}/settings", s.account);
    let a = s.call(event_json("GET", &other, &[], Some(e2e::claims("someone-else", "owner")), None)).await;
    assert_error(&a, 403, "forbidden");
    assert_eq!(s.settings("owner").await.body["version"], 0, "nothing was written");
}

#[tokio::test]
async fn a_bad_body_or_tag_is_a_400_naming_the_field_and_changes_nothing() {
    let s = App::new().await;
    for (body, field) in [
        (r#"{"seat_limit": 0}"#, "seat_limit"),
        (r#"{"seat_limit": "ten"}"#, "seat_limit"),
        (r#"{"invitation_ttl_days": 366}"#, "invitation_ttl_days"),
        (r#"{"invitation_ttl_days": 0}"#, "invitation_ttl_days"),
        (r#"{"allowed_domains": []}"#, "allowed_domains"),
        (r#"{"allowed_domains": ["a.io", "A.io"]}"#, "allowed_domains"),
        (r#"{"allowed_domains": ["not a domain"]}"#, "allowed_domains"),
        (r#"{"allowed_domains": "a.io"}"#, "allowed_domains"),
        (r#"{"seats": 1}"#, "body"),
        (r#"[]"#, "body"),
    ] {
        let a = s.put_settings("owner", body, None).await;
        assert_error(&a, 400, "invalid_request");
        assert!(a.body["error"]["message"].as_str().unwrap().starts_with(field), "{body}: {}", a.body);
    }
    assert_error(&s.put_settings("owner", "not json", None).await, 400, "invalid_request");
    for tag in ["\"one\"", "\"-1\"", "\"1\", \"2\"", ""] {
        assert_error(&s.put_settings("owner", "{}", Some(tag)).await, 400, "invalid_request");
    }
    assert_eq!(s.settings("owner").await.body["version"], 0, "nothing was written");
}
