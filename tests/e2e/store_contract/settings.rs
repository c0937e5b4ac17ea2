//! An account's settings: one versioned record per account, each write one conditional write on the
//! version read, invisible to the invitation and Users lists.
use super::{account, Store};
use e2e::invitation;
use futures::future::join_all;
use invitations::domain::{AccountId, AccountSettings, Settings, Timestamp};
use invitations::ports::settings::{SettingsOutcome, SettingsWrite};
use invitations::ports::store::{ListQuery, UsersQuery};
use serde_json::json;

fn write<'a>(account: &'a AccountId, settings: &'a Settings, if_version: Option<u64>) -> SettingsWrite<'a> {
    SettingsWrite { account, settings, by: "owner-1", at: Timestamp::from_millis(1_800_000_000_000), if_version }
}

fn saved(outcome: SettingsOutcome) -> AccountSettings {
    match outcome {
        SettingsOutcome::Saved(s) => s,
        other => panic!("not saved: {other:?}"),
    }
}

fn changed(outcome: SettingsOutcome) -> AccountSettings {
    match outcome {
        SettingsOutcome::Changed(s) => s,
        other => panic!("saved over another version: {other:?}"),
    }
}

pub(super) async fn settings_are_versioned_and_written_over_the_version_read(store: Store) {
    let acct = account();
    assert_eq!(store.settings(&acct).await.unwrap(), AccountSettings::defaults(&acct));
    let first = Settings::parse(&json!({"seat_limit": 5, "allowed_domains": ["example.com", "x.io"]})).unwrap();
    // Nothing is stored yet: only a write over version 0 (or over anything) applies.
    assert_eq!(changed(store.put_settings(&write(&acct, &first, Some(1))).await.unwrap()).version, 0);
    let v1 = saved(store.put_settings(&write(&acct, &first, Some(0))).await.unwrap());
    assert_eq!((v1.version, &v1.settings, v1.updated_by.as_deref()), (1, &first, Some("owner-1")));
    assert_eq!(v1.updated_at, Some(Timestamp::from_millis(1_800_000_000_000)));
    assert_eq!(store.settings(&acct).await.unwrap(), v1);
    // A write over a version that is no longer stored changes nothing and says what is.
    let second = Settings::parse(&json!({"invitation_ttl_days": 7})).unwrap();
    assert_eq!(changed(store.put_settings(&write(&acct, &second, Some(0))).await.unwrap()), v1);
    assert_eq!(changed(store.put_settings(&write(&acct, &second, Some(2))).await.unwrap()), v1);
    let v2 = saved(store.put_settings(&write(&acct, &second, Some(1))).await.unwrap());
    assert_eq!((v2.version, &v2.settings), (2, &second));
    // Without a version, the last write wins, and still counts.
    let v3 = saved(store.put_settings(&write(&acct, &Settings::default(), None)).await.unwrap());
    assert_eq!((v3.version, v3.settings), (3, Settings::default()));
    // Another account's settings are its own.
    let other = account();
    assert_eq!(store.settings(&other).await.unwrap(), AccountSettings::defaults(&other));
}

pub(super) async fn the_settings_record_is_in_no_list(store: Store) {
    let acct = account();
    let inv = invitation(&acct, "listed@x.io");
    store.create(&inv).await.unwrap();
    let settings = Settings::parse(&json!({"allowed_domains": ["x.io"]})).unwrap();
    saved(store.put_settings(&write(&acct, &settings, None)).await.unwrap());
    let page = store.list(&acct, &ListQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(page.items.iter().map(|i| i.id).collect::<Vec<_>>(), [inv.id]);
    assert!(page.next_after.is_none());
    let users = store.users(&acct, &UsersQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(users.rows.len(), 1);
    assert!(users.next_after.is_none());
}

pub(super) async fn racing_settings_writes_over_one_version_win_once(store: Store) {
    let acct = account();
    let results = join_all((1..=10u32).map(|i| {
        let (store, acct) = (store.clone(), acct.clone());
        tokio::spawn(async move {
            let settings = Settings { seat_limit: Some(i), ..Settings::default() };
            store.put_settings(&write(&acct, &settings, Some(0))).await.unwrap()
        })
    }))
    .await;
    let outcomes: Vec<SettingsOutcome> = results.into_iter().map(Result::unwrap).collect();
    let won: Vec<&AccountSettings> =
        outcomes.iter().filter_map(|o| if let SettingsOutcome::Saved(s) = o { Some(s) } else { None }).collect();
    assert_eq!(won.len(), 1, "{outcomes:?}");
    assert_eq!(won[0].version, 1);
    assert_eq!(&store.settings(&acct).await.unwrap(), won[0]);
}
