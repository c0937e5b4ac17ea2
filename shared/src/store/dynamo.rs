//! DynamoDB adapter. One item per invitation (`pk` = account, `sk` = `INV#id`) plus one slot item per
//! (account, email) naming its latest invitation; a transaction writes both, so two racing invites of one
//! address cannot both open an invitation. Every state change is one conditional `UpdateItem` whose
//! failure returns the old item, so "not found" and "wrong state" are told apart in the same call.
use super::*;
use crate::domain::{Access, Email};
use crate::service::idempotency::{Claim, IdempotencyStore, Saved, Scope, CLAIM_LEASE, RETENTION};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::{
    error::SdkError,
    operation::{transact_write_items::TransactWriteItemsError, update_item::UpdateItemError},
    types::{
        AttributeValue, CancellationReason, ConditionCheck, Put, ReturnValue, ReturnValuesOnConditionCheckFailure,
        TransactWriteItem,
    },
    Client,
};
use std::collections::HashMap;
use std::time::Duration;

type Item = HashMap<String, AttributeValue>;

/// Names the code and `template.yaml` share; the tests create the table from the template.
pub const EMAIL_INDEX: &str = "by_email";
/// The sparse index of open invitations by the time the sweep next has work on them. One partition:
/// its writes follow invitation changes, far below a partition's throughput.
pub const DUE_INDEX: &str = "due";
const DUE_PARTITION: &str = "due";

pub struct DynamoStore {
    client: Client,
    table: String,
}

/// Transactions that collide with another transaction on the same items are retried this often.
const CONFLICT_RETRIES: u32 = 8;

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn account_pk(account: &AccountId) -> String {
    format!("ACCOUNT#{account}")
}

fn invitation_sk(id: InvitationId) -> String {
    format!("INV#{id}")
}

fn slot_sk(email: &Email) -> String {
    format!("OPEN#{}", email.as_str())
}

/// `#` never occurs in an account id, so this key cannot collide across accounts.
fn email_key(account: &AccountId, email: &Email) -> String {
    format!("{account}#{}", email.as_str())
}

fn invitation_key(account: &AccountId, id: InvitationId) -> Item {
    HashMap::from([("pk".into(), s(account_pk(account))), ("sk".into(), s(invitation_sk(id)))])
}

fn unavailable<E: std::error::Error + Send + Sync + 'static>(e: E) -> StoreError {
    StoreError::Unavailable(Box::new(e))
}

fn to_item(inv: &Invitation) -> Item {
    let mut item = invitation_key(&inv.account_id, inv.id);
    item.insert("id".into(), s(inv.id.to_string()));
    item.insert("account_id".into(), s(inv.account_id.as_str()));
    item.insert("email".into(), s(inv.email.as_str()));
    item.insert("email_key".into(), s(email_key(&inv.account_id, &inv.email)));
    item.insert("status".into(), s(inv.status.as_str()));
    item.insert("access".into(), s(serde_json::to_string(&inv.access).unwrap_or_default()));
    item.insert("invited_by".into(), s(&inv.invited_by));
    if let Some(e) = &inv.inviter_email {
        item.insert("inviter_email".into(), s(e));
    }
    item.insert("created_at".into(), n(inv.created_at.millis()));
    item.insert("updated_at".into(), n(inv.updated_at.millis()));
    if let Some(t) = inv.last_sent_at {
        item.insert("last_sent_at".into(), n(t.millis()));
    }
    item.insert("send_count".into(), n(inv.send_count));
    item.insert("expires_at".into(), n(inv.expires_at.millis()));
    item.insert("token_hash".into(), s(inv.token_hash.as_str()));
    if let Some(t) = inv.due_at {
        item.insert("due_pk".into(), s(DUE_PARTITION));
        item.insert("due_at".into(), n(t.millis()));
    }
    item
}

