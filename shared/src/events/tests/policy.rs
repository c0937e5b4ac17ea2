//! The events of an account's policy and of what an inviter changes on an open invitation: a settings
//! write, an access update, a new link.
use super::*;

/// Each write of an account's settings is one `settings.updated`, named by its version, that shows the
/// settings as the API does; the same item again (a record read twice) makes the same id.
#[test]
fn each_settings_write_is_one_settings_updated() {
    use crate::domain::{AccountSettings, Settings};
    let account = AccountId::parse("acme").unwrap();
    let first = AccountSettings {
        settings: Settings::parse(&json!({"seat_limit": 5, "allowed_domains": ["example.com"]})).unwrap(),
        version: 1,
        updated_at: Some(at(5)),
        updated_by: Some("owner-1".into()),
        ..AccountSettings::defaults(&account)
    };
    let second = AccountSettings { version: 2, updated_at: Some(at(9)), ..first.clone() };
    let created = Change { old: None, new: Some(Stored::Settings(first.clone())) };
    let updated = Change { old: Some(Stored::Settings(first.clone())), new: Some(Stored::Settings(second.clone())) };
    let same = Change { old: Some(Stored::Settings(second.clone())), new: Some(Stored::Settings(second.clone())) };
    let made: Vec<Vec<Event>> = [&created, &updated, &same].map(events).into();
    assert_eq!(made.iter().map(Vec::len).collect::<Vec<_>>(), [1, 1, 0]);
    let event = &made[1][0];
    assert_eq!(event.event_type.as_str(), "settings.updated");
    assert_eq!(event.subject, "settings/acme");
    assert_eq!(event.time, Some(at(9)));
    let detail: Value = serde_json::from_str(&event.detail).unwrap();
    assert_eq!(
        detail,
        json!({
            "account_id": "acme", "seat_limit": 5, "allowed_domains": ["example.com"], "invitation_ttl_days": null,
            "version": 2, "updated_at": at(9).to_rfc3339(), "updated_by": "owner-1",
            "previous_version": 1, "event_id": event.event_id,
        })
    );
    assert_ne!(made[0][0].event_id, event.event_id);
    assert_eq!(events(&updated)[0].event_id, event.event_id, "the same write, the same id");
}

/// An inviter's new access is one `invitation.updated`, with the token kept; an accept that read the
/// access before no longer matches the invitation, so its member can never hold the replaced access.
#[test]
fn an_access_update_is_one_invitation_updated_and_stops_an_accept_that_read_before() {
    let old = invitation(Status::Pending, 1);
    let access = Access::parse(json!({"cloud_foundry": {"org": "acme", "org_roles": ["Auditor"]}})).unwrap();
    let new = after(&old, &rules::update_access(&old, access.clone(), at(50)));
    assert_eq!((new.access.clone(), new.token_hash.clone(), new.status), (access, old.token_hash.clone(), old.status));
    assert_eq!(kinds(&modify(&old, &new)), [(InvitationUpdated, Some("pending".to_owned()))]);
    let claimant =
        Claimant { user_id: UserId::parse("user-1").unwrap(), email: ClaimedEmail::Verified(old.email.clone()) };
    let stale = rules::accept(at(60), old.token_hash.clone(), &claimant, &old.access);
    assert!(stale.expect.matches(&old) && !stale.expect.matches(&new));
    assert!(rules::accept(at(60), new.token_hash.clone(), &claimant, &new.access).expect.matches(&new));
    // Only as read: an update of a closed or moved invitation matches nothing.
    let cancelled = after(&old, &rules::cancel(at(55)));
    assert!(!rules::update_access(&old, new.access.clone(), at(60)).expect.matches(&cancelled));
}

/// A new link is a new token and nothing else: no event, and the detail of a later one shows no token.
#[test]
fn a_new_link_makes_no_event() {
    let old = invitation(Status::Pending, 1);
    let new = after(&old, &rules::relink(&old, TokenHash::from_stored("relinked-token-hash".into()), at(50)));
    assert_ne!(new.token_hash, old.token_hash);
    assert_eq!((new.status, new.send_count, new.due_at), (old.status, old.send_count, old.due_at));
    assert!(events(&modify(&old, &new)).is_empty());
    let cancelled = after(&new, &rules::cancel(at(60)));
    assert!(events(&modify(&new, &cancelled)).iter().all(|e| !e.detail.contains("relinked-token-hash")));
    // Only as read: a link of an invitation another write moved matches nothing.
    assert!(!rules::relink(&old, TokenHash::from_stored("other".into()), at(70)).expect.matches(&cancelled));
}
