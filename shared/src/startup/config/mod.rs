//! Configuration, read once at start from the environment. Every problem names its variable, and all
//! of them are reported at once, so a bad deploy fails at init with one message that says what to fix.
use crate::domain::Rate;
use crate::ports::store::DueShards;
use crate::ports::SendRate;
use crate::rules::reputation::Guard;
use crate::rules::Policy;
use crate::service::MailSettings;
use std::fmt;
use std::time::Duration;
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

/// Every problem found, in the order the variables were read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        write!(f, "configuration: {}", all.join("; "))
    }
}

impl ConfigErrors {
    pub fn vars(&self) -> Vec<&'static str> {
        self.0.iter().map(|e| e.var).collect()
    }
}

/// What a Lambda function needs: its table and its due shards, the rules' knobs, and the mail settings
/// and pacing where it sends.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionConfig {
    pub table: String,
    pub due_shards: DueShards,
    pub policy: Policy,
    pub mail: Option<MailSettings>,
    pub pacing: Option<PacingConfig>,
}

/// Where emails beyond a request's budget are queued (`SEND_QUEUE_URL`), and the rate configured to
/// lower the account's (`SEND_RATE`, emails a second).
#[derive(Debug, Clone, PartialEq)]
pub struct PacingConfig {
    pub queue_url: String,
    pub rate: Option<SendRate>,
}

/// Reads variables through a lookup function, so tests need not touch the process environment.
pub struct Env<F: Fn(&str) -> Option<String>>(pub F);

impl Env<fn(&str) -> Option<String>> {
    pub fn process() -> Self {
        Env(|k| std::env::var(k).ok())
    }
}

