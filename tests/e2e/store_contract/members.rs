//! Accepting: one write takes the invitation to `accepted` and creates the member, or writes nothing.
use super::{account, Store};
use e2e::invitation;
use futures::future::join_all;
use invitations::domain::{
    Claimant, ClaimedEmail, Email, EmailPrefix, Invitation, InvitationId, Member, Status, Timestamp, Token, UserId,
    UserStatus,
};
use invitations::ports::store::{invitation_sort_key, CreateOutcome, JoinOutcome, UsersQuery};
use invitations::rules;

pub(super) fn claimant(sub: &str, address: &str) -> Claimant {
    Claimant { user_id: UserId::parse(sub).unwrap(), email: ClaimedEmail::Verified(Email::parse(address).unwrap()) }
}

fn member_of(inv: &Invitation, who: &Claimant) -> Member {
    Member {
        user_id: who.user_id.clone(),
        account_id: inv.account_id.clone(),
        email: inv.email.clone(),
        access: inv.access.clone(),
        invited_by: inv.invited_by.clone(),
        invitation_id: inv.id,
        joined_at: Timestamp::now(),
        by_user_id: inv.user_id.is_some(),
    }
}

pub(super) async fn join(store: &Store, inv: &Invitation, who: &Claimant) -> JoinOutcome {
    let write = rules::accept(Timestamp::now(), inv.token_hash.clone(), who, &inv.access);
    store.join(&write, &member_of(inv, who), who.email.verified()).await.unwrap()
}

async fn stored(store: &Store, inv: &Invitation) -> Invitation {
    store.get(&inv.account_id, inv.id).await.unwrap().expect("stored")
}

pub(super) async fn join_accepts_and_creates_the_member_in_one_write(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "ada@x.io");
    store.create(&inv).await.unwrap();
    assert_eq!(stored(&store, &inv).await, inv, "get reads back what was written");
    assert_eq!(store.get(&acct, InvitationId::new()).await.unwrap(), None);
    let ada = claimant("ada", "ada@x.io");
    assert_eq!(join(&store, &inv, &ada).await, JoinOutcome::Joined);
    let after = stored(&store, &inv).await;
    assert_eq!((after.status, after.due_at), (Status::Accepted, None));
    assert_eq!(after.accepted_by.as_ref(), Some(&ada.user_id));
    let member = store.member(&acct, &ada.user_id).await.unwrap().expect("the member");
    assert_eq!(member, Member { joined_at: member.joined_at, ..member_of(&inv, &ada) });
    assert!(matches!(store.create(&invitation(&acct, "ada@x.io")).await.unwrap(), CreateOutcome::AlreadyMember(_)));
    assert_eq!(join(&store, &after, &ada).await, JoinOutcome::Changed, "an accepted invitation is not open");
}

pub(super) async fn join_writes_nothing_when_the_invitation_moved_or_is_not_the_claimants(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "bo@x.io");
    store.create(&inv).await.unwrap();
    let bo = claimant("bo", "bo@x.io");
    let stale = Invitation { token_hash: Token::generate().hash(), ..inv.clone() };
    let unknown = Invitation { id: InvitationId::new(), ..inv.clone() };
    let someone = claimant("eve", "eve@x.io");
    for (case, outcome) in [
        ("another token", join(&store, &stale, &bo).await),
        ("no such invitation", join(&store, &unknown, &bo).await),
        ("another address", join(&store, &inv, &someone).await),
    ] {
        assert_eq!(outcome, JoinOutcome::Changed, "{case}");
    }
    assert_eq!(stored(&store, &inv).await, inv, "nothing written");
    assert_eq!(store.member(&acct, &bo.user_id).await.unwrap(), None);
    assert_eq!(store.member(&acct, &someone.user_id).await.unwrap(), None);

    // Bound to a user id: that user only, whatever address the token carries.
    let bound = Invitation { user_id: Some(UserId::parse("cy").unwrap()), ..invitation(&acct, "cy@x.io") };
    store.create(&bound).await.unwrap();
    assert_eq!(join(&store, &bound, &claimant("not-cy", "cy@x.io")).await, JoinOutcome::Changed);
    assert_eq!(join(&store, &bound, &claimant("cy", "other@x.io")).await, JoinOutcome::Joined);
}

