//! Each event's id and detail: stable across replays, unique in a life, the public object and nothing
//! secret.
use super::*;

#[test]
fn sent_carries_the_count_and_each_email_its_own_id() {
    let first = invitation(Status::Pending, 1);
    let second = resent(&first, at(120), Token::generate().hash());
    let third = resent(&second, at(240), Token::generate().hash());
    let a = events(&modify(&first, &second));
    let b = events(&modify(&second, &third));
    let count = |e: &Event| serde_json::from_str::<Value>(&e.detail).unwrap()["send_count"].as_u64();
    assert_eq!((count(&a[0]), count(&b[0])), (Some(2), Some(3)));
    assert_ne!(a[0].event_id, b[0].event_id);
    assert_eq!(a[0].time, Some(at(120)));
}

#[test]
fn a_replayed_write_gives_the_same_ids_and_every_event_of_a_life_its_own() {
    let policy = Policy::default();
    let created = invitation(Status::Processing, 0);
    let pending = after(&created, &rules::sent(&created, at(5), &policy));
    let resent = resent(&pending, at(120), Token::generate().hash());
    let cancelled = after(&resent, &rules::cancel(at(200)));
    let m = member();
    let changes = [
        Change { old: None, new: Some(Stored::Invitation(created.clone())) },
        modify(&created, &pending),
        modify(&pending, &resent),
        modify(&resent, &cancelled),
        Change { old: None, new: Some(Stored::Member(m.clone())) },
        Change { old: Some(Stored::Member(m.clone())), new: None },
    ];
    let ids: Vec<String> = changes.iter().flat_map(events).map(|e| e.event_id).collect();
    let replayed: Vec<String> = changes.iter().flat_map(events).map(|e| e.event_id).collect();
    assert_eq!(ids, replayed);
    assert_eq!(ids.len(), 6);
    assert_eq!(ids.iter().collect::<std::collections::BTreeSet<_>>().len(), 6, "{ids:?}");
    assert!(ids.iter().all(|id| id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit())));
    // Another invitation's identical history has other ids.
    let other = Invitation { id: InvitationId::new(), ..created };
    let other_id = &events(&Change { old: None, new: Some(Stored::Invitation(other)) })[0].event_id;
    assert!(!ids.contains(other_id));
}

#[test]
fn the_detail_is_the_public_object_with_previous_status_and_event_id() {
    let policy = Policy::default();
    let created = invitation(Status::Processing, 0);
    let pending = after(&created, &rules::sent(&created, at(5), &policy));
    let event = &events(&modify(&created, &pending))[0];
    let detail: Value = serde_json::from_str(&event.detail).unwrap();
    let mut expected = serde_json::to_value(InvitationView::from(&pending)).unwrap();
    expected["previous_status"] = json!("processing");
    expected["event_id"] = json!(event.event_id);
    assert_eq!(detail, expected);
    assert_eq!(detail["status"], "pending");
    assert_eq!(event.subject, format!("invitation/acme/{}", pending.id));
    let envelope = event.envelope();
    assert_eq!(
        (envelope["source"].as_str(), envelope["detail-type"].as_str()),
        (Some("invitations"), Some("invitation.sent"))
    );
    assert_eq!(envelope["time"], json!(at(5).to_rfc3339()));

    let m = member();
    let added = &events(&Change { old: None, new: Some(Stored::Member(m.clone())) })[0];
    let detail: Value = serde_json::from_str(&added.detail).unwrap();
    let mut expected = serde_json::to_value(MemberView::from(&m)).unwrap();
    expected["previous_status"] = Value::Null;
    expected["event_id"] = json!(added.event_id);
    assert_eq!(detail, expected);
}

#[test]
fn no_token_hash_inviter_address_due_time_or_key_reaches_a_detail() {
    let token = Token::generate();
    let claimant = Claimant { user_id: UserId::parse("user-7").unwrap(), email: ClaimedEmail::Missing };
    // Invited by user id: its address must show masked, as the API shows it.
    let old = Invitation {
        token_hash: token.hash(),
        user_id: Some(claimant.user_id.clone()),
        email: Email::parse("hidden.person@secret.example").unwrap(),
        ..invitation(Status::Pending, 1)
    };
    let new = after(&old, &rules::accept(at(90), token.hash(), &claimant, &old.access));
    let resent = resent(&old, at(120), TokenHash::from_stored("second-token-hash-secret".into()));
    let member = Member { by_user_id: true, email: old.email.clone(), ..member() };
    let all: Vec<Event> = [
        Change { old: None, new: Some(Stored::Invitation(old.clone())) },
        modify(&old, &new),
        modify(&old, &resent),
        Change { old: None, new: Some(Stored::Member(member.clone())) },
        Change { old: Some(Stored::Member(member)), new: None },
    ]
    .iter()
    .flat_map(events)
    .collect();
    // Stored already sent, the invitation's arrival is its creation and its first email.
    assert_eq!(all.len(), 6);
    let secrets = [
        token.expose(),
        old.token_hash.as_str(),
        "second-token-hash-secret",
        "first-token-hash-secret",
        "boss@inviter.example",
        "hidden.person@secret.example",
        "token",
        "due_at",
        "handed_on",
        "failed_attempts",
        "accepted_by",
        "inviter_email",
        "ACCOUNT#",
        "INV#",
        "MEMBER#",
        "\"pk\"",
        "\"sk\"",
        "accept?",
    ];
    for e in &all {
        for s in secrets {
            assert!(!e.detail.contains(s), "{} holds {s}: {}", e.event_type.as_str(), e.detail);
        }
        let detail: Value = serde_json::from_str(&e.detail).unwrap();
        assert_eq!(detail["email"], "h***@secret.example", "{}", e.detail);
    }
}
