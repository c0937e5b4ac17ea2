//! Values many tests need, written once: the caller's claims, an access grant, and an invitation as a
//! store holds it.
use invitations::domain::{Access, AccountId, Caller, Email, Invitation, InvitationId, Status, Timestamp, Token};
use invitations::service::{authorize, Authorized};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

/// Claims as API Gateway's JWT authorizer passes them (every value a string), the address verified.
pub fn claims(account: &str, roles: &str) -> Value {
    json!({"sub": "user-1", "email": "admin@example.com", "email_verified": "true", "account_id": account, "roles": roles})
}

/// An invitee's claims as an identity provider gives them: the `sub` and an address it verified; no
/// account, no roles.
pub fn invitee(sub: &str, email: &str) -> Value {
    json!({"sub": sub, "email": email, "email_verified": "true"})
}

/// The owner of `account`, authorized as a handler would authorize them, for calling the use cases.
pub fn owner_of(account: &AccountId) -> Authorized {
    let claims: HashMap<String, String> = claims(account.as_str(), "owner")
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    authorize(Caller::from_claims(&claims).unwrap(), Some(account)).unwrap()
}

/// An access grant every inviter role but `org_manager` alone may give.
pub fn access_infra() -> Value {
    json!({"infrastructure": {"permissions": "basic_user"}})
}

/// A new invitation as the invite use case stores it before its first send: `processing`, never sent,
/// expiring in a day. Tests set the fields their case is about with `Invitation { .., ..invitation() }`.
pub fn invitation(account: &AccountId, email: &str) -> Invitation {
    let now = Timestamp::now();
    Invitation {
        id: InvitationId::new(),
        account_id: account.clone(),
        email: Email::parse(email).unwrap(),
        status: Status::Processing,
        access: Access::parse(access_infra()).unwrap(),
        invited_by: "user-1".into(),
        inviter_email: Some(Email::parse("admin@example.com").unwrap()),
        created_at: now,
        updated_at: now,
        last_sent_at: None,
        send_count: 0,
        failed_attempts: 0,
        expires_at: now.plus(Duration::from_secs(86_400)),
        token_hash: Token::generate().hash(),
        due_at: None,
        user_id: None,
        accepted_by: None,
        handed_on: None,
        delivery: None,
    }
}

/// The same, `pending` after one send at `sent_at`, due again at `due`.
pub fn sent_invitation(account: &AccountId, email: &str, sent_at: Timestamp, due: Timestamp) -> Invitation {
    Invitation {
        status: Status::Pending,
        created_at: sent_at,
        updated_at: sent_at,
        last_sent_at: Some(sent_at),
        send_count: 1,
        due_at: Some(due),
        ..invitation(account, email)
    }
}

/// The sample of SES's `name` report (`events/ses/`), moved in time to this test run: the reputation guard
/// counts only the reports of its window, so a sample keeping the day it was written would stop
/// counting a day later. Every sample moves by the same amount, fixed for the run (its latest time, 10:30
/// on the day they were written, becomes the run's start), so the samples keep their order, and one
/// read twice is the same report twice, as SES repeats one.
pub fn ses_report(name: &str) -> Value {
    static SHIFT_MS: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let shift = *SHIFT_MS.get_or_init(|| {
        let latest: Timestamp = serde_json::from_value(Value::from("2026-12-06T10:30:00Z")).unwrap();
        Timestamp::now().millis() - latest.millis()
    });
    fn stamp(v: &mut Value, shift: i64) {
        match v {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if matches!(key.as_str(), "time" | "timestamp") && value.is_string() {
                        let at: Timestamp = serde_json::from_value(value.clone()).unwrap();
                        *value = Value::String(Timestamp::from_millis(at.millis() + shift).to_rfc3339());
                    } else {
                        stamp(value, shift);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| stamp(item, shift)),
            _ => {}
        }
    }
    let path = crate::template::repo(&format!("events/ses/{name}.json"));
    let mut report: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    stamp(&mut report, shift);
    report
}
