//! Reads: an account's invitations (by key, or through the `by_email` index), and the sparse due index.
//! Each is a `Query`; nothing here scans the table.
use super::item::{from_item, readable};
use super::members::from_member_item;
use super::{
    account_pk, due_partition, email_key, invitation_key, n, s, status_in, strings_in, unavailable, DynamoStore, Item,
    DUE_INDEX, EMAIL_INDEX, USERS_INDEX,
};
use crate::domain::{AccountId, InvitationId, Timestamp};
use crate::ports::store::{
    DueKey, DuePage, DueShard, ListQuery, Page, StoreError, StoreResult, UserRow, UsersPage, UsersQuery,
};
use std::collections::HashMap;

impl DynamoStore {
    pub(super) async fn list_page(&self, account: &AccountId, query: &ListQuery) -> StoreResult<Page> {
        /// A page of sparse matches may take several queries; past this many it returns short, with a
        /// cursor. A page filtered by address reads on until it is full or the address's invitations end
        /// (see below), which are few.
        const MAX_QUERIES_PER_PAGE: usize = 10;
        let limit = query.limit.max(1) as usize;
        let mut values: Item = HashMap::new();
        let mut names: HashMap<String, String> = HashMap::new();
        let mut filters = Vec::new();
        let (index, key_condition, start) = match &query.email {
            Some(email) => {
                values.insert(":ek".into(), s(email_key(account, email)));
                let start = query.after.map(|after| {
                    let mut k = invitation_key(account, after);
                    k.insert("email_key".into(), s(email_key(account, email)));
                    k
                });
                // Items a release before this one wrote: invitations sent by user id kept their `email_key`
                // until now. Filtered out, and read past rather than stopped at, so that no cursor
                // names one and whether a page has a cursor does not depend on them.
                filters.push("attribute_not_exists(user_id)".to_owned());
                (Some(EMAIL_INDEX), "email_key = :ek", start)
            }
            None => {
                values.insert(":pk".into(), s(account_pk(account)));
                values.insert(":inv".into(), s("INV#"));
                (None, "pk = :pk AND begins_with(sk, :inv)", query.after.map(|after| invitation_key(account, after)))
            }
        };
        if let Some(statuses) = &query.statuses {
            names.insert("#status".into(), "status".into());
            filters.push(status_in(&mut values, ":f", statuses));
        }
        if let Some(deliveries) = &query.deliveries {
            let names: Vec<&str> = deliveries.iter().map(|d| d.as_str()).collect();
            filters.push(super::strings_in(&mut values, ":dl", "delivery_status", &names));
        }
        let filter = (!filters.is_empty()).then(|| filters.join(" AND "));
        let budget = if query.email.is_some() { usize::MAX } else { MAX_QUERIES_PER_PAGE };
        let mut items = Vec::new();
        let mut start = start;
        for _ in 0..budget {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(index.map(str::to_owned))
                // A list right after an invite must show it; an index cannot be read consistently.
                .consistent_read(index.is_none())
                .key_condition_expression(key_condition)
                .set_filter_expression(filter.clone())
                .set_expression_attribute_names((!names.is_empty()).then(|| names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(false)
                .limit((limit - items.len()) as i32)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            items.extend(readable(out.items(), from_item).0);
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() || items.len() >= limit {
                break;
            }
        }
        let next_after = match start {
            None => None,
            Some(key) => {
                let sk = key.get("sk").and_then(|v| v.as_s().ok()).and_then(|sk| sk.strip_prefix("INV#"));
                Some(
                    sk.and_then(|id| InvitationId::parse(id).ok())
                        .ok_or_else(|| StoreError::Corrupt("last key".into()))?,
                )
            }
        };
        Ok(Page { items, next_after })
    }

    pub(super) async fn due_page(
        &self,
        now: Timestamp,
        shard: DueShard,
        after: Option<DueKey>,
        limit: u32,
    ) -> StoreResult<DuePage> {
        let partition = due_partition(shard);
        let start = after.map(|k| {
            let mut key = invitation_key(&k.account, k.id);
            key.insert("due_pk".into(), s(&partition));
            key.insert("due_at".into(), n(k.due_at.millis()));
            key
        });
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(DUE_INDEX)
            .key_condition_expression("due_pk = :d AND due_at <= :now")
            .expression_attribute_values(":d", s(partition))
            .expression_attribute_values(":now", n(now.millis()))
            .limit(limit.max(1) as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(unavailable)?;
        let (items, unreadable) = readable(out.items(), from_item);
        let read = out.scanned_count().max(0) as usize;
        let next = match out.last_evaluated_key.filter(|k| !k.is_empty()) {
            None => None,
            Some(key) => {
                let get = |k: &str| key.get(k).and_then(|v| v.as_s().ok().or_else(|| v.as_n().ok()));
                let parsed = (|| {
                    Some(DueKey {
                        due_at: Timestamp::from_millis(get("due_at")?.parse().ok()?),
                        account: AccountId::parse(get("pk")?.strip_prefix("ACCOUNT#")?)?,
                        id: InvitationId::parse(get("sk")?.strip_prefix("INV#")?).ok()?,
                    })
                })();
                Some(parsed.ok_or_else(|| StoreError::Corrupt("due index key".into()))?)
            }
        };
        Ok(DuePage { items, next, read, unreadable })
    }

    /// One `Query` of the sparse Users index: members and open invitations by address.
    pub(super) async fn users_page(&self, account: &AccountId, query: &UsersQuery) -> StoreResult<UsersPage> {
        let pk = account_pk(account);
        let mut values: Item = HashMap::from([(":pk".into(), s(&pk))]);
        // The index's sort key begins with the address, so a search is a key condition, not a filter.
        let key_condition = match &query.email_prefix {
            Some(prefix) => {
                values.insert(":prefix".into(), s(prefix.as_str()));
                "users_pk = :pk AND begins_with(users_sk, :prefix)"
            }
            None => "users_pk = :pk",
        };
        let mut filters = Vec::new();
        if let Some(statuses) = &query.statuses {
            let names: Vec<&str> = statuses.iter().map(|st| st.as_str()).collect();
            filters.push(strings_in(&mut values, ":f", "#status", &names));
        }
        // Members carry no `delivery_status`, so this filter leaves them out.
        if let Some(deliveries) = &query.deliveries {
            let names: Vec<&str> = deliveries.iter().map(|d| d.as_str()).collect();
            filters.push(strings_in(&mut values, ":dl", "delivery_status", &names));
        }
        let names = query.statuses.as_ref().map(|_| HashMap::from([("#status".into(), "status".into())]));
        let filter = (!filters.is_empty()).then(|| filters.join(" AND "));
        // The table's keys of the row after which to go on, rebuilt from its sort key.
        let start = query.after.as_ref().map(|after| {
            // `<email>#<KIND>#<id>`: the address may hold a `#`, the kind and the id never do.
            let mut parts = after.rsplitn(3, '#');
            let (id, kind) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
            let sk = format!("{kind}#{id}");
            HashMap::from([
                ("users_pk".into(), s(&pk)),
                ("users_sk".into(), s(after)),
                ("pk".into(), s(&pk)),
                ("sk".into(), s(sk)),
            ])
        });
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(USERS_INDEX)
            .key_condition_expression(key_condition)
            .set_filter_expression(filter)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(Some(values))
            .limit(query.limit.max(1) as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(unavailable)?;
        let (rows, _) = readable(out.items(), |item| match item.get("sk").and_then(|v| v.as_s().ok()) {
            Some(sk) if sk.starts_with("MEMBER#") => from_member_item(item).map(UserRow::Member),
            _ => from_item(item).map(UserRow::Invited),
        });
        let next_after = out
            .last_evaluated_key
            .as_ref()
            .and_then(|k| k.get("users_sk"))
            .map(|v| v.as_s().cloned().map_err(|_| StoreError::Corrupt("users index key".into())))
            .transpose()?;
        Ok(UsersPage { rows, next_after })
    }
}
