//! Seats through the handlers on DynamoDB Local: a new invitation takes one of the account's seats in
//! the write that stores it, however many requests race for the last one; cancel and removal give it
//! back; an accept keeps it for the member; every inviter may read the count.
use e2e::{access_infra, event_json, App};
use futures::future::join_all;
use serde_json::{json, Value};

async fn seats(s: &App, roles: &str) -> e2e::Answer {
    let path = format!("/accounts/{}/seats", s.account);
    s.call(event_json("GET", &path, &[], Some(e2e::claims(&s.account, roles)), None)).await
}

async fn count(s: &App) -> Value {
    let a = seats(s, "owner").await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

#[tokio::test]
async fn twenty_invites_at_once_into_the_last_seat_give_one_invitation_and_the_seat_moves_with_each_change() {
    let s = App::new().await;
    assert_eq!(count(&s).await, json!({"limit": null, "active": 0, "pending": 0}));
    let set = s.put_settings("owner", &json!({"seat_limit": 3}).to_string(), None).await;
    assert_eq!(set.status, 200, "{}", set.body);
    let first = s.invite_one("first@x.io").await;
    s.invite_one("second@x.io").await;

    let answers =
        join_all((0..20).map(|i| s.invite(json!({"invitees": format!("racer{i}@x.io"), "access": access_infra()}))))
            .await;
    let outcomes: Vec<(u16, &str)> =
        answers.iter().map(|a| (a.status, a.body["results"][0]["outcome"].as_str().unwrap_or("?"))).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == (201, "invited")).count(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| **o == (207, "seat_limit_reached")).count(), 19, "{outcomes:?}");
    let refused = answers.iter().find(|a| a.status == 207).unwrap();
    assert!(refused.body["results"][0]["invitation"].is_null(), "{}", refused.body);
    assert!(refused.body["results"][0]["error"].as_str().unwrap().contains("seat"), "{}", refused.body);
    assert_eq!(count(&s).await, json!({"limit": 3, "active": 0, "pending": 3}));
    assert_eq!(s.list(&[]).await.body["invitations"].as_array().unwrap().len(), 3, "nothing made for the refused");

    // An inviter who is not the owner reads the seats too.
    let by_admin = seats(&s, "org_manager").await;
    assert_eq!((by_admin.status, &by_admin.body["pending"]), (200, &json!(3)), "{}", by_admin.body);

    // At the limit, second@x.io accepts with the seat its invitation holds.
    let mail = s.backend.ses.sent().await.into_iter().rev().find(|m| m.to == ["second@x.io"]).expect("the email");
    let (id, token) = mail.link();
    let path = format!("/accounts/{}/invitations/{id}/accept", s.account);
    let body = json!({"token": token}).to_string();
    let accepted =
        s.call(event_json("POST", &path, &[], Some(e2e::invitee("second-sub", "second@x.io")), Some(&body))).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(count(&s).await, json!({"limit": 3, "active": 1, "pending": 2}));

    // A cancel frees a seat, which the next invitee takes; a removal frees the member's.
    let cancelled = s.cancel(first["id"].as_str().unwrap()).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(count(&s).await, json!({"limit": 3, "active": 1, "pending": 1}));
    s.invite_one("fourth@x.io").await;
    let full = s.invite(json!({"invitees": "fifth@x.io", "access": access_infra()})).await;
    assert_eq!(full.body["results"][0]["outcome"], "seat_limit_reached", "{}", full.body);
    assert_eq!(s.remove_user("second-sub", "owner").await.status, 200);
    assert_eq!(count(&s).await, json!({"limit": 3, "active": 0, "pending": 2}));
    s.invite_one("fifth@x.io").await;
}
