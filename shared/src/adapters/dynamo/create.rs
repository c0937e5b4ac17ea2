//! The create transaction: a new invitation, its (account, email) slot and its seat in one
//! `TransactWriteItems`. A fresh address takes a free slot; a re-invite replaces the slot of a closed
//! invitation, checking in the same transaction that it is closed, or of an open one past its expiry,
//! expiring it in the same transaction (`rules::supersede`), which hands its seat on. The others take a
//! seat (`seats`), and fail whole when the account has none free.
use super::item::{from_item, to_item};
use super::seats::SeatMove;
use super::{account_pk, failed_check, invitation_key, s, slot_sk, status_in, DynamoStore};
use crate::domain::{Invitation, InvitationId, Status};
use crate::ports::store::{CreateOutcome, StoreError, StoreResult};
use crate::rules::{self, Transition};
use aws_sdk_dynamodb::types::{ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem};
use std::collections::HashMap;
use std::time::Duration;

/// Transactions that collide with another transaction on the same items are retried this often.
const CONFLICT_RETRIES: u32 = 8;

/// How a create transaction ended. Lives for one attempt, so its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Attempt {
    Done(CreateOutcome),
    /// The slot names this invitation as the latest for the address.
    SlotTaken(Option<InvitationId>),
    /// The slot's invitation is open but expired by the new one's creation.
    Superseded,
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
            .set_item(Some(to_item(inv, self.due_shards)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .expect("item and table are set");
        TransactWriteItem::builder().put(put).build()
    }

    /// The seat a new invitation takes: an open one's (every one the service makes; only a seeded
    /// sample is stored closed).
    fn seat_taken(&self, inv: &Invitation) -> Option<TransactWriteItem> {
        inv.status.is_open().then(|| self.seat_move(&inv.account_id, SeatMove::Take))
    }

    /// First try: the address has never been invited in this account.
    async fn create_fresh(&self, inv: &Invitation) -> StoreResult<Attempt> {
        let slot = TransactWriteItem::builder().put(self.slot_put(inv, "attribute_not_exists(pk)")).build();
        let mut items = vec![slot, self.invitation_put(inv)];
        items.extend(self.seat_taken(inv));
        let Some(reasons) = self.transact(items).await? else {
            return Ok(Attempt::Done(CreateOutcome::Created));
        };
        match (reasons.first(), reasons.get(2)) {
            (Some(r), _) if failed_check(r) => {
                let latest = r.item().and_then(|i| i.get("invitation_id")).and_then(|v| v.as_s().ok());
                Ok(Attempt::SlotTaken(latest.and_then(|id| InvitationId::parse(id).ok())))
            }
            (_, Some(seat)) if failed_check(seat) => Ok(Attempt::Done(CreateOutcome::SeatLimitReached)),
            _ => Ok(Attempt::Retry),
        }
    }

    /// The slot, taken over from `latest` only if it still names it.
    fn slot_replacing(&self, inv: &Invitation, latest: InvitationId) -> TransactWriteItem {
        let mut slot = self.slot_put(inv, "invitation_id = :latest");
        slot.expression_attribute_values = Some(HashMap::from([(":latest".to_owned(), s(latest.to_string()))]));
        TransactWriteItem::builder().put(slot).build()
    }

    /// Second try: replace the slot's closed invitation, checking in the same transaction that it is closed.
    async fn create_replacing(
        &self,
        inv: &Invitation,
        latest: InvitationId,
        supersede: &Transition,
    ) -> StoreResult<Attempt> {
        let mut values = HashMap::new();
        let closed = status_in(&mut values, ":r", &Status::REINVITABLE);
        let deliverable = if supersede.expect.deliverable { " AND attribute_not_exists(undeliverable)" } else { "" };
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(invitation_key(&inv.account_id, latest)))
            .condition_expression(format!("attribute_not_exists(pk) OR ({closed}{deliverable})"))
            .expression_attribute_names("#status", "status")
            .set_expression_attribute_values(Some(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .expect("key, condition and table are set");
        let mut items = vec![
            TransactWriteItem::builder().condition_check(check).build(),
            self.slot_replacing(inv, latest),
            self.invitation_put(inv),
        ];
        items.extend(self.seat_taken(inv));
        let Some(reasons) = self.transact(items).await? else {
            return Ok(Attempt::Done(CreateOutcome::Created));
        };
        match reasons.first() {
            _ if !reasons.iter().take(3).any(failed_check) && reasons.get(3).is_some_and(failed_check) => {
                Ok(Attempt::Done(CreateOutcome::SeatLimitReached))
            }
            Some(r) if failed_check(r) => {
                let current = r.item().ok_or_else(|| StoreError::Corrupt("condition failure without item".into()))?;
                let current = from_item(current)?;
                Ok(if current.status == Status::Accepted {
                    Attempt::Done(CreateOutcome::AlreadyMember(current))
                } else if supersede.expect.deliverable && current.undeliverable() {
                    Attempt::Done(CreateOutcome::Undeliverable(current))
                } else if supersede.expect.matches(&current) {
                    Attempt::Superseded
                } else {
                    Attempt::Done(CreateOutcome::AlreadyOpen(current))
                })
            }
            _ => Ok(Attempt::Retry),
        }
    }

    /// Third try: expire the slot's open invitation, past its expiry, and take the slot, in one transaction.
    /// Its update's conditions are the rule's, so an invitation that moved meanwhile fails it: start again.
    async fn create_superseding(
        &self,
        inv: &Invitation,
        latest: InvitationId,
        supersede: &Transition,
    ) -> StoreResult<Attempt> {
        let items = vec![
            self.update_item(&inv.account_id, latest, supersede),
            self.slot_replacing(inv, latest),
            self.invitation_put(inv),
        ];
        Ok(match self.transact(items).await? {
            None => Attempt::Done(CreateOutcome::Created),
            Some(_) => Attempt::Retry,
        })
    }
}

impl DynamoStore {
    pub(super) async fn create_invitation(
        &self,
        inv: &Invitation,
        refuse_undeliverable: bool,
    ) -> StoreResult<CreateOutcome> {
        // The superseded invitation's write, and the check of a closed one, carry the refusal.
        let mut supersede = rules::supersede(inv);
        supersede.expect.deliverable = refuse_undeliverable;
        for attempt in 0..CONFLICT_RETRIES {
            if attempt > 0 {
                // Jittered, growing pause so racing writers stop colliding.
                let ms = 10u64 << attempt.min(5);
                tokio::time::sleep(Duration::from_millis(ms / 2 + rand::random_range(0..=ms))).await;
            }
            let outcome = match self.create_fresh(inv).await? {
                Attempt::SlotTaken(Some(latest)) => match self.create_replacing(inv, latest, &supersede).await? {
                    Attempt::Superseded => self.create_superseding(inv, latest, &supersede).await?,
                    other => other,
                },
                Attempt::SlotTaken(None) => return Err(StoreError::Corrupt("slot item without invitation_id".into())),
                other => other,
            };
            if let Attempt::Done(done) = outcome {
                return Ok(done);
            }
        }
        Err(StoreError::Unavailable("invitation create kept colliding with concurrent writes".into()))
    }
}
