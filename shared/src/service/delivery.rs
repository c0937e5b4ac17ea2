//! Recording what SES reported of an invitation's email: one conditional write, which a report of an
//! older send or a repeat leaves undone. Nothing is read first.
use super::Deps;
use crate::domain::{AccountId, Delivery, InvitationId};
use crate::ports::store::UpdateOutcome;
use crate::ports::StoreError;
use crate::rules;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The invitation now shows this report.
    Recorded,
    /// A report of an older send, or no newer than the one it shows: nothing changed.
    Stale,
    /// No such invitation (removed, or never this deployment's).
    Unknown,
}

impl Recorded {
    pub fn as_str(self) -> &'static str {
        match self {
            Recorded::Recorded => "recorded",
            Recorded::Stale => "stale",
            Recorded::Unknown => "unknown_invitation",
        }
    }
}

pub async fn record(
    deps: &Deps,
    account: &AccountId,
    invitation: InvitationId,
    delivery: Delivery,
) -> Result<Recorded, StoreError> {
    let (status, send) = (delivery.status, delivery.send);
    let outcome = match deps.store.report(account, invitation, &rules::report(delivery)).await? {
        UpdateOutcome::Updated(_) => Recorded::Recorded,
        UpdateOutcome::Mismatch(_) => Recorded::Stale,
        UpdateOutcome::NotFound => Recorded::Unknown,
    };
    tracing::info!(invitation = %invitation, send, delivery = %status, outcome = outcome.as_str(), "delivery report");
    Ok(outcome)
}
