//! The one conditional write every state change is: the rules' [`Expect`] as a condition expression,
//! their [`Change`] as an update expression. The same expressions serve a lone `UpdateItem` and the
//! update inside the accept transaction (`members`).
use super::item::from_item;
use super::seats::SeatMove;
use super::{
    account_pk, due_partition, failed_check, invitation_key, n, new_write_id, s, status_in, unavailable, written_by,
    DynamoStore, Item,
};
use crate::domain::{Access, AccessOption, AccountId, InvitationId};
use crate::ports::store::{DueShard, StoreError, StoreResult, UpdateOutcome};
use crate::rules::{Change, Count, Due, Expect, Handed, Transition};
use aws_sdk_dynamodb::{
    error::SdkError,
    operation::update_item::UpdateItemError,
    types::{ReturnValue, ReturnValuesOnConditionCheckFailure},
};
use std::collections::HashMap;

/// A transition as DynamoDB expressions.
pub(super) struct Expressions {
    pub condition: String,
    pub update: String,
    pub names: HashMap<String, String>,
    pub values: Item,
    /// The mark this write leaves on the item (`write_id`).
    pub write_id: String,
}

fn condition(expect: &Expect, values: &mut Item, names: &mut HashMap<String, String>) -> String {
    let mut condition = format!("attribute_exists(pk) AND {}", status_in(values, ":x", expect.statuses));
    if let Some(h) = &expect.token_hash {
        condition.push_str(" AND token_hash = :xh");
        values.insert(":xh".into(), s(h.as_str()));
    }
    if let Some(cut) = expect.last_sent_at_or_before {
        condition.push_str(" AND (attribute_not_exists(last_sent_at) OR last_sent_at <= :xcut)");
        values.insert(":xcut".into(), n(cut.millis()));
    }
    if let Some(t) = expect.expires_after {
        condition.push_str(" AND expires_at > :xexp");
        values.insert(":xexp".into(), n(t.millis()));
    }
    if let Some(cap) = expect.sends_below {
        condition.push_str(" AND send_count < :xcap");
        values.insert(":xcap".into(), n(cap));
    }
    if let Some(t) = expect.expired_by {
        condition.push_str(" AND expires_at <= :xby");
        values.insert(":xby".into(), n(t.millis()));
    }
    if let Some(t) = expect.handed_on {
        condition.push_str(" AND handed_on = :xho");
        values.insert(":xho".into(), n(t.millis()));
    }
    if expect.deliverable {
        condition.push_str(" AND attribute_not_exists(undeliverable)");
    }
    if let Some(claimant) = &expect.invitee {
        // Invited by user id: that user only. Invited by address: whoever holds it.
        values.insert(":xuser".into(), s(claimant.user_id.as_str()));
        match claimant.email.verified() {
            Some(email) => {
                values.insert(":xemail".into(), s(email.as_str()));
                condition.push_str(" AND (user_id = :xuser OR (attribute_not_exists(user_id) AND email = :xemail))");
            }
            None => condition.push_str(" AND user_id = :xuser"),
        }
    }
    if let Some(access) = &expect.access {
        names.insert("#access".into(), "access".into());
        condition.push_str(" AND #access = :xacc");
        values.insert(":xacc".into(), s(serde_json::to_string(access).expect("access serializes")));
    }
    if let Some(grantable) = &expect.grantable {
        // Each option the caller may not grant must be unassigned in the stored access.
        for (i, option) in AccessOption::ALL.iter().filter(|o| !grantable.contains(o)).enumerate() {
            names.insert("#access".into(), "access".into());
            condition.push_str(&format!(" AND contains(#access, :xna{i})"));
            values.insert(format!(":xna{i}"), s(Access::unassigned_text(*option)));
        }
    }
    condition
}

