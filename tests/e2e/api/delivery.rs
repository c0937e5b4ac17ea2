//! What the API shows and refuses once SES reported on an email: the report on the invitation and its
//! Users row, the list filtered on it, a resend refused (409 `undeliverable`), a new invite of the
//! address answered `undeliverable` unless forced. Every answer is checked against `openapi.yaml`.
use super::assert_error;
use e2e::{access_infra, App};
use invitations::domain::{Delivery, DeliveryStatus, InvitationId};
use serde_json::json;
use std::time::Duration;

async fn report(s: &App, id: &str, status: DeliveryStatus, undeliverable: bool) {
    let delivery = Delivery {
        status,
        at: s.backend.deps.clock.now(),
        detail: undeliverable.then(|| "permanent: general".to_owned()),
        send: 1,
        undeliverable,
    };
    let id = InvitationId::parse(id).unwrap();
    let recorded = invitations::service::delivery::record(&s.backend.deps, &s.account_id(), id, delivery).await;
    assert_eq!(recorded.unwrap().recorded, invitations::service::delivery::Recorded::Recorded);
}

#[tokio::test]
async fn an_undeliverable_address_shows_filters_and_refuses_sends_until_forced() {
    let s = App::new().await;
    let gone = s.invite_one("gone@x.io").await["id"].as_str().unwrap().to_owned();
    let fine = s.invite_one("fine@x.io").await["id"].as_str().unwrap().to_owned();
    report(&s, &gone, DeliveryStatus::Bounced, true).await;
    report(&s, &fine, DeliveryStatus::Delivered, false).await;

    let bounced = s.list(&[("delivery", "bounced,complained")]).await;
    assert_eq!(bounced.status, 200, "{}", bounced.body);
    let rows = bounced.body["invitations"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", bounced.body);
    assert_eq!(rows[0]["id"], gone.as_str());
    assert_eq!(rows[0]["delivery"]["status"], "bounced");
    assert_eq!(rows[0]["delivery"]["detail"], "permanent: general");
    assert_error(&s.list(&[("delivery", "lost")]).await, 400, "invalid_request");
    let users = s.users(&[]).await;
    let row = users.body["users"].as_array().unwrap().iter().find(|u| u["email"] == "gone@x.io").unwrap().clone();
    assert_eq!(row["delivery"]["status"], "bounced", "{}", users.body);

    s.backend.clock.advance(Duration::from_secs(120));
    assert_error(&s.resend(&gone).await, 409, "undeliverable");
    assert_eq!(s.resend(&fine).await.status, 200, "a delivered address is resent as usual");

    assert_eq!(s.cancel(&gone).await.status, 200);
    let again = s.invite(json!({"invitees": "gone@x.io", "access": access_infra()})).await;
    assert_eq!(again.status, 207, "{}", again.body);
    assert_eq!(again.body["results"][0]["outcome"], "undeliverable");
    let forced = s.invite(json!({"invitees": "gone@x.io", "access": access_infra(), "force": true})).await;
    assert_eq!((forced.status, &forced.body["results"][0]["outcome"]), (201, &json!("invited")), "{}", forced.body);
    let sent: Vec<Vec<String>> = s.backend.ses.sent().await.into_iter().map(|m| m.to).collect();
    assert_eq!(sent.iter().filter(|to| to[0] == "gone@x.io").count(), 2, "the first email and the forced one");
}

#[tokio::test]
async fn a_paused_account_refuses_invites_and_resends_until_its_owner_resumes() {
    let s = App::new().await;
    let addresses: Vec<String> = (0..20).map(|i| format!("p{i}@x.io")).collect();
    let invited = s.invite(json!({"invitees": addresses.join(","), "access": access_infra()})).await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    let ids: Vec<String> = invited.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["invitation"]["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &ids {
        report(&s, id, DeliveryStatus::Sent, false).await;
    }
    let sending = |roles: &'static str| {
        let path = format!("/accounts/{}/sending", s.account);
        s.call(e2e::event_json("GET", &path, &[], Some(e2e::claims(&s.account, roles)), None))
    };
    let before = sending("org_manager").await;
    assert_eq!(
        (before.status, &before.body["paused"], &before.body["recent"]["emails"]),
        (200, &json!(false), &json!(20))
    );
    report(&s, &ids[0], DeliveryStatus::Bounced, true).await;

    let paused = sending("infra_add_users").await;
    assert_eq!(paused.body["paused"], true, "{}", paused.body);
    assert_eq!(paused.body["pause"]["rate"], "5%");
    assert_eq!(paused.body["limits"], json!({"bounces": "5%", "complaints": "0.1%", "window_hours": 24}));
    assert_error(&s.invite(json!({"invitees": "new@x.io", "access": access_infra()})).await, 429, "sending_paused");
    s.backend.clock.advance(Duration::from_secs(120));
    assert_error(&s.resend(&ids[1]).await, 429, "sending_paused");
    let users = s.users(&[("delivery", "bounced")]).await;
    let rows: Vec<&str> =
        users.body["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(rows, ["p0@x.io"], "the Users list finds the address that bounced");

    let resume = |roles: &'static str| {
        let path = format!("/accounts/{}/sending/resume", s.account);
        s.call(e2e::event_json("POST", &path, &[], Some(e2e::claims(&s.account, roles)), None))
    };
    assert_error(&resume("org_manager").await, 403, "forbidden");
    let resumed = resume("owner").await;
    assert_eq!((resumed.status, &resumed.body["lifted"]["cause"]), (200, &json!("bounces")), "{}", resumed.body);
    assert_eq!(resume("owner").await.body, json!({"paused": false, "lifted": null}));
    assert_eq!(sending("owner").await.body["recent"]["emails"], 0, "the record starts afresh");
    assert_eq!(s.invite_one("new@x.io").await["status"], "pending");
}
