//! Recording what SES reported of an invitation's email: one conditional write, which a report of an
//! older send or a repeat leaves undone. Nothing is read first. A report recorded is then counted in
//! its account's sending record ([`super::reputation`]); one left undone is not counted twice.
use super::{reputation, Deps};
use crate::domain::{AccountId, Delivery, InvitationId, Pause};
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

/// What one report did: to its invitation, and to its account's sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub recorded: Recorded,
    /// Set when this report paused its account's sending.
    pub paused: Option<Pause>,
}

pub async fn record(
    deps: &Deps,
    account: &AccountId,
    invitation: InvitationId,
    delivery: Delivery,
) -> Result<Outcome, StoreError> {
    let (status, send) = (delivery.status, delivery.send);
    let recorded = match deps.store.report(account, invitation, &rules::report(delivery.clone())).await? {
        UpdateOutcome::Updated(_) => Recorded::Recorded,
        UpdateOutcome::Mismatch(_) => Recorded::Stale,
        UpdateOutcome::NotFound => Recorded::Unknown,
    };
    tracing::info!(invitation = %invitation, send, delivery = %status, outcome = recorded.as_str(), "delivery report");
    let paused = match recorded {
        Recorded::Recorded => reputation::count(deps, account, &delivery).await?,
        _ => None,
    };
    if let Some(p) = &paused {
        tracing::warn!(account = %account, cause = p.cause.as_str(), rate = %p.rate, limit = %p.limit, "sending paused");
    }
    Ok(Outcome { recorded, paused })
}
