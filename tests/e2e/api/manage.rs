//! List, cancel and resend of existing invitations, alone and racing.
use super::{assert_error, sha256};
use e2e::{access_infra, claims, event_json, logs, mail_settings, sdk, App, Ses};
use futures::future::join_all;
use invitations::domain::InvitationId;
use invitations::startup::wiring::ses_notifier;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn list_pages_filters_and_guards_its_cursor() {
    let s = App::new().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(s.invite_one(&format!("l{i}@x.io")).await["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(s.cancel(&ids[0]).await.status, 200);
    ids.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = vec![("limit", "3")];
        if let Some(c) = &cursor {
            q.push(("cursor", c.as_str()));
        }
        let a = s.list(&q).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let page = a.body["invitations"].as_array().unwrap();
        assert!(page.len() <= 3);
        seen.extend(page.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        match a.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every invitation once, newest first");

    let pending = s.list(&[("status", "pending,processing")]).await;
    assert_eq!(pending.body["invitations"].as_array().unwrap().len(), 6);
    let cancelled = s.list(&[("status", "cancelled")]).await;
    assert_eq!(cancelled.body["invitations"][0]["id"], ids[6].as_str());
    let by_email = s.list(&[("email", "L3@X.io")]).await;
    assert_eq!(by_email.body["invitations"].as_array().unwrap().len(), 1);
    assert_eq!(by_email.body["invitations"][0]["email"], "l3@x.io");
    assert!(by_email.body["next_cursor"].is_null());

    let first = s.list(&[("limit", "2"), ("status", "pending")]).await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(s.list(&[("limit", "2"), ("status", "pending"), ("cursor", &cursor)]).await.status, 200);
    // Replayed under another filter, or forged: 400, never 500.
    assert_error(
        &s.list(&[("limit", "2"), ("status", "processing"), ("cursor", &cursor)]).await,
        400,
        "invalid_cursor",
    );
    assert_error(&s.list(&[("limit", "2"), ("cursor", &cursor)]).await, 400, "invalid_cursor");
    assert_error(&s.list(&[("cursor", "garbage!")]).await, 400, "invalid_cursor");
    assert_error(&s.list(&[("cursor", &cursor[..cursor.len() - 2])]).await, 400, "invalid_cursor");
    // Replayed in another account.
    let q = [("limit", "2"), ("status", "pending"), ("cursor", cursor.as_str())];
    let a = s
        .call(event_json("GET", "/accounts/other-acct/invitations", &q, Some(claims("other-acct", "owner")), None))
        .await;
    assert_error(&a, 400, "invalid_cursor");

    for q in [
        [("limit", "0")],
        [("limit", "101")],
        [("limit", "ten")],
        [("status", "bogus")],
        [("status", "")],
        [("email", "nope")],
        [("sort", "asc")],
    ] {
        assert_error(&s.list(&q).await, 400, "invalid_request");
    }
}

#[tokio::test]
async fn cancel_answers_200_then_409_and_404_for_strangers() {
    let s = App::new().await;
    let inv = s.invite_one("k@x.io").await;
    let id = inv["id"].as_str().unwrap();
    let a = s.cancel(id).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "cancelled");
    assert_eq!(a.body["id"], id);
    let again = s.cancel(id).await;
    assert_error(&again, 409, "invalid_state");
    assert!(again.body["error"]["message"].as_str().unwrap().contains("cancelled"));
    assert_error(&s.cancel(&InvitationId::new().to_string()).await, 404, "not_found");
    assert_error(&s.cancel("not-an-id").await, 404, "not_found");
    // Another account's caller with this id: not found, and the invitation is untouched.
    let other = s.invite_one("k2@x.io").await;
    let path = format!("/accounts/intruder/invitations/{}", other["id"].as_str().unwrap());
    assert_error(
        &s.call(event_json("DELETE", &path, &[], Some(claims("intruder", "owner")), None)).await,
        404,
        "not_found",
    );
    let list = s.list(&[("email", "k2@x.io")]).await;
    assert_eq!(list.body["invitations"][0]["status"], "pending");
}

/// One rule for cancel, resend and removal: an inviter with infrastructure rights alone may not touch
/// the owner's IAM invitation, and the refusal names the option and changes nothing.
#[tokio::test]
async fn cancel_and_resend_need_the_grant_of_everything_the_invitation_holds() {
    let s = App::new().await;
    let iam = json!({"iam": [{"service": "kms", "roles": ["Administrator"]}]});
    let a = s.invite(json!({"invitees": "root@x.io", "access": iam})).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["results"][0]["invitation"]["id"].as_str().unwrap().to_owned();
    s.backend.clock.advance(Duration::from_secs(61));
    let by = |roles: &str, method: &str, rest: String| {
        event_json(method, &s.path(&rest), &[], Some(claims(&s.account, roles)), None)
    };
    for roles in ["infra_add_users", "org_manager"] {
        for (method, rest) in [("DELETE", format!("/{id}")), ("POST", format!("/{id}/resend"))] {
            let refused = s.call(by(roles, method, rest)).await;
            assert_error(&refused, 403, "forbidden");
            assert!(refused.body["error"]["message"].as_str().unwrap().contains("iam"), "{}", refused.body);
        }
    }
    let stored = s.stored(InvitationId::parse(&id).unwrap()).await;
    assert_eq!((stored.status.as_str(), stored.send_count), ("pending", 1), "nothing changed");
    assert_eq!(s.backend.ses.sent().await.len(), 1, "no second email");
    assert_eq!(s.call(by("iam_admin infra_add_users", "POST", format!("/{id}/resend"))).await.status, 200);
    assert_eq!(s.call(by("owner", "DELETE", format!("/{id}"))).await.status, 200);
}

#[tokio::test]
async fn resend_makes_a_new_token_and_respects_the_cooldown() {
    let s = App::new().await;
    let clock = &s.backend.clock;
    let inv = s.invite_one("r@x.io").await;
    let id = inv["id"].as_str().unwrap();
    let soon = s.resend(id).await;
    assert_error(&soon, 429, "resend_too_soon");
    assert_eq!(soon.headers["retry-after"], "60");
    clock.advance(Duration::from_secs(45));
    assert_eq!(s.resend(id).await.headers["retry-after"], "15");
    clock.advance(Duration::from_secs(16));
    let a = s.resend(id).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["send_count"], 2);
    assert_eq!(a.body["status"], "pending");
    assert_ne!(a.body["last_sent_at"], inv["last_sent_at"]);

    let mail = s.backend.ses.sent().await;
    assert_eq!(mail.len(), 2);
    let (_, old_token) = mail[0].link();
    let (link_id, new_token) = mail[1].link();
    assert_eq!(link_id, id);
    assert_ne!(old_token, new_token);
    let item = s.invitation_items().await.remove(0);
    assert_eq!(item["token_hash"], sha256(&new_token), "only the newest link works");
    assert!(!logs::text().contains(&new_token));

    assert_eq!(s.cancel(id).await.status, 200);
    clock.advance(Duration::from_secs(120));
    assert_error(&s.resend(id).await, 409, "invalid_state");
    assert_error(&s.resend(&InvitationId::new().to_string()).await, 404, "not_found");
    assert_error(&s.resend("..%2F..%2Fx").await, 404, "not_found");
}

#[tokio::test]
async fn resends_stop_at_max_sends_with_409_send_limit_reached() {
    let s = App::new().await;
    let id = s.invite_one("cap@x.io").await["id"].as_str().unwrap().to_owned();
    for sends in 2..=3 {
        s.backend.clock.advance(Duration::from_secs(61));
        let a = s.resend(&id).await;
        assert_eq!((a.status, a.body["send_count"].as_u64()), (200, Some(sends)), "{}", a.body);
    }
    s.backend.clock.advance(Duration::from_secs(61));
    let capped = s.resend(&id).await;
    assert_error(&capped, 409, "send_limit_reached");
    assert!(capped.body["error"]["message"].as_str().unwrap().contains("3 emails"), "{}", capped.body);
    assert_eq!(s.backend.ses.sent().await.len(), 3, "no email past MAX_SENDS");
}

#[tokio::test]
async fn a_resend_whose_email_fails_is_503_and_goes_back_to_the_sweep() {
    let s = App::new().await;
    let inv = s.invite_one("z@x.io").await;
    let id = inv["id"].as_str().unwrap();
    // Same table, a sender SES refuses.
    let broken = ses_notifier(
        invitations::adapters::aws::ses_client(&sdk().await, false),
        mail_settings(&Ses::unverified()),
        None,
    );
    s.backend.clock.advance(Duration::from_secs(61));
    let a = s.call_on(&s.backend.deps, &broken, s.event("POST", &format!("/{id}/resend"), &[], None)).await;
    assert_error(&a, 503, "unavailable");
    let item = s.invitation_items().await.remove(0);
    assert_eq!(item["status"], "processing", "handed to the sweep, not lost");
    assert_eq!(item["send_count"], "1", "a refused email is not counted as sent");
    assert_eq!(
        a.body["error"]["message"],
        "the email could not be sent; the invitation is back in processing and the scheduled sweep will send it again"
    );
}

#[tokio::test]
async fn fifty_racing_cancels_give_one_200_and_49_409s() {
    let s = App::new().await;
    let id = s.invite_one("race@x.io").await["id"].as_str().unwrap().to_owned();
    let answers = join_all((0..50).map(|_| s.cancel(&id))).await;
    let ok = answers.iter().filter(|a| a.status == 200).count();
    let conflict = answers.iter().filter(|a| a.status == 409).count();
    assert_eq!((ok, conflict), (1, 49));
}

#[tokio::test]
async fn twenty_racing_invites_of_one_address_open_one_invitation() {
    let s = App::new().await;
    let answers = join_all((0..20).map(|_| s.invite(json!({"invitees": "same@x.io", "access": access_infra()})))).await;
    let invited = answers.iter().filter(|a| a.body["results"][0]["outcome"] == "invited").count();
    let already = answers.iter().filter(|a| a.body["results"][0]["outcome"] == "already_invited").count();
    assert_eq!((invited, already), (1, 19), "{:?}", answers.iter().map(|a| a.body.to_string()).collect::<Vec<_>>());
    assert_eq!(s.invitation_items().await.len(), 1);
    assert_eq!(s.backend.ses.sent().await.len(), 1, "one email");
}
