//! The `delivery` function's entry: an SES event from EventBridge becomes one report on its
//! invitation. An event this service cannot use (not SES's, another configuration set's, an email
//! without its tags, an unknown invitation, a body that does not read) is logged and answered as
//! done, so Lambda does not retry what would fail again; only a store that is unavailable fails the
//! invocation, which Lambda's asynchronous retries then carry (docs/delivery.md).
mod parse;

pub use parse::{parse, Dropped, Reported};

use super::invocation;
use crate::ports::StoreError;
use crate::service::delivery::{record, Recorded};
use crate::service::Deps;
use serde::Serialize;

/// What became of one event, as the function answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub outcome: &'static str,
}

/// Records the SES event in `body` for `configuration_set`'s emails.
pub async fn handle(deps: &Deps, configuration_set: &str, body: &[u8]) -> Result<Outcome, StoreError> {
    let reported = match parse(body, configuration_set) {
        Ok(reported) => reported,
        Err(dropped) => {
            let reason = match dropped {
                Dropped::Ignored => "ignored",
                Dropped::ForeignSet => "foreign_configuration_set",
                _ => "unusable",
            };
            tracing::warn!(reason, error = %dropped, "SES event dropped");
            return Ok(Outcome { outcome: reason });
        }
    };
    let Reported { about, delivery } = reported;
    let done = record(deps, &about.account, about.invitation, delivery).await?;
    if done.recorded == Recorded::Unknown {
        tracing::warn!(invitation = %about.invitation, "SES event of an unknown invitation dropped");
    }
    if done.paused.is_some() {
        // SendingPausedAlarm watches this count: an account paused is for an operator to look at.
        println!("{}", invocation::metrics("delivery", deps.clock.now(), &[("SendingPaused", 1)]));
    }
    Ok(Outcome { outcome: done.recorded.as_str() })
}