fn from_item(item: &Item) -> Result<Invitation, StoreError> {
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
        inviter_email: get_s("inviter_email"),
        created_at: Timestamp::from_millis(req_n("created_at")?),
        updated_at: Timestamp::from_millis(req_n("updated_at")?),
        last_sent_at: get_n("last_sent_at").map(Timestamp::from_millis),
        send_count: u32::try_from(req_n("send_count")?).map_err(|_| corrupt("send_count"))?,
        expires_at: Timestamp::from_millis(req_n("expires_at")?),
        token_hash: TokenHash::from_stored(req_s("token_hash")?),
        due_at: get_n("due_at").map(Timestamp::from_millis),
    })
}

/// How a create transaction ended. Lives for one attempt, so its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Attempt {
    Done(CreateOutcome),
    /// The slot names this invitation as the latest for the address.
    SlotTaken(Option<InvitationId>),
    /// Another writer moved the slot or held the items: start again.
    Retry,
}

impl DynamoStore {
    fn slot_put(&self, inv: &Invitation, condition: &str) -> Put {
        Put::builder()
            .table_name(&self.table)
            .item("pk", s(account_pk(&inv.account_id)))
            .item("sk", s(slot_sk(&inv.email)))
            .item("invitation_id", s(inv.id.to_string()))
            .condition_expression(condition)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .expect("pk, sk and table are set")
    }

    fn invitation_put(&self, inv: &Invitation) -> TransactWriteItem {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(inv)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .expect("item and table are set");
        TransactWriteItem::builder().put(put).build()
    }

    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<Option<Vec<CancellationReason>>, StoreError> {
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(None),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                TransactWriteItemsError::TransactionCanceledException(c) => {
                    Ok(Some(c.cancellation_reasons.unwrap_or_default()))
                }
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    /// First try: the address has never been invited in this account.
    async fn create_fresh(&self, inv: &Invitation) -> Result<Attempt, StoreError> {
        let slot = TransactWriteItem::builder().put(self.slot_put(inv, "attribute_not_exists(pk)")).build();
        let Some(reasons) = self.transact(vec![slot, self.invitation_put(inv)]).await? else {
            return Ok(Attempt::Done(CreateOutcome::Created));
        };
        match reasons.first() {
            Some(r) if failed_check(r) => {
                let latest = r.item().and_then(|i| i.get("invitation_id")).and_then(|v| v.as_s().ok());
                Ok(Attempt::SlotTaken(latest.and_then(|id| InvitationId::parse(id).ok())))
            }
            _ => Ok(Attempt::Retry),
        }
    }

    /// Second try: replace the slot's closed invitation, checking in the same transaction that it is closed.
    async fn create_replacing(&self, inv: &Invitation, latest: InvitationId) -> Result<Attempt, StoreError> {
        let mut values = HashMap::new();
        let closed = status_in(&mut values, ":r", &Status::REINVITABLE);
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(invitation_key(&inv.account_id, latest)))
            .condition_expression(format!("attribute_not_exists(pk) OR {closed}"))
            .expression_attribute_names("#status", "status")
            .set_expression_attribute_values(Some(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .expect("key, condition and table are set");
        let mut slot = self.slot_put(inv, "invitation_id = :latest");
        slot.expression_attribute_values = Some(HashMap::from([(":latest".to_owned(), s(latest.to_string()))]));
        let items = vec![
            TransactWriteItem::builder().condition_check(check).build(),
            TransactWriteItem::builder().put(slot).build(),
            self.invitation_put(inv),
        ];
        let Some(reasons) = self.transact(items).await? else {
            return Ok(Attempt::Done(CreateOutcome::Created));
        };
        match reasons.first() {
            Some(r) if failed_check(r) => {
                let current = r.item().ok_or_else(|| StoreError::Corrupt("condition failure without item".into()))?;
                let current = from_item(current)?;
                Ok(Attempt::Done(if current.status == Status::Accepted {
                    CreateOutcome::AlreadyMember(current)
                } else {
                    CreateOutcome::AlreadyOpen(current)
                }))
            }
            _ => Ok(Attempt::Retry),
        }
    }
}

/// `#status IN (…)` with one value placeholder per status, named from `prefix`.
fn status_in(values: &mut Item, prefix: &str, statuses: &[Status]) -> String {
    let placeholders: Vec<String> = statuses
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let name = format!("{prefix}{i}");
            values.insert(name.clone(), s(st.as_str()));
            name
        })
        .collect();
    format!("#status IN ({})", placeholders.join(", "))
}

