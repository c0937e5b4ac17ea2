//! Accepting and members. The accept is one `TransactWriteItems`: the invitation's conditional update,
//! the member item (only if the user is not a member of the account yet) in the invitation's seat, and
//! the directory entry. A removal deletes the member and frees its seat and its address in another.
use super::item::from_item;
use super::seats::SeatMove;
use super::write::expressions;
use super::{account_pk, failed_check, invitation_key, s, slot_sk, unavailable, DynamoStore, Item};
use crate::domain::{Access, AccountId, Email, Invitation, InvitationId, Member, Timestamp, UserId};
use crate::ports::store::{member_sort_key, JoinOutcome, MemberStore, StoreError, StoreResult, UsersPage, UsersQuery};
use crate::rules::Transition;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use std::collections::HashMap;

fn member_key(account: &AccountId, user: &UserId) -> Item {
    HashMap::from([("pk".into(), s(account_pk(account))), ("sk".into(), s(format!("MEMBER#{user}")))])
}

pub(super) fn member_item(m: &Member) -> Item {
    let mut item = member_key(&m.account_id, &m.user_id);
    item.insert("user_id".into(), s(m.user_id.as_str()));
    item.insert("account_id".into(), s(m.account_id.as_str()));
    item.insert("email".into(), s(m.email.as_str()));
    item.insert("status".into(), s("active"));
    item.insert("access".into(), s(serde_json::to_string(&m.access).expect("access serializes")));
    item.insert("invited_by".into(), s(&m.invited_by));
    item.insert("invitation_id".into(), s(m.invitation_id.to_string()));
    item.insert("joined_at".into(), super::n(m.joined_at.millis()));
    if m.by_user_id {
        item.insert("by_user_id".into(), AttributeValue::Bool(true));
    }
    item.insert("users_pk".into(), s(account_pk(&m.account_id)));
    item.insert("users_sk".into(), s(member_sort_key(m)));
    item
}

pub(super) fn from_member_item(item: &Item) -> StoreResult<Member> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("member item: {what}"));
    let get = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).ok_or_else(|| corrupt(k));
    let joined = item.get("joined_at").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok());
    Ok(Member {
        user_id: UserId::parse(get("user_id")?).map_err(|_| corrupt("user_id"))?,
        account_id: AccountId::parse(get("account_id")?).ok_or_else(|| corrupt("account_id"))?,
        email: Email::parse(get("email")?).map_err(|_| corrupt("email"))?,
        access: serde_json::from_str::<Access>(get("access")?).map_err(|_| corrupt("access"))?,
        invited_by: get("invited_by")?.clone(),
        invitation_id: InvitationId::parse(get("invitation_id")?).map_err(|_| corrupt("invitation_id"))?,
        joined_at: Timestamp::from_millis(joined.ok_or_else(|| corrupt("joined_at"))?),
        by_user_id: item.get("by_user_id").is_some_and(|v| v.as_bool() == Ok(&true)),
    })
}

impl DynamoStore {
    /// One item, read strongly consistent: what was just written is what a reader finds.
    pub(super) async fn get_item(&self, key: Item) -> StoreResult<Option<Item>> {
        let get = self.client.get_item().table_name(&self.table).set_key(Some(key)).consistent_read(true);
        Ok(get.send().await.map_err(unavailable)?.item)
    }

    pub(super) async fn get_invitation(
        &self,
        account: &AccountId,
        id: InvitationId,
    ) -> StoreResult<Option<Invitation>> {
        self.get_item(invitation_key(account, id)).await?.as_ref().map(from_item).transpose()
    }

    /// A conditional write as an item of a transaction.
    pub(super) fn update_item(&self, account: &AccountId, id: InvitationId, write: &Transition) -> TransactWriteItem {
        let e = expressions(account, write);
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(invitation_key(account, id)))
            .condition_expression(e.condition)
            .update_expression(e.update)
            .set_expression_attribute_names(Some(e.names))
            .set_expression_attribute_values(Some(e.values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .expect("key, expressions and table are set");
        TransactWriteItem::builder().update(update).build()
    }

    fn put(&self, item: Item, condition: Option<&str>) -> TransactWriteItem {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .expect("item and table are set");
        TransactWriteItem::builder().put(put).build()
    }
}

#[async_trait]
impl MemberStore for DynamoStore {
    async fn join(&self, write: &Transition, member: &Member, directory: Option<&Email>) -> StoreResult<JoinOutcome> {
        let mut items = vec![
            self.update_item(&member.account_id, member.invitation_id, write),
            self.put(member_item(member), Some("attribute_not_exists(pk)")),
            self.seat_move(&member.account_id, SeatMove::Join),
        ];
        if let Some(email) = directory {
            let key = HashMap::from([
                ("pk".into(), s(format!("USER#{}", member.user_id))),
                ("sk".into(), s("DIRECTORY")),
                ("email".into(), s(email.as_str())),
            ]);
            items.push(self.put(key, None));
        }
        let Some(reasons) = self.transact(items).await? else {
            return Ok(JoinOutcome::Joined);
        };
        // A failed invitation condition, or a conflict with another transaction, means the invitation may
        // have moved: the caller reads it again.
        match (reasons.first(), reasons.get(1)) {
            (Some(inv), Some(m)) if !failed_check(inv) && failed_check(m) => Ok(JoinOutcome::AlreadyMember),
            _ => Ok(JoinOutcome::Changed),
        }
    }

    async fn remove_member(&self, member: &Member) -> StoreResult<bool> {
        let same = |key: Item, condition: &str| {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key))
                .condition_expression(condition)
                .expression_attribute_values(":inv", s(member.invitation_id.to_string()))
                .build()
                .expect("key, condition and table are set");
            TransactWriteItem::builder().delete(delete).build()
        };
        let slot =
            HashMap::from([("pk".into(), s(account_pk(&member.account_id))), ("sk".into(), s(slot_sk(&member.email)))]);
        let items = vec![
            same(member_key(&member.account_id, &member.user_id), "invitation_id = :inv"),
            // The slot still names the accepted invitation unless the address was freed another way.
            same(slot, "attribute_not_exists(pk) OR invitation_id = :inv"),
            self.seat_move(&member.account_id, SeatMove::Leave),
        ];
        match self.transact(items).await? {
            None => Ok(true),
            Some(reasons) if reasons.iter().any(failed_check) => Ok(false),
            Some(_) => {
                Err(StoreError::Unavailable("the removal kept colliding with others on the account's seats".into()))
            }
        }
    }

    async fn directory(&self, user: &UserId) -> StoreResult<Option<Email>> {
        let key = HashMap::from([("pk".into(), s(format!("USER#{user}"))), ("sk".into(), s("DIRECTORY"))]);
        let item = self.get_item(key).await?;
        let email = item.as_ref().and_then(|i| i.get("email")).and_then(|v| v.as_s().ok());
        email.map(|e| Email::parse(e).map_err(|_| StoreError::Corrupt("directory item: email".into()))).transpose()
    }

    async fn users(&self, account: &AccountId, query: &UsersQuery) -> StoreResult<UsersPage> {
        self.users_page(account, query).await
    }

    async fn member(&self, account: &AccountId, user: &UserId) -> StoreResult<Option<Member>> {
        self.get_item(member_key(account, user)).await?.as_ref().map(from_member_item).transpose()
    }
}
