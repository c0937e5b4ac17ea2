//! An invitation as a DynamoDB item, and back. Reading is strict: an item that does not make a valid
//! invitation is `Corrupt`, never guessed at.
use super::{account_pk, due_partition, email_key, invitation_key, n, s, Item};
use crate::domain::{Access, AccountId, Email, Invitation, InvitationId, Timestamp, TokenHash, UserId};
use crate::ports::store::{invitation_sort_key, DueShards, StoreError, StoreResult};

pub(super) fn to_item(inv: &Invitation, due_shards: DueShards) -> Item {
    let mut item = invitation_key(&inv.account_id, inv.id);
    item.insert("id".into(), s(inv.id.to_string()));
    item.insert("account_id".into(), s(inv.account_id.as_str()));
    item.insert("email".into(), s(inv.email.as_str()));
    // The list's address filter (`by_email`) holds invitations sent to an address only: one sent by
    // user id must not answer a guess at the address behind it, by its row or a cursor naming it.
    if inv.user_id.is_none() {
        item.insert("email_key".into(), s(email_key(&inv.account_id, &inv.email)));
    }
    item.insert("status".into(), s(inv.status.as_str()));
    item.insert("access".into(), s(serde_json::to_string(&inv.access).expect("access serializes")));
    item.insert("invited_by".into(), s(&inv.invited_by));
    if let Some(e) = &inv.inviter_email {
        item.insert("inviter_email".into(), s(e.as_str()));
    }
    item.insert("created_at".into(), n(inv.created_at.millis()));
    item.insert("updated_at".into(), n(inv.updated_at.millis()));
    if let Some(t) = inv.last_sent_at {
        item.insert("last_sent_at".into(), n(t.millis()));
    }
    item.insert("send_count".into(), n(inv.send_count));
    item.insert("failed_attempts".into(), n(inv.failed_attempts));
    item.insert("expires_at".into(), n(inv.expires_at.millis()));
    item.insert("token_hash".into(), s(inv.token_hash.as_str()));
    // The shard is written whether or not the invitation is due yet, and never changes: the sparse
    // index holds the item only while `due_at` is there too.
    item.insert("due_pk".into(), s(due_partition(due_shards.of(inv.id))));
    if let Some(t) = inv.due_at {
        item.insert("due_at".into(), n(t.millis()));
    }
    // The Users list's sparse index holds open invitations only.
    item.insert("users_sk".into(), s(invitation_sort_key(inv)));
    if inv.status.is_open() {
        item.insert("users_pk".into(), s(account_pk(&inv.account_id)));
    }
    if let Some(u) = &inv.user_id {
        item.insert("user_id".into(), s(u.as_str()));
    }
    if let Some(u) = &inv.accepted_by {
        item.insert("accepted_by".into(), s(u.as_str()));
    }
    if let Some(t) = inv.handed_on {
        item.insert("handed_on".into(), n(t.millis()));
    }
    if let Some(d) = &inv.delivery {
        item.extend(super::delivery_attrs::delivery_attributes(d));
    }
    item
}

/// The items of a page that read as values; each one that does not is logged (by its key) and counted,
/// and the rest go on: an item the code cannot read (a hand edit, a rollback past a release that added
/// a value) must not stop the sweep or a list for every tenant.
pub(super) fn readable<T>(items: &[Item], parse: impl Fn(&Item) -> StoreResult<T>) -> (Vec<T>, usize) {
    let mut values = Vec::with_capacity(items.len());
    let mut unreadable = 0;
    for item in items {
        match parse(item) {
            Ok(value) => values.push(value),
            Err(e) => {
                unreadable += 1;
                let key = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).map_or("?", |v| v.as_str()).to_owned();
                let (pk, sk) = (crate::logging::scrub(&key("pk")), crate::logging::scrub(&key("sk")));
                tracing::error!(pk, sk, error = %e, unreadable = 1, "unreadable item skipped");
            }
        }
    }
    (values, unreadable)
}

pub(super) fn from_item(item: &Item) -> StoreResult<Invitation> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("invitation item: {what}"));
    let get_s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
    let get_n = |k: &str| item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok());
    let req_s = |k: &str| get_s(k).ok_or_else(|| corrupt(k));
    let req_n = |k: &str| get_n(k).ok_or_else(|| corrupt(k));
    Ok(Invitation {
        id: InvitationId::parse(&req_s("id")?).map_err(|_| corrupt("id"))?,
        account_id: AccountId::parse(&req_s("account_id")?).ok_or_else(|| corrupt("account_id"))?,
        email: Email::parse(&req_s("email")?).map_err(|_| corrupt("email"))?,
        status: req_s("status")?.parse().map_err(|_| corrupt("status"))?,
        access: serde_json::from_str::<Access>(&req_s("access")?).map_err(|_| corrupt("access"))?,
        invited_by: req_s("invited_by")?,
        inviter_email: get_s("inviter_email")
            .map(|e| Email::parse(&e))
            .transpose()
            .map_err(|_| corrupt("inviter_email"))?,
        created_at: Timestamp::from_millis(req_n("created_at")?),
        updated_at: Timestamp::from_millis(req_n("updated_at")?),
        last_sent_at: get_n("last_sent_at").map(Timestamp::from_millis),
        send_count: u32::try_from(req_n("send_count")?).map_err(|_| corrupt("send_count"))?,
        failed_attempts: u32::try_from(get_n("failed_attempts").unwrap_or(0))
            .map_err(|_| corrupt("failed_attempts"))?,
        expires_at: Timestamp::from_millis(req_n("expires_at")?),
        token_hash: TokenHash::from_stored(req_s("token_hash")?),
        due_at: get_n("due_at").map(Timestamp::from_millis),
        user_id: get_s("user_id").map(|u| UserId::parse(&u)).transpose().map_err(|_| corrupt("user_id"))?,
        accepted_by: get_s("accepted_by").map(|u| UserId::parse(&u)).transpose().map_err(|_| corrupt("accepted_by"))?,
        handed_on: get_n("handed_on").map(Timestamp::from_millis),
        delivery: super::delivery_attrs::delivery_of(item)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Status;
    use std::collections::BTreeMap;

    fn due_invitation() -> Invitation {
        let now = Timestamp::from_millis(1_800_000_000_000);
        let sample = crate::domain::invitation::sample(now);
        Invitation {
            status: Status::Pending,
            inviter_email: None,
            last_sent_at: Some(now),
            send_count: 1,
            due_at: Some(now),
            ..sample
        }
    }

    #[test]
    fn due_entries_spread_evenly_over_the_default_shards() {
        let mut per_key: BTreeMap<String, usize> = BTreeMap::new();
        for _ in 0..10_000 {
            let item = to_item(&due_invitation(), DueShards::DEFAULT);
            let key = item.get("due_pk").and_then(|v| v.as_s().ok()).expect("a due invitation has a due key");
            *per_key.entry(key.clone()).or_default() += 1;
        }
        assert_eq!(per_key.len(), 16, "one due key value per shard: {per_key:?}");
        // 625 a shard on average; a binomial standard deviation is about 24, so 20% is over 5 of them.
        for (key, count) in &per_key {
            assert!((500..=750).contains(count), "{key} holds {count} of 10,000: {per_key:?}");
        }
    }
}
