//! DynamoDB adapter. One table holds every item:
//! - an invitation: `pk` = `ACCOUNT#<account>`, `sk` = `INV#<id>` (ids sort by creation time);
//! - a slot per (account, email), `sk` = `OPEN#<email>`, naming the address's latest invitation; the
//!   create transaction writes both, so two racing invites of one address cannot both open one;
//! - a member, `sk` = `MEMBER#<user id>`, written with its invitation's acceptance in one transaction;
//! - the user directory, `pk` = `USER#<user id>`, `sk` = `DIRECTORY`: the address a user accepted with;
//! - an idempotency record, `pk` = `IDEMP#<account>`, removed by the table's TTL;
//! - the send schedule, `pk` = `PACE` (`pace`): the next free send slot of the account's SES quota;
//! - each account's sending record and pause, `pk` = `SENDING#<account>` (`reputation`);
//! - an account's settings and its seats, `pk` = `ACCOUNT#<account>`, `sk` = `SETTINGS` (`settings`,
//!   `seats`), in no index.
//!
//! Every state change is one conditional `UpdateItem` (or, when it gives a seat back, one transaction)
//! whose failure returns the old item, so "not found" and "wrong state" are told apart in the same
//! call. The files: `item` maps invitations to items, `create` the create transaction, `write` the
//! conditional update, `seats` the account's seats, `query` the list and due-index
//! reads, `members` the accept transaction and member reads, `idempotency` the key records, `answers`
//! the answers they keep, `pace` the send schedule and `report` what SES reported of an email; `image`
//! reads a stream record's images for the lifecycle events.
mod answers;
mod create;
mod delivery_attrs;
mod idempotency;
pub mod image;
mod item;
mod members;
mod pace;
mod query;
mod report;
mod reputation;
mod seats;
mod settings;
mod write;

use crate::domain::{AccountId, Email, Invitation, InvitationId, Status, Timestamp};
use crate::ports::store::{
    CreateOutcome, DueKey, DuePage, DueShard, DueShards, InvitationStore, ListQuery, Page, StoreError, StoreResult,
    UpdateOutcome,
};
use crate::rules::{Report, Transition};
use async_trait::async_trait;
use aws_sdk_dynamodb::{
    error::SdkError,
    operation::transact_write_items::TransactWriteItemsError,
    types::{AttributeValue, CancellationReason, TransactWriteItem},
    Client,
};
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

/// Names the code and `template.yaml` share; the tests create the table from the template.
pub const EMAIL_INDEX: &str = "by_email";
/// The sparse index of open invitations by the time the sweep next has work on them (`due_at`), spread
/// over shards (`due_pk`, [`due_partition`]).
pub const DUE_INDEX: &str = "due";
/// The sparse index of an account's Users list: members and open invitations (`users_pk`), by address
/// (`users_sk`).
pub const USERS_INDEX: &str = "users";

pub struct DynamoStore {
    client: Client,
    table: String,
    due_shards: DueShards,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into(), due_shards: DueShards::DEFAULT }
    }

    /// New invitations' due entries go to one of `shards`; the sweep reads every shard whatever the count.
    pub fn with_due_shards(self, shards: DueShards) -> Self {
        Self { due_shards: shards, ..self }
    }
}

/// The `due_pk` value of a shard. `due`, the one value before shards, stays the legacy partition's.
pub fn due_partition(shard: DueShard) -> String {
    match shard {
        DueShard::Legacy => "due".into(),
        DueShard::Shard(i) => format!("due#{i}"),
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

const SETTINGS_SK: &str = "SETTINGS";

/// The item of an account's settings and seats.
fn settings_key(account: &AccountId) -> Item {
    HashMap::from([("pk".into(), s(account_pk(account))), ("sk".into(), s(SETTINGS_SK))])
}

fn invitation_key(account: &AccountId, id: InvitationId) -> Item {
    HashMap::from([("pk".into(), s(account_pk(account))), ("sk".into(), s(invitation_sk(id)))])
}

/// A fresh mark for one write. A write stores its mark on the item, so when the SDK sends it again after
/// its answer was lost (a timeout, a reset connection) and the condition fails against the write itself,
/// the item returned tells our own write from another writer's.
fn new_write_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Whether `item` holds the write marked `id` under `attribute`.
fn written_by(item: &Item, attribute: &str, id: &str) -> bool {
    item.get(attribute).and_then(|v| v.as_s().ok()).is_some_and(|w| w == id)
}

fn unavailable<E: std::error::Error + Send + Sync + 'static>(e: E) -> StoreError {
    StoreError::Unavailable(Box::new(e))
}

/// `#status IN (…)` with one value placeholder per status, named from `prefix`.
fn status_in(values: &mut Item, prefix: &str, statuses: &[Status]) -> String {
    let names: Vec<&str> = statuses.iter().map(|st| st.as_str()).collect();
    strings_in(values, prefix, "#status", &names)
}

/// `attribute IN (…)` with one value placeholder per string, named from `prefix`.
fn strings_in(values: &mut Item, prefix: &str, attribute: &str, strings: &[&str]) -> String {
    let placeholders: Vec<String> = strings
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let name = format!("{prefix}{i}");
            values.insert(name.clone(), s(*v));
            name
        })
        .collect();
    format!("{attribute} IN ({})", placeholders.join(", "))
}

