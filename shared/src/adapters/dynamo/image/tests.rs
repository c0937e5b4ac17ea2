//! Images as DynamoDB's stream carries them, with every attribute the store writes: which make events,
//! which make none, which cannot be read, and that nothing but the public object reaches a detail.
use super::*;
use crate::adapters::dynamo::item::to_item;
use crate::adapters::dynamo::members::member_item;
use crate::domain::{Invitation, Member, Status, Timestamp, Token, UserId};
use crate::events::{events, Change, EventType};
use crate::ports::store::DueShards;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn invitation(status: Status) -> Invitation {
    let now = Timestamp::from_millis(1_800_000_000_000);
    Invitation { status, due_at: Some(now), ..crate::domain::invitation::sample(now) }
}

/// The item as the table holds it after a conditional write: with its write mark.
fn stored_item(inv: &Invitation) -> HashMap<String, AttributeValue> {
    let mut item = to_item(inv, DueShards::DEFAULT);
    item.insert("write_id".into(), s("write-mark-0123456789"));
    item
}

#[test]
fn invitation_and_member_items_read_as_themselves() {
    let inv = invitation(Status::Processing);
    assert_eq!(stored(&stored_item(&inv)).unwrap(), Some(Stored::Invitation(inv.clone())));
    let member = Member {
        user_id: UserId::parse("user-1").unwrap(),
        account_id: inv.account_id.clone(),
        email: inv.email.clone(),
        access: inv.access.clone(),
        invited_by: "admin-1".into(),
        invitation_id: inv.id,
        joined_at: inv.created_at,
        by_user_id: false,
    };
    assert_eq!(stored(&member_item(&member)).unwrap(), Some(Stored::Member(member)));
}

#[test]
fn other_items_make_no_event() {
    let link = "https://app.example.com/accept?account=acme&invitation=x&token=SECRET-TOKEN";
    let items: Vec<HashMap<String, AttributeValue>> = vec![
        // The (account, email) slot.
        HashMap::from([
            ("pk".into(), s("ACCOUNT#acme")),
            ("sk".into(), s("OPEN#ada@example.com")),
            ("invitation_id".into(), s("x")),
        ]),
        // An idempotency record with a kept answer, and one of its further parts.
        HashMap::from([
            ("pk".into(), s("IDEMP#acme")),
            ("sk".into(), s("KEY#k1")),
            ("saved_body".into(), s(link)),
            ("claim_id".into(), s("claim-mark")),
            ("ttl".into(), AttributeValue::N("1800000000".into())),
        ]),
        HashMap::from([
            ("pk".into(), s("IDEMP#acme")),
            ("sk".into(), s("PART#1#k1")),
            ("saved_z".into(), AttributeValue::B(aws_smithy_types::Blob::new(vec![1, 2, 3]))),
        ]),
        // A user's directory entry.
        HashMap::from([
            ("pk".into(), s("USER#user-1")),
            ("sk".into(), s("DIRECTORY")),
            ("email".into(), s("ada@example.com")),
        ]),
        // The send schedule every paced email reserves its slot on.
        HashMap::from([
            ("pk".into(), s("PACE")),
            ("sk".into(), s("SES")),
            ("next_slot".into(), AttributeValue::N("1795000000000".into())),
        ]),
        // An account's seats before its owner set anything: no settings to announce.
        HashMap::from([
            ("pk".into(), s("ACCOUNT#acme")),
            ("sk".into(), s("SETTINGS")),
            ("used".into(), AttributeValue::N("3".into())),
            ("pending".into(), AttributeValue::N("1".into())),
        ]),
        // An item under an account's key of a kind this release does not know.
        HashMap::from([
            ("pk".into(), s("ACCOUNT#acme")),
            ("sk".into(), s("LEASE#x")),
            ("token".into(), s("SECRET-TOKEN")),
        ]),
    ];
    for item in &items {
        assert_eq!(stored(item).unwrap(), None, "{item:?}");
    }
}

#[test]
fn an_invitation_item_that_does_not_parse_is_an_error() {
    let mut item = stored_item(&invitation(Status::Pending));
    item.insert("status".into(), s("archived"));
    assert!(stored(&item).is_err());
    item.remove("status");
    assert!(stored(&item).is_err());
    let (pk, sk) = key_of(&item);
    assert_eq!(pk, "ACCOUNT#acme");
    assert!(sk.starts_with("INV#"));
}

#[test]
fn nothing_of_the_item_but_its_public_object_reaches_an_event() {
    let old = invitation(Status::Pending);
    let mut new = Invitation { status: Status::Cancelled, due_at: None, ..old.clone() };
    new.token_hash = Token::generate().hash();
    let (old_item, new_item) = (stored_item(&old), stored_item(&new));
    let change = Change { old: stored(&old_item).unwrap(), new: stored(&new_item).unwrap() };
    let made = events(&change);
    assert_eq!(made.iter().map(|e| e.event_type).collect::<Vec<_>>(), [EventType::InvitationCancelled]);
    let hidden = [
        "pk",
        "sk",
        "email_key",
        "due_pk",
        "users_pk",
        "users_sk",
        "token_hash",
        "write_id",
        "inviter_email",
        "due_at",
    ];
    for item in [&old_item, &new_item] {
        for attribute in hidden {
            let Some(value) =
                item.get(attribute).and_then(|v| v.as_s().ok().cloned().or_else(|| v.as_n().ok().cloned()))
            else {
                continue;
            };
            // Time values are shown as RFC 3339, never as the stored millis; strings not at all.
            assert!(!made[0].detail.contains(&value), "{attribute} ({value}) in {}", made[0].detail);
            assert!(!made[0].detail.contains(&format!("\"{attribute}\"")), "{attribute} in {}", made[0].detail);
        }
    }
}

/// A settings item as a write leaves it reads as the account's settings, and one that does not parse is
/// an error, never read as defaults.
#[test]
fn a_settings_item_reads_as_the_accounts_settings() {
    let item = HashMap::from([
        ("pk".into(), s("ACCOUNT#acme")),
        ("sk".into(), s("SETTINGS")),
        ("account_id".into(), s("acme")),
        ("settings".into(), s(r#"{"seat_limit":5,"allowed_domains":["example.com"],"invitation_ttl_days":null}"#)),
        ("version".into(), AttributeValue::N("3".into())),
        ("updated_at".into(), AttributeValue::N("1800000000000".into())),
        ("updated_by".into(), s("owner-1")),
        ("write_id".into(), s("write-mark")),
    ]);
    let Some(Stored::Settings(read)) = stored(&item).unwrap() else { panic!("not settings") };
    assert_eq!((read.account_id.as_str(), read.version, read.settings.seat_limit), ("acme", 3, Some(5)));
    assert_eq!(read.updated_at, Some(Timestamp::from_millis(1_800_000_000_000)));
    for (field, bad) in [("settings", s(r#"{"seat_limit":"x"}"#)), ("version", s("3")), ("account_id", s("a#b"))] {
        let mut broken = item.clone();
        broken.insert(field.into(), bad);
        assert!(stored(&broken).is_err(), "{field}");
    }
}