pub(super) async fn a_member_joins_an_account_once(store: Store) {
    let acct = account();
    let (one, two) = (invitation(&acct, "one@x.io"), invitation(&acct, "two@x.io"));
    store.create(&one).await.unwrap();
    store.create(&two).await.unwrap();
    assert_eq!(join(&store, &one, &claimant("pat", "one@x.io")).await, JoinOutcome::Joined);
    assert_eq!(join(&store, &two, &claimant("pat", "two@x.io")).await, JoinOutcome::AlreadyMember);
    assert_eq!(stored(&store, &two).await, two, "unchanged");
    // Membership is per account.
    let elsewhere = invitation(&account(), "one@x.io");
    store.create(&elsewhere).await.unwrap();
    assert_eq!(join(&store, &elsewhere, &claimant("pat", "one@x.io")).await, JoinOutcome::Joined);
}

pub(super) async fn racing_accepts_win_once(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "team@x.io");
    store.create(&inv).await.unwrap();
    let tries = (0..10).map(|i| {
        let (store, inv) = (store.clone(), inv.clone());
        tokio::spawn(async move { join(&store, &inv, &claimant(&format!("u{i}"), "team@x.io")).await })
    });
    let outcomes: Vec<JoinOutcome> = join_all(tries).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == JoinOutcome::Joined).count(), 1, "{outcomes:?}");
    assert!(outcomes.iter().all(|o| matches!(o, JoinOutcome::Joined | JoinOutcome::Changed)), "{outcomes:?}");
    let winner = stored(&store, &inv).await.accepted_by.expect("accepted by the winner");
    let mut found: Vec<Member> = Vec::new();
    for i in 0..10 {
        found.extend(store.member(&acct, &UserId::parse(&format!("u{i}")).unwrap()).await.unwrap());
    }
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].user_id, winner);
}

/// Every row of the Users list, `limit` a page.
async fn users_pages(
    store: &Store,
    acct: &invitations::domain::AccountId,
    statuses: Option<Vec<UserStatus>>,
    limit: u32,
) -> Vec<String> {
    search_pages(store, acct, statuses, None, limit).await
}

/// Every row of the Users list whose address begins with `prefix`, `limit` a page.
async fn search_pages(
    store: &Store,
    acct: &invitations::domain::AccountId,
    statuses: Option<Vec<UserStatus>>,
    prefix: Option<&str>,
    limit: u32,
) -> Vec<String> {
    let (mut seen, mut after) = (Vec::new(), None);
    let email_prefix = prefix.map(|p| EmailPrefix::parse(p).unwrap());
    loop {
        let query = UsersQuery {
            statuses: statuses.clone(),
            email_prefix: email_prefix.clone(),
            limit,
            after: after.take(),
            ..Default::default()
        };
        let page = store.users(acct, &query).await.unwrap();
        assert!(page.rows.len() <= limit as usize);
        seen.extend(page.rows.iter().map(|r| r.sort_key()));
        match page.next_after {
            Some(a) => after = Some(a),
            None => return seen,
        }
    }
}

