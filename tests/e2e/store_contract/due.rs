//! The due index: each shard in pages, earliest first, and sweeps over every shard at once that send
//! each email once.
use super::{account, open, to, transition, Store};
use e2e::{invitation, sent_invitation};
use invitations::adapters::recording::RecordingMailer;
use invitations::domain::{Invitation, InvitationId, Status, Timestamp};
use invitations::ports::clock::{Clock, ManualClock};
use invitations::ports::store::{DueShard, DueShards};
use invitations::rules::{Change, Due};
use invitations::service::sweep::sweep;
use invitations::service::{Deps, MailSettings, Notifier};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// A new id in `shard` of the default count, which every store here writes with.
fn id_in(shard: DueShard) -> InvitationId {
    std::iter::repeat_with(InvitationId::new).find(|id| DueShards::DEFAULT.of(*id) == shard).unwrap()
}

pub(super) async fn the_due_index_returns_only_due_invitations_earliest_first_in_pages(store: Store) {
    let acct = account();
    let base = Timestamp::from_millis(4_000_000_000_000);
    let crowded = DueShard::Shard(3);
    let mut due: BTreeMap<DueShard, Vec<(u64, InvitationId)>> = BTreeMap::new();
    for i in 0..18u64 {
        // Nine in one shard, so it takes pages; nine wherever their ids fall.
        let id = if i < 9 { id_in(crowded) } else { InvitationId::new() };
        let mut inv = Invitation { id, ..invitation(&acct, &format!("due{i}@x.io")) };
        // Due at base + 0 to 8 minutes, given in a scrambled order; those after base + 4.5 min are not due
        // yet. Two share each minute, a millisecond apart: the index orders by due time only, so a tie
        // would have no order to check.
        let minute = (i * 5) % 9;
        let at = 60_000 * minute + i;
        inv.due_at = Some(base.plus(Duration::from_millis(at)));
        store.create(&inv).await.unwrap();
        if minute <= 4 {
            due.entry(DueShards::DEFAULT.of(id)).or_default().push((at, id));
        }
    }
    let closed = Invitation { id: id_in(crowded), ..invitation(&acct, "closed@x.io") };
    store.create(&closed).await.unwrap();
    store
        .update(&acct, closed.id, &transition(&open(), &Change { due: Due::Clear, ..to(Status::Cancelled) }))
        .await
        .unwrap();
    let now = base.plus(Duration::from_secs(270));
    let mut seen = BTreeMap::new();
    for shard in DueShard::all() {
        let mut after = None;
        let mut pages = 0;
        loop {
            let page = store.due(now, shard, after.take(), 2).await.unwrap();
            assert!(page.items.len() <= 2);
            pages += 1;
            let ids = page.items.iter().filter(|i| i.account_id == acct).map(|i| i.id);
            seen.entry(shard).or_insert_with(Vec::new).extend(ids);
            match page.next {
                Some(k) => after = Some(k),
                None => break,
            }
        }
        if shard == crowded {
            assert!(pages >= 3, "the crowded shard's due entries take pages");
        }
    }
    seen.retain(|_, ids| !ids.is_empty());
    let expected: BTreeMap<DueShard, Vec<InvitationId>> = due
        .into_iter()
        .map(|(shard, mut entries)| {
            entries.sort();
            (shard, entries.into_iter().map(|(_, id)| id).collect())
        })
        .collect();
    assert_eq!(seen, expected, "due ones only, each once, in its shard, earliest first");
}

pub(super) async fn concurrent_sweeps_over_every_shard_send_each_email_once(store: Store) {
    let acct = account();
    let clock = ManualClock::at(Timestamp::now());
    let now = clock.now();
    let hour = Duration::from_secs(3600);
    for i in 0..120 {
        // Sixty in one shard, more than two of the sweep's pages; sixty wherever their ids fall.
        let id = if i < 60 { id_in(DueShard::Shard(11)) } else { InvitationId::new() };
        let inv = sent_invitation(&acct, &format!("swept{i}@x.io"), now.minus(73 * hour), now.minus(hour));
        store.create(&Invitation { id, expires_at: now.plus(240 * hour), ..inv }).await.unwrap();
    }
    let mailer = Arc::new(RecordingMailer::new());
    let settings = MailSettings {
        from: "invitations@example.com".into(),
        accept_url: "https://app.example.com/accept".parse().unwrap(),
        configuration_set: None,
    };
    let notifier = Notifier { mailer: mailer.clone(), settings, pacing: None };
    let deps = Deps { store, clock, policy: Default::default() };
    let (a, b) = tokio::join!(sweep(&deps, &notifier, None), sweep(&deps, &notifier, None));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.complete && b.complete, "{a:?} {b:?}");
    assert_eq!(a.resent + b.resent, 120, "{a:?} {b:?}");
    let mut per_address: BTreeMap<String, usize> = BTreeMap::new();
    for mail in mailer.sent() {
        *per_address.entry(mail.to.as_str().to_owned()).or_default() += 1;
    }
    assert_eq!(per_address.len(), 120, "every due invitation is found");
    assert!(per_address.values().all(|n| *n == 1), "none twice: {per_address:?}");
    assert_eq!(sweep(&deps, &notifier, None).await.unwrap().read, 0, "nothing is due any more");
}
