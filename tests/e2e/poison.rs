//! An item the code cannot read (a hand edit, or a rollback past a release that added a status) sits in
//! the account's partition, the due index and the Users index: the sweep, the list and the Users list
//! skip it, say so, and serve everything else.
use aws_sdk_dynamodb::types::AttributeValue;
use e2e::App;
use invitations::domain::InvitationId;
use invitations::ports::Clock;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

#[tokio::test]
async fn one_unreadable_item_stops_no_sweep_and_no_list() {
    let app = App::new().await;
    app.invite_one("ada@x.io").await;
    app.invite_one("bo@x.io").await;
    let id = InvitationId::new().to_string();
    let due = app.backend.clock.now().millis() - 1;
    app.backend
        .db
        .put_item()
        .table_name(&app.backend.table)
        .item("pk", s(&format!("ACCOUNT#{}", app.account)))
        .item("sk", s(&format!("INV#{id}")))
        .item("id", s(&id))
        .item("status", s("archived"))
        .item("due_pk", s("due"))
        .item("due_at", AttributeValue::N(due.to_string()))
        .item("users_pk", s(&format!("ACCOUNT#{}", app.account)))
        .item("users_sk", s(&format!("aaa@x.io#INV#{id}")))
        .send()
        .await
        .unwrap();
    app.backend.clock.advance(app.backend.deps.policy.resend_after);
    let summary = app.sweep().await;
    assert_eq!((summary.resent, summary.unreadable, summary.complete), (2, 1, true), "{summary:?}");
    assert_eq!(invitations::entry::sweep::metrics(&summary, app.backend.clock.now())["unreadable"], 1);
    let list = app.list(&[]).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["invitations"].as_array().unwrap().len(), 2);
    let users = app.users(&[]).await;
    assert_eq!(users.status, 200, "{}", users.body);
    assert_eq!(users.body["users"].as_array().unwrap().len(), 2);
}