pub(super) async fn the_users_list_holds_members_and_open_invitations_by_address(store: Store) {
    let acct = account();
    let (zed, amy, cancelled) =
        (invitation(&acct, "zed@x.io"), invitation(&acct, "amy@x.io"), invitation(&acct, "cal@x.io"));
    for inv in [&zed, &amy, &cancelled] {
        store.create(inv).await.unwrap();
    }
    let cancel = rules::cancel(Timestamp::now());
    store.update(&acct, cancelled.id, &cancel).await.unwrap();
    let bo = invitation(&acct, "bo#1@x.io");
    store.create(&bo).await.unwrap();
    assert_eq!(join(&store, &bo, &claimant("bo", "bo#1@x.io")).await, JoinOutcome::Joined);
    store.create(&invitation(&account(), "other@x.io")).await.unwrap();
    let expected = vec![invitation_sort_key(&amy), format!("bo#1@x.io#MEMBER#bo"), invitation_sort_key(&zed)];
    for limit in [1, 2, 100] {
        assert_eq!(users_pages(&store, &acct, None, limit).await, expected, "limit {limit}");
    }
    assert_eq!(users_pages(&store, &acct, Some(vec![UserStatus::Active]), 1).await, expected[1..2]);
    let processing = users_pages(&store, &acct, Some(vec![UserStatus::Processing]), 100).await;
    assert_eq!(processing, [expected[0].clone(), expected[2].clone()]);
}

pub(super) async fn the_users_list_finds_rows_by_the_beginning_of_their_address(store: Store) {
    let acct = account();
    let (ann, anna, bob) =
        (invitation(&acct, "ann@x.io"), invitation(&acct, "anna@y.io"), invitation(&acct, "bob.ann@x.io"));
    for inv in [&ann, &anna, &bob] {
        store.create(inv).await.unwrap();
    }
    let member = invitation(&acct, "ant@x.io");
    store.create(&member).await.unwrap();
    assert_eq!(join(&store, &member, &claimant("ant", "ant@x.io")).await, JoinOutcome::Joined);
    // Invited by user id: its address is not the inviter's to see, so no search finds it.
    let hidden = Invitation { user_id: Some(UserId::parse("ann-id").unwrap()), ..invitation(&acct, "ann@z.io") };
    store.create(&hidden).await.unwrap();
    store.create(&invitation(&account(), "ann@other.io")).await.unwrap();
    let found = vec![invitation_sort_key(&ann), invitation_sort_key(&anna), "ant@x.io#MEMBER#ant".to_owned()];
    for limit in [1, 2, 100] {
        assert_eq!(search_pages(&store, &acct, None, Some("an"), limit).await, found, "limit {limit}");
    }
    assert_eq!(search_pages(&store, &acct, None, Some("ANN"), 1).await, found[..2], "case is ignored");
    assert_eq!(search_pages(&store, &acct, None, Some("ann@"), 100).await, found[..1]);
    assert_eq!(search_pages(&store, &acct, Some(vec![UserStatus::Active]), Some("an"), 1).await, found[2..]);
    assert!(search_pages(&store, &acct, None, Some("ann@z"), 100).await.is_empty(), "the hidden address");
    assert!(search_pages(&store, &acct, None, Some("zed"), 100).await.is_empty());
}

pub(super) async fn removing_a_member_frees_its_address(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "dee@x.io");
    store.create(&inv).await.unwrap();
    let dee = claimant("dee", "dee@x.io");
    assert_eq!(store.directory(&dee.user_id).await.unwrap(), None);
    assert_eq!(join(&store, &inv, &dee).await, JoinOutcome::Joined);
    assert_eq!(
        store.directory(&dee.user_id).await.unwrap(),
        dee.email.verified().cloned(),
        "the directory learns the address"
    );
    let member = store.member(&acct, &dee.user_id).await.unwrap().unwrap();
    let stale = Member { invitation_id: InvitationId::new(), ..member.clone() };
    assert!(!store.remove_member(&stale).await.unwrap(), "only the member as read is removed");
    assert!(store.remove_member(&member).await.unwrap());
    assert_eq!(store.member(&acct, &dee.user_id).await.unwrap(), None);
    assert!(!store.remove_member(&member).await.unwrap());
    assert!(users_pages(&store, &acct, None, 10).await.is_empty());
    assert!(matches!(store.create(&invitation(&acct, "dee@x.io")).await.unwrap(), CreateOutcome::Created));
}