impl DynamoStore {
    /// One transaction; `Some` with each item's reason when DynamoDB cancelled it. One cancelled only
    /// because another transaction held one of its items (an account's seats, which every invitation
    /// of the account shares) wrote nothing and is sent again after a jittered, growing pause; one that
    /// still collides after that comes back cancelled, and the caller treats it as moved.
    pub(super) async fn transact(&self, items: Vec<TransactWriteItem>) -> StoreResult<Option<Vec<CancellationReason>>> {
        let mut attempt = 0;
        loop {
            let sent = self.client.transact_write_items().set_transact_items(Some(items.clone())).send().await;
            let reasons = match sent {
                Ok(_) => return Ok(None),
                Err(SdkError::ServiceError(e)) => match e.into_err() {
                    TransactWriteItemsError::TransactionCanceledException(c) => {
                        c.cancellation_reasons.unwrap_or_default()
                    }
                    other => return Err(unavailable(other)),
                },
                Err(e) => return Err(unavailable(e)),
            };
            let collided =
                reasons.iter().any(|r| r.code() == Some("TransactionConflict")) && !reasons.iter().any(failed_check);
            if !collided || attempt == COLLISION_RETRIES {
                return Ok(Some(reasons));
            }
            attempt += 1;
            let ms = 8u64 << attempt.min(5);
            tokio::time::sleep(std::time::Duration::from_millis(ms / 2 + rand::random_range(0..=ms))).await;
        }
    }
}

/// How often a transaction that only collided with others is sent again: about 2.5 s of pauses in all,
/// enough for a few dozen writers of one account's seats at once.
const COLLISION_RETRIES: u32 = 12;

/// A transaction item whose condition failed.
pub(super) fn failed_check(r: &CancellationReason) -> bool {
    r.code() == Some("ConditionalCheckFailed")
}

#[async_trait]
impl InvitationStore for DynamoStore {
    async fn create_checked(&self, inv: &Invitation, refuse_undeliverable: bool) -> StoreResult<CreateOutcome> {
        self.create_invitation(inv, refuse_undeliverable).await
    }

    async fn update(&self, account: &AccountId, id: InvitationId, write: &Transition) -> StoreResult<UpdateOutcome> {
        self.conditional_update(account, id, write).await
    }

    async fn report(&self, account: &AccountId, id: InvitationId, report: &Report) -> StoreResult<UpdateOutcome> {
        self.report_delivery(account, id, report).await
    }

    async fn get(&self, account: &AccountId, id: InvitationId) -> StoreResult<Option<Invitation>> {
        self.get_invitation(account, id).await
    }

    async fn list(&self, account: &AccountId, query: &ListQuery) -> StoreResult<Page> {
        self.list_page(account, query).await
    }

    async fn due(&self, now: Timestamp, shard: DueShard, after: Option<DueKey>, limit: u32) -> StoreResult<DuePage> {
        self.due_page(now, shard, after, limit).await
    }

    fn longest_write(&self) -> std::time::Duration {
        super::aws::DYNAMODB_OPERATION_TIMEOUT
    }
}

#[async_trait]
impl crate::ports::SendSlots for DynamoStore {
    async fn reserve_slots(
        &self,
        schedule: crate::ports::Schedule<'_>,
        n: u32,
        interval: std::time::Duration,
        now: Timestamp,
        last: Option<Timestamp>,
    ) -> StoreResult<crate::ports::Reserved> {
        self.reserve(schedule, n, interval, now, last).await
    }

    async fn reclaim_slot(&self, slot: Timestamp, interval: std::time::Duration, now: Timestamp) -> StoreResult<bool> {
        self.reclaim(slot, interval, now).await
    }
}
