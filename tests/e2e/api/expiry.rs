//! How long invitations live: the account's `invitation_ttl_days`, or a request's own
//! `expires_in_days` within it; the sweep expires each by its own `expires_at`.
use super::assert_error;
use e2e::{access_infra, App};
use invitations::domain::InvitationId;
use serde_json::json;
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

async fn invite(s: &App, email: &str, days: Option<u32>) -> InvitationId {
    let a = s.invite(json!({"invitees": email, "access": access_infra(), "expires_in_days": days})).await;
    assert_eq!(a.status, 201, "{}", a.body);
    InvitationId::parse(a.body["results"][0]["invitation"]["id"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn each_invitation_expires_by_its_own_lifetime_through_the_sweep() {
    let s = App::new().await;
    // The deployment's lifetime (30 days) until the owner sets one.
    let default = invite(&s, "d@x.io", None).await;
    let stored = s.stored(default).await;
    assert_eq!(stored.expires_at, stored.created_at.plus(30 * DAY));
    assert_error(
        &s.invite(json!({"invitees": "e@x.io", "access": access_infra(), "expires_in_days": 31})).await,
        400,
        "invalid_request",
    );

    let set = s.put_settings("owner", r#"{"invitation_ttl_days": 3}"#, None).await;
    assert_eq!(set.status, 200, "{}", set.body);
    let long = invite(&s, "long@x.io", None).await;
    let short = invite(&s, "short@x.io", Some(1)).await;
    let (long_inv, short_inv) = (s.stored(long).await, s.stored(short).await);
    assert_eq!(long_inv.expires_at, long_inv.created_at.plus(3 * DAY));
    assert_eq!(short_inv.expires_at, short_inv.created_at.plus(DAY));
    for days in [json!(4), json!(0), json!(366), json!("2"), json!(1.5)] {
        let a = s.invite(json!({"invitees": "no@x.io", "access": access_infra(), "expires_in_days": days})).await;
        assert_error(&a, 400, "invalid_request");
        assert!(a.body["error"]["message"].as_str().unwrap().starts_with("expires_in_days"), "{}", a.body);
    }
    assert_eq!(s.list(&[("email", "no@x.io")]).await.body["invitations"], json!([]), "nothing was made");

    // A day and a second on: only the one-day invitation is past its expiry.
    s.backend.clock.advance(DAY + Duration::from_secs(1));
    assert_eq!(s.sweep().await.expired, 1);
    assert_eq!(s.stored(short).await.status.as_str(), "expired");
    assert_eq!(s.stored(long).await.status.as_str(), "pending");
    // Three days on: the account's lifetime is over too; the one made before the setting lives on.
    s.backend.clock.advance(2 * DAY);
    assert_eq!(s.sweep().await.expired, 1);
    assert_eq!(s.stored(long).await.status.as_str(), "expired");
    assert_eq!(s.stored(default).await.status.as_str(), "pending");
}
