//! The reputation guard's use cases: SES's reports counted into their account's record, the account
//! paused when its record crosses the guard, the pause checked before anything is sent on a caller's
//! word, and lifted by an owner. Sending itself reads and writes nothing of it.
use super::{Authorized, Deps};
use crate::domain::{AccountId, Counted, Delivery, Hour, Pause, Tally};
use crate::ports::StoreError;
use crate::rules::reputation::Guard;

/// An account's sending paused by the guard: nothing new is sent for it until an owner resumes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sending is paused for this account: {0}; an owner can resume it")]
pub struct Paused(pub Pause);

/// Adds what `report` counts to its account's record (one write; nothing for what SES does not count),
/// and after a bounce or a complaint weighs the record (one query). `Some`: this report paused the
/// account.
pub async fn count(deps: &Deps, account: &AccountId, report: &Delivery) -> Result<Option<Pause>, StoreError> {
    let Some(what) = Counted::of(report) else { return Ok(None) };
    let now = deps.clock.now();
    deps.store.count(account, Hour::of(report.at.min(now)), what).await?;
    if what == Counted::Send {
        // A send only lowers the rates.
        return Ok(None);
    }
    let tally = deps.store.tally(account, Guard::window_start(now)).await?;
    let Some(pause) = deps.policy.guard.assess(tally, now) else { return Ok(None) };
    Ok(deps.store.pause(account, &pause).await?.then_some(pause))
}

/// Before an invite or a resend: one read.
pub async fn check(deps: &Deps, account: &AccountId) -> Result<Result<(), Paused>, StoreError> {
    Ok(deps.store.paused(account).await?.map_or(Ok(()), |p| Err(Paused(p))))
}

/// An account's sending as an inviter sees it: its pause, if any, and its record now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sending {
    pub pause: Option<Pause>,
    pub recent: Tally,
    pub guard: Guard,
}

pub async fn sending(deps: &Deps, auth: &Authorized) -> Result<Sending, StoreError> {
    let now = deps.clock.now();
    let pause = deps.store.paused(auth.account()).await?;
    let recent = deps.store.tally(auth.account(), Guard::window_start(now)).await?;
    Ok(Sending { pause, recent, guard: deps.policy.guard })
}

#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error("only the account's owner may resume its sending")]
    NotOwner,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Lifts the account's pause and starts its record afresh, so the bounces that tripped the guard do not
/// trip it again at the next report. The pause lifted, if there was one.
pub async fn resume(deps: &Deps, auth: &Authorized) -> Result<Option<Pause>, ResumeError> {
    if !auth.caller().is_owner() {
        return Err(ResumeError::NotOwner);
    }
    let lifted = deps.store.resume(auth.account()).await?;
    if let Some(p) = &lifted {
        tracing::info!(account = %auth.account(), cause = p.cause.as_str(), rate = %p.rate, "sending resumed");
    }
    Ok(lifted)
}
