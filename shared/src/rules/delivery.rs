//! Recording what SES reports of an email: one conditional write, for the invitation's latest send
//! only. Both stores apply [`Report::matches`] and [`Report::apply`] (DynamoDB as the same condition),
//! so an event of an older send never overwrites a newer one, and a repeated event writes nothing.
use crate::domain::{Delivery, Invitation};

/// The write one SES event makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub delivery: Delivery,
}

pub fn report(delivery: Delivery) -> Report {
    Report { delivery }
}

impl Report {
    /// The email is the invitation's latest: one SES accepted and counted (`send_count`), or the one
    /// being sent now, whose count SES's first events can overtake. And the report is newer than the
    /// one stored: a later send, a later stage of the same send, or the same stage seen later.
    pub fn matches(&self, inv: &Invitation) -> bool {
        let d = &self.delivery;
        let latest = inv.send_count <= d.send && d.send <= inv.next_send();
        let newer = inv.delivery.as_ref().is_none_or(|old| (old.order(), old.at) < (d.order(), d.at));
        latest && newer
    }

    /// Sets the report and nothing else: no status, no due time, not `updated_at`, which the rules'
    /// timeouts count from.
    pub fn apply(&self, inv: &mut Invitation) {
        inv.delivery = Some(self.delivery.clone());
    }
}