fn failed_check(r: &CancellationReason) -> bool {
    r.code() == Some("ConditionalCheckFailed")
}

#[async_trait]
impl InvitationStore for DynamoStore {
    async fn create(&self, inv: &Invitation) -> Result<CreateOutcome, StoreError> {
        for attempt in 0..CONFLICT_RETRIES {
            if attempt > 0 {
                // Jittered, growing pause so racing writers stop colliding.
                let ms = 10u64 << attempt.min(5);
                tokio::time::sleep(Duration::from_millis(ms / 2 + rand::random_range(0..=ms))).await;
            }
            let outcome = match self.create_fresh(inv).await? {
                Attempt::SlotTaken(Some(latest)) => self.create_replacing(inv, latest).await?,
                Attempt::SlotTaken(None) => return Err(StoreError::Corrupt("slot item without invitation_id".into())),
                other => other,
            };
            if let Attempt::Done(done) = outcome {
                return Ok(done);
            }
        }
        Err(StoreError::Unavailable("invitation create kept colliding with concurrent writes".into()))
    }

    async fn update(
        &self,
        account: &AccountId,
        id: InvitationId,
        expect: &Expect,
        change: &Change,
    ) -> Result<UpdateOutcome, StoreError> {
        let mut values: Item = HashMap::new();
        let names = HashMap::from([("#status".to_owned(), "status".to_owned())]);
        let mut condition = format!("attribute_exists(pk) AND {}", status_in(&mut values, ":x", expect.statuses));
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
        let mut set = vec!["#status = :st", "updated_at = :at"];
        let mut remove = Vec::new();
        values.insert(":st".into(), s(change.status.as_str()));
        values.insert(":at".into(), n(change.at.millis()));
        if let Some(h) = &change.token_hash {
            set.push("token_hash = :th");
            values.insert(":th".into(), s(h.as_str()));
        }
        if change.attempt {
            set.push("send_count = send_count + :one");
            values.insert(":one".into(), n(1));
        }
        if change.sent {
            set.push("last_sent_at = :at");
        }
        match change.due {
            Due::Keep => {}
            Due::At(t) => {
                set.push("due_pk = :duepk, due_at = :due");
                values.insert(":duepk".into(), s(DUE_PARTITION));
                values.insert(":due".into(), n(t.millis()));
            }
            Due::Clear => remove.push("due_pk, due_at"),
        }
        let mut update = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            update.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(invitation_key(account, id)))
            .condition_expression(condition)
            .update_expression(update)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
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
                    Some(item) => Ok(UpdateOutcome::Mismatch(from_item(item)?)),
                },
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn list(&self, account: &AccountId, query: &ListQuery) -> Result<Page, StoreError> {
        /// A page of sparse matches may take several queries; past this many it returns short, with a cursor.
        const MAX_QUERIES_PER_PAGE: usize = 10;
        let limit = query.limit.max(1) as usize;
        let mut values: Item = HashMap::new();
        let mut names: HashMap<String, String> = HashMap::new();
        let (index, key_condition, start) = match &query.email {
            Some(email) => {
                values.insert(":ek".into(), s(email_key(account, email)));
                let start = query.after.map(|after| {
                    let mut k = invitation_key(account, after);
                    k.insert("email_key".into(), s(email_key(account, email)));
                    k
                });
                (Some(EMAIL_INDEX), "email_key = :ek", start)
            }
            None => {
                values.insert(":pk".into(), s(account_pk(account)));
                values.insert(":inv".into(), s("INV#"));
                (None, "pk = :pk AND begins_with(sk, :inv)", query.after.map(|after| invitation_key(account, after)))
            }
        };
        let filter = query.statuses.as_ref().map(|statuses| {
            names.insert("#status".into(), "status".into());
            status_in(&mut values, ":f", statuses)
        });
        let mut items = Vec::new();
        let mut start = start;
        for _ in 0..MAX_QUERIES_PER_PAGE {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(index.map(str::to_owned))
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
            for item in out.items() {
                items.push(from_item(item)?);
            }
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

    async fn due(&self, now: Timestamp, after: Option<DueKey>, limit: u32) -> Result<DuePage, StoreError> {
        let start = after.map(|k| {
            let mut key = invitation_key(&k.account, k.id);
            key.insert("due_pk".into(), s(DUE_PARTITION));
            key.insert("due_at".into(), n(k.due_at.millis()));
            key
        });
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(DUE_INDEX)
            .key_condition_expression("due_pk = :d AND due_at <= :now")
            .expression_attribute_values(":d", s(DUE_PARTITION))
            .expression_attribute_values(":now", n(now.millis()))
            .limit(limit.max(1) as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(unavailable)?;
        let items = out.items().iter().map(from_item).collect::<Result<Vec<_>, _>>()?;
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
        Ok(DuePage { items, next, read })
    }
}

fn key_record_key(scope: &Scope<'_>) -> Item {
    HashMap::from([
        ("pk".into(), s(format!("IDEMP#{}", scope.account))),
        ("sk".into(), s(format!("KEY#{}", scope.key.as_str()))),
    ])
}

/// Idempotency records live in the same table (pk `IDEMP#<account>`), removed by its TTL (`ttl`, epoch
/// seconds) a day after their answer; until DynamoDB deletes one, the condition treats it as gone.
#[async_trait]
impl IdempotencyStore for DynamoStore {
    async fn claim(&self, scope: &Scope<'_>, now: Timestamp) -> Result<Claim, StoreError> {
        let mut item = key_record_key(scope);
        item.insert("fingerprint".into(), s(scope.fingerprint));
        item.insert("lease_until".into(), n(now.plus(CLAIM_LEASE).millis()));
        item.insert("ttl".into(), n(now.plus(RETENTION).millis() / 1000));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(pk) OR #ttl <= :now_s OR (attribute_not_exists(saved_status) AND lease_until <= :now)",
            )
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now_s", n(now.millis() / 1000))
            .expression_attribute_values(":now", n(now.millis()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Claimed),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                PutItemError::ConditionalCheckFailedException(c) => {
                    let item = c.item().ok_or_else(|| StoreError::Corrupt("key record without item".into()))?;
                    let get_s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
                    let fingerprint = get_s("fingerprint").ok_or_else(|| StoreError::Corrupt("key record".into()))?;
                    let status = item.get("saved_status").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok());
                    let saved = match (status, get_s("saved_body")) {
                        (Some(status), Some(body)) => Some(Saved { status, body }),
                        _ => None,
                    };
                    Ok(Claim::Existing { fingerprint, saved })
                }
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn complete(&self, scope: &Scope<'_>, saved: &Saved, now: Timestamp) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_record_key(scope)))
            .update_expression("SET saved_status = :st, saved_body = :b, #ttl = :ttl REMOVE lease_until")
            .condition_expression("fingerprint = :fp AND attribute_not_exists(saved_status)")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":st", n(saved.status))
            .expression_attribute_values(":b", s(&saved.body))
            .expression_attribute_values(":ttl", n(now.plus(RETENTION).millis() / 1000))
            .expression_attribute_values(":fp", s(scope.fingerprint))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Someone took the key over after our lease ran out; their answer stands.
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(())
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn release(&self, scope: &Scope<'_>) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_record_key(scope)))
            .condition_expression("fingerprint = :fp AND attribute_not_exists(saved_status)")
            .expression_attribute_values(":fp", s(scope.fingerprint))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(
                    e.err(),
                    aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException(_)
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}
