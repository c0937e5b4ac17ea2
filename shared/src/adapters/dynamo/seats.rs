//! An account's seats, kept on its settings item (`settings`): `seat_limit` as the owner's last write set
//! it, `used` (members and open invitations) and `pending` (open invitations). Each write that takes or
//! gives back a seat moves them in the transaction that writes the invitation or the member, so the count
//! is never a step behind; a create takes its seat only while `used` is below `seat_limit`. DynamoDB
//! cannot add in a condition, hence `used` beside `pending` rather than `active`.
use super::{n, settings_key, DynamoStore, Item};
use crate::domain::{AccountId, Seats};
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use std::collections::HashMap;

/// How a write moves an account's seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SeatMove {
    /// A new open invitation takes a free seat.
    Take,
    /// An open invitation closes without a member.
    Free,
    /// An invitation is accepted: its seat is the member's.
    Join,
    /// A member is removed.
    Leave,
}

impl DynamoStore {
    /// The seat item's part of a transaction.
    pub(super) fn seat_move(&self, account: &AccountId, seat: SeatMove) -> TransactWriteItem {
        let (used, pending) = match seat {
            SeatMove::Take => (1, 1),
            SeatMove::Free => (-1, -1),
            SeatMove::Join => (0, -1),
            SeatMove::Leave => (-1, 0),
        };
        let mut adds = Vec::new();
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        for (name, by) in [("used", used), ("pending", pending)] {
            if by != 0 {
                adds.push(format!("#{name} :{name}"));
                names.insert(format!("#{name}"), name.to_owned());
                values.insert(format!(":{name}"), n(by));
            }
        }
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(settings_key(account)))
            .update_expression(format!("ADD {}", adds.join(", ")));
        if seat == SeatMove::Take {
            names.insert("#limit".into(), "seat_limit".into());
            update = update
                .condition_expression("attribute_not_exists(#limit) OR attribute_not_exists(#used) OR #used < #limit");
        }
        let update = update
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .expect("key, expressions and table are set");
        TransactWriteItem::builder().update(update).build()
    }
}

/// The seats an account's settings item holds; none taken when it does not exist yet.
pub(super) fn seats_of(item: Option<&Item>) -> Seats {
    let number = |k: &str| {
        item.and_then(|i| i.get(k)).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0)
    };
    let (used, pending) = (number("used"), number("pending"));
    let limit = item.and_then(|i| i.get("seat_limit")).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok());
    // Never below zero, even for invitations made before seats were counted and closed since.
    Seats { limit, active: (used - pending).max(0) as u64, pending: pending.max(0) as u64 }
}