fn update(
    account: &AccountId,
    change: &Change,
    write_id: &str,
    values: &mut Item,
    names: &mut HashMap<String, String>,
) -> String {
    let mut set = vec!["#status = :st", "updated_at = :at", "write_id = :wid"];
    let mut remove = Vec::new();
    values.insert(":wid".into(), s(write_id));
    values.insert(":st".into(), s(change.status.as_str()));
    values.insert(":at".into(), n(change.at.millis()));
    if let Some(h) = &change.token_hash {
        set.push("token_hash = :th");
        values.insert(":th".into(), s(h.as_str()));
    }
    // Items written before `failed_attempts` existed lack it.
    match change.count {
        Count::Nothing => {}
        Count::Sent => {
            set.push("send_count = send_count + :one, failed_attempts = :zero");
            values.insert(":one".into(), n(1));
            values.insert(":zero".into(), n(0));
        }
        Count::Failure => {
            set.push("failed_attempts = if_not_exists(failed_attempts, :zero) + :one");
            values.insert(":one".into(), n(1));
            values.insert(":zero".into(), n(0));
        }
    }
    if change.sent {
        set.push("last_sent_at = :at");
    }
    if let Some(user) = &change.accepted_by {
        set.push("accepted_by = :by");
        values.insert(":by".into(), s(user.as_str()));
    }
    // Written as the create writes it (`item::to_item`), so an accept's check of the access read holds.
    if let Some(access) = &change.access {
        set.push("#access = :acc");
        names.insert("#access".into(), "access".into());
        values.insert(":acc".into(), s(serde_json::to_string(access).expect("access serializes")));
    }
    // In the Users list while open, out of it once closed.
    if change.status.is_open() {
        set.push("users_pk = :upk");
        values.insert(":upk".into(), s(account_pk(account)));
    } else {
        remove.push("users_pk");
    }
    match change.due {
        Due::Keep => {}
        // The item keeps the shard it was created with. Only an item a release before shards created
        // lacks one; the legacy partition, which the sweep reads too, is where such items live.
        Due::At(t) => {
            set.push("due_pk = if_not_exists(due_pk, :duepk), due_at = :due");
            values.insert(":duepk".into(), s(due_partition(DueShard::Legacy)));
            values.insert(":due".into(), n(t.millis()));
        }
        Due::Clear => remove.push("due_at"),
    }
    match change.handed_on {
        Handed::Keep => {}
        Handed::To(t) => {
            set.push("handed_on = :ho");
            values.insert(":ho".into(), n(t.millis()));
        }
        Handed::Clear => remove.push("handed_on"),
    }
    let mut update = format!("SET {}", set.join(", "));
    if !remove.is_empty() {
        update.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    update
}

pub(super) fn expressions(account: &AccountId, write: &Transition) -> Expressions {
    let mut values = HashMap::new();
    let mut names = HashMap::from([("#status".to_owned(), "status".to_owned())]);
    let condition = condition(&write.expect, &mut values, &mut names);
    let write_id = new_write_id();
    let update = update(account, &write.change, &write_id, &mut values, &mut names);
    Expressions { condition, update, names, values, write_id }
}

impl DynamoStore {
    pub(super) async fn conditional_update(
        &self,
        account: &AccountId,
        id: InvitationId,
        write: &Transition,
    ) -> StoreResult<UpdateOutcome> {
        if write.frees_seat() {
            return self.update_freeing_seat(account, id, write).await;
        }
        let e = expressions(account, write);
        let write_id = e.write_id;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(invitation_key(account, id)))
            .condition_expression(e.condition)
            .update_expression(e.update)
            .set_expression_attribute_names(Some(e.names))
            .set_expression_attribute_values(Some(e.values))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => Ok(UpdateOutcome::Updated(from_item(
                out.attributes().ok_or_else(|| StoreError::Corrupt("update returned no attributes".into()))?,
            )?)),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(c) => match c.item() {
                    None => Ok(UpdateOutcome::NotFound),
                    // The SDK's retry of this very write, whose first answer was lost.
                    Some(item) if written_by(item, "write_id", &write_id) => {
                        Ok(UpdateOutcome::Updated(from_item(item)?))
                    }
                    Some(item) => Ok(UpdateOutcome::Mismatch(from_item(item)?)),
                },
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }
}

impl DynamoStore {
    /// A write that closes an open invitation, and its seat given back, in one transaction. A transaction
    /// answers no item, so the closed invitation is read after it (strongly consistent: closed for good,
    /// it is what was written, or a later SES report on it).
    async fn update_freeing_seat(
        &self,
        account: &AccountId,
        id: InvitationId,
        write: &Transition,
    ) -> StoreResult<UpdateOutcome> {
        let items = vec![self.update_item(account, id, write), self.seat_move(account, SeatMove::Free)];
        let Some(reasons) = self.transact(items).await? else {
            let closed = self.get_invitation(account, id).await?;
            return closed
                .map(UpdateOutcome::Updated)
                .ok_or_else(|| StoreError::Corrupt("a closed invitation vanished".into()));
        };
        match reasons.first() {
            Some(r) if failed_check(r) => match r.item() {
                None => Ok(UpdateOutcome::NotFound),
                Some(item) => Ok(UpdateOutcome::Mismatch(from_item(item)?)),
            },
            _ => Err(StoreError::Unavailable("the write kept colliding with others on the account's seats".into())),
        }
    }
}
