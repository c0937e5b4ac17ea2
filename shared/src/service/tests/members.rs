//! The Users list, member removal and inviting by user id, on the in-memory store.
use super::*;
use crate::domain::{Claimant, ClaimedEmail, Status, UserId, UserStatus};
use crate::ports::store::UserRow;
use crate::service::accept::accept;
use crate::service::cancel::cancel;
use crate::service::users::{remove, users, RemoveError, UsersError, UsersParams};

impl World {
    /// Invites `address` and has `sub` accept it.
    async fn member(&self, auth: &Authorized, address: &str, sub: &str) -> Invitation {
        let inv = self.invited(auth, address).await;
        let who = Claimant { user_id: UserId::parse(sub).unwrap(), email: ClaimedEmail::Verified(email(address)) };
        accept(&self.deps, &who, auth.account(), inv.id, &self.newest_token(address)).await.unwrap();
        inv
    }

    /// Every row of the Users list, `limit` a page, following cursors.
    async fn all_users(&self, auth: &Authorized, statuses: Option<Vec<UserStatus>>, limit: u32) -> Vec<String> {
        let (mut seen, mut cursor) = (Vec::new(), None);
        loop {
            let params = UsersParams { statuses: statuses.clone(), limit, cursor: cursor.take(), ..Default::default() };
            let page = users(&self.deps, auth, params).await.unwrap();
            assert!(page.rows.len() <= limit as usize);
            seen.extend(page.rows.iter().map(|r| match r {
                UserRow::Member(m) => format!("{} active", m.email.as_str()),
                UserRow::Invited(i) => format!("{} {}", i.email.as_str(), i.status),
            }));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return seen,
            }
        }
    }
}

#[tokio::test]
async fn the_users_list_shows_members_and_open_invitations_once_each() {
    let w = world();
    let auth = owner_of("acme");
    w.member(&auth, "ada@example.com", "ada").await;
    w.invited(&auth, "bo@example.com").await;
    let gone = w.invited(&auth, "cy@example.com").await;
    cancel(&w.deps, &auth, gone.id).await.unwrap();
    w.mailer.refuse(Some(crate::adapters::recording::Refusal::Unavailable));
    w.invited(&auth, "dee@example.com").await;
    w.mailer.refuse(None);
    w.member(&owner_of("globex"), "eve@example.com", "eve").await;
    let everyone = ["ada@example.com active", "bo@example.com pending", "dee@example.com processing"];
    for limit in [1, 2, 50] {
        assert_eq!(w.all_users(&auth, None, limit).await, everyone, "limit {limit}");
    }
    let open = w.all_users(&auth, Some(vec![UserStatus::Pending, UserStatus::Processing]), 1).await;
    assert_eq!(open, everyone[1..]);
    let first = users(&w.deps, &auth, UsersParams { limit: 1, ..Default::default() }).await.unwrap();
    let other_filter = UsersParams {
        limit: 1,
        statuses: Some(vec![UserStatus::Active]),
        cursor: first.next_cursor.clone(),
        ..Default::default()
    };
    assert!(matches!(users(&w.deps, &auth, other_filter).await, Err(UsersError::InvalidCursor(_))));
    let a_search = UsersParams {
        limit: 1,
        email_prefix: Some(crate::domain::EmailPrefix::parse("a").unwrap()),
        cursor: first.next_cursor.clone(),
        ..Default::default()
    };
    assert!(matches!(users(&w.deps, &auth, a_search).await, Err(UsersError::InvalidCursor(_))), "another search");
    let searched = UsersParams {
        limit: 1,
        email_prefix: Some(crate::domain::EmailPrefix::parse("d").unwrap()),
        ..Default::default()
    };
    let searched = users(&w.deps, &auth, searched).await.unwrap();
    assert_eq!(searched.rows.len(), 1);
    assert!(searched.next_cursor.is_none(), "dee alone begins with d");
    let elsewhere = UsersParams { limit: 1, cursor: first.next_cursor, ..Default::default() };
    assert!(matches!(users(&w.deps, &owner_of("globex"), elsewhere).await, Err(UsersError::InvalidCursor(_))));
}

#[tokio::test]
async fn a_removed_member_leaves_and_the_address_may_be_invited_again() {
    let w = world();
    let auth = owner_of("acme");
    let joined = w.member(&auth, "ada@example.com", "ada").await;
    let ada = UserId::parse("ada").unwrap();
    assert!(matches!(remove(&w.deps, &auth, &UserId::parse("nobody").unwrap()).await, Err(RemoveError::NotFound)));
    let me = UserId::parse("admin-1").unwrap();
    assert!(matches!(remove(&w.deps, &auth, &me).await, Err(RemoveError::Yourself)));
    let org_manager = authorize(caller("acme", "org_manager"), AccountId::parse("acme").as_ref()).unwrap();
    let refused = remove(&w.deps, &org_manager, &ada).await;
    assert!(matches!(refused, Err(RemoveError::Forbidden(crate::domain::AccessOption::Infrastructure))), "{refused:?}");
    let removed = remove(&w.deps, &auth, &ada).await.unwrap();
    assert_eq!((removed.user_id, removed.invitation_id), (ada.clone(), joined.id));
    assert!(matches!(remove(&w.deps, &auth, &ada).await, Err(RemoveError::NotFound)));
    assert!(w.all_users(&auth, None, 10).await.is_empty());
    assert_eq!(w.stored(&joined).await.status, Status::Accepted, "the invitation stays as history");
    let again = w.invited(&auth, "ada@example.com").await;
    assert_ne!(again.id, joined.id);
}

#[tokio::test]
async fn a_user_id_is_invited_at_its_directory_address_and_bound_to_that_user() {
    let w = world();
    let acme = owner_of("acme");
    let results = w.invite(&acme, json!("auth0|bo")).await;
    assert!(matches!(&results[0].1, Outcome::Invalid(m) if m == "unknown user id"), "{:?}", results[0]);
    w.member(&owner_of("globex"), "bo@example.com", "auth0|bo").await;
    let results = w.invite(&acme, json!("auth0|bo")).await;
    let Outcome::Invited(inv) = &results[0].1 else { panic!("{:?}", results[0]) };
    assert_eq!((inv.email.as_str(), inv.user_id.as_ref().map(|u| u.as_str())), ("bo@example.com", Some("auth0|bo")));
    assert!(results[0].0 == "auth0|bo");
    let mails = w.mailer.sent_to(&email("bo@example.com"));
    assert_eq!(mails.len(), 2, "the invitation went to the directory's address");
    let token = w.newest_token("bo@example.com");
    let impostor =
        Claimant { user_id: UserId::parse("not-bo").unwrap(), email: ClaimedEmail::Verified(email("bo@example.com")) };
    let err = accept(&w.deps, &impostor, acme.account(), inv.id, &token).await.unwrap_err();
    assert!(matches!(err, crate::service::accept::AcceptError::UserMismatch), "{err:?}");
    let bo = Claimant { user_id: UserId::parse("auth0|bo").unwrap(), email: ClaimedEmail::Missing };
    accept(&w.deps, &bo, acme.account(), inv.id, &token).await.unwrap();
    let results = w.invite(&acme, json!("auth0|bo")).await;
    assert!(matches!(results[0].1, Outcome::AlreadyMember(None)), "{:?}", results[0]);
}