/// Keeps the value, or records the error and goes on reading.
fn keep<T>(result: Result<T, ConfigError>, errors: &mut Vec<ConfigError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    fn get(&self, var: &'static str) -> Option<String> {
        (self.0)(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn required(&self, var: &'static str) -> Result<String, ConfigError> {
        self.get(var).ok_or(ConfigError { var, problem: "is required but not set".into() })
    }

    fn duration(&self, var: &'static str, default: Duration) -> Result<Duration, ConfigError> {
        let Some(raw) = self.get(var) else {
            return Ok(default);
        };
        let d = humantime::parse_duration(&raw).map_err(|e| ConfigError {
            var,
            problem: format!("is not a duration like 30s, 72h or 30d ({raw:?}: {e})"),
        })?;
        if d.is_zero() {
            return Err(ConfigError { var, problem: "must be longer than zero".into() });
        }
        Ok(d)
    }

    fn max_sends(&self, default: u32) -> Result<u32, ConfigError> {
        let Some(raw) = self.get("MAX_SENDS") else {
            return Ok(default);
        };
        raw.parse::<u32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or(ConfigError { var: "MAX_SENDS", problem: format!("must be a whole number from 1 to 100 ({raw:?})") })
    }

    pub fn table_name(&self) -> Result<String, ConfigError> {
        let name = self.required("TABLE_NAME")?;
        let ok =
            (3..=255).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !ok {
            return Err(ConfigError { var: "TABLE_NAME", problem: format!("is not a DynamoDB table name ({name:?})") });
        }
        Ok(name)
    }

    /// The EventBridge bus the `events` function publishes to: a bus name or ARN.
    pub fn event_bus(&self) -> Result<String, ConfigError> {
        let bus = self.required("EVENT_BUS_NAME")?;
        let ok =
            (1..=1600).contains(&bus.len()) && bus.chars().all(|c| c.is_ascii_alphanumeric() || "/._-:".contains(c));
        if !ok {
            return Err(ConfigError {
                var: "EVENT_BUS_NAME",
                problem: format!("is not an event bus name or ARN ({bus:?})"),
            });
        }
        Ok(bus)
    }

    /// The configuration set every email names, whose events the `delivery` function records.
    pub fn configuration_set(&self) -> Result<String, ConfigError> {
        let set = self.required("SES_CONFIGURATION_SET")?;
        let ok = (1..=64).contains(&set.len()) && set.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c));
        if !ok {
            return Err(ConfigError {
                var: "SES_CONFIGURATION_SET",
                problem: format!("is not a configuration set name ({set:?})"),
            });
        }
        Ok(set)
    }

    /// How many shards new due entries spread over. Every function writes them, so all read it.
    pub fn due_shards(&self) -> Result<DueShards, ConfigError> {
        let Some(raw) = self.get("DUE_SHARDS") else {
            return Ok(DueShards::DEFAULT);
        };
        raw.parse::<u16>().ok().and_then(DueShards::new).ok_or(ConfigError {
            var: "DUE_SHARDS",
            problem: format!("must be a whole number from 1 to {} ({raw:?})", DueShards::MAX),
        })
    }

    /// A percentage from 0.01 to 100, such as `5` or `0.1%`.
    fn percent(&self, var: &'static str, default: Rate) -> Result<Rate, ConfigError> {
        let Some(raw) = self.get(var) else {
            return Ok(default);
        };
        Rate::parse_percent(&raw).filter(|r| r.0 >= 100).ok_or(ConfigError {
            var,
            problem: format!("must be a percentage from 0.01 to 100, such as 5 or 0.1% ({raw:?})"),
        })
    }

    pub fn policy(&self) -> Result<Policy, ConfigErrors> {
        let mut errors = Vec::new();
        let d = Policy::default();
        let invitation_ttl = keep(self.duration("INVITATION_TTL", d.invitation_ttl), &mut errors);
        let resend_after = keep(self.duration("RESEND_AFTER", d.resend_after), &mut errors);
        let max_sends = keep(self.max_sends(d.max_sends), &mut errors);
        let resend_min_interval = keep(self.duration("RESEND_MIN_INTERVAL", d.resend_min_interval), &mut errors);
        let processing_timeout = keep(self.duration("PROCESSING_TIMEOUT", d.processing_timeout), &mut errors);
        let bounce_pause = keep(self.percent("BOUNCE_PAUSE", d.guard.bounce_pause), &mut errors);
        let complaint_pause = keep(self.percent("COMPLAINT_PAUSE", d.guard.complaint_pause), &mut errors);
        match (
            invitation_ttl,
            resend_after,
            max_sends,
            resend_min_interval,
            processing_timeout,
            bounce_pause,
            complaint_pause,
        ) {
            (
                Some(invitation_ttl),
                Some(resend_after),
                Some(max_sends),
                Some(resend_min_interval),
                Some(processing_timeout),
                Some(bounce_pause),
                Some(complaint_pause),
            ) if errors.is_empty() => Ok(Policy {
                invitation_ttl,
                resend_after,
                max_sends,
                resend_min_interval,
                processing_timeout,
                guard: Guard { bounce_pause, complaint_pause },
            }),
            _ => Err(ConfigErrors(errors)),
        }
    }

    pub fn mail(&self) -> Result<MailSettings, ConfigErrors> {
        let mut errors = Vec::new();
        let from = keep(self.required("SENDER_EMAIL"), &mut errors).and_then(|from| {
            let ok = crate::domain::Email::parse(&from).is_ok();
            let problem = format!("is not an email address ({from:?})");
            keep(if ok { Ok(from) } else { Err(ConfigError { var: "SENDER_EMAIL", problem }) }, &mut errors)
        });
        let accept_url = keep(self.required("ACCEPT_URL"), &mut errors).and_then(|raw| {
            let url = Url::parse(&raw)
                .ok()
                .filter(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some() && u.fragment().is_none());
            let problem = format!("is not an absolute http(s) URL without a fragment ({raw:?})");
            keep(url.ok_or(ConfigError { var: "ACCEPT_URL", problem }), &mut errors)
        });
        match (from, accept_url) {
            (Some(from), Some(accept_url)) => {
                Ok(MailSettings { from, accept_url, configuration_set: self.get("SES_CONFIGURATION_SET") })
            }
            _ => Err(ConfigErrors(errors)),
        }
    }

    pub fn pacing(&self) -> Result<PacingConfig, ConfigErrors> {
        let mut errors = Vec::new();
        let queue_url = keep(self.required("SEND_QUEUE_URL"), &mut errors);
        let rate = match self.get("SEND_RATE") {
            None => Some(None),
            Some(raw) => keep(
                raw.parse::<f64>().ok().and_then(SendRate::new).map(Some).ok_or_else(|| ConfigError {
                    var: "SEND_RATE",
                    problem: format!(
                        "must be a number of emails a second from {} (the least SES grants) to {} ({raw:?})",
                        SendRate::SANDBOX.per_second(),
                        SendRate::MAX.per_second()
                    ),
                }),
                &mut errors,
            ),
        };
        match (queue_url, rate) {
            (Some(queue_url), Some(rate)) => Ok(PacingConfig { queue_url, rate }),
            _ => Err(ConfigErrors(errors)),
        }
    }

    /// Everything a function reads, every problem at once.
    pub fn function(&self, sends_mail: bool) -> Result<FunctionConfig, ConfigErrors> {
        let mut errors = Vec::new();
        let table = keep(self.table_name(), &mut errors);
        let due_shards = keep(self.due_shards(), &mut errors);
        let policy = self.policy().map_err(|e| errors.extend(e.0)).ok();
        let mail = if sends_mail { self.mail().map(Some).map_err(|e| errors.extend(e.0)).ok() } else { Some(None) };
        let pacing = if sends_mail { self.pacing().map(Some).map_err(|e| errors.extend(e.0)).ok() } else { Some(None) };
        match (table, due_shards, policy, mail, pacing) {
            (Some(table), Some(due_shards), Some(policy), Some(mail), Some(pacing)) => {
                Ok(FunctionConfig { table, due_shards, policy, mail, pacing })
            }
            _ => Err(ConfigErrors(errors)),
        }
    }
}

#[cfg(test)]
mod tests;
