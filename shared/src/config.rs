//! Configuration, read once at start from the environment. Every problem names its variable, and all
//! of them are reported at once, so a bad deploy fails at init with one message that says what to fix.
use crate::ports::store::DueShards;
use crate::ports::SendRate;
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

    pub fn policy(&self) -> Result<Policy, ConfigErrors> {
        let mut errors = Vec::new();
        let d = Policy::default();
        let invitation_ttl = keep(self.duration("INVITATION_TTL", d.invitation_ttl), &mut errors);
        let resend_after = keep(self.duration("RESEND_AFTER", d.resend_after), &mut errors);
        let max_sends = keep(self.max_sends(d.max_sends), &mut errors);
        let resend_min_interval = keep(self.duration("RESEND_MIN_INTERVAL", d.resend_min_interval), &mut errors);
        let processing_timeout = keep(self.duration("PROCESSING_TIMEOUT", d.processing_timeout), &mut errors);
        match (invitation_ttl, resend_after, max_sends, resend_min_interval, processing_timeout) {
            (
                Some(invitation_ttl),
                Some(resend_after),
                Some(max_sends),
                Some(resend_min_interval),
                Some(processing_timeout),
            ) if errors.is_empty() => {
                Ok(Policy { invitation_ttl, resend_after, max_sends, resend_min_interval, processing_timeout })
            }
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
                raw.parse::<f64>().ok().and_then(SendRate::new).map(Some).ok_or(ConfigError {
                    var: "SEND_RATE",
                    problem: format!("must be a number of emails a second above zero ({raw:?})"),
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
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Env<impl Fn(&str) -> Option<String>> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Env(move |k: &str| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let p = env(&[]).policy().unwrap();
        assert_eq!(p.invitation_ttl, Duration::from_secs(30 * 86_400));
        assert_eq!(p.resend_after, Duration::from_secs(72 * 3600));
        assert_eq!(p.max_sends, 3);
        assert_eq!(p.resend_min_interval, Duration::from_secs(60));
        assert_eq!(p.processing_timeout, Duration::from_secs(300));
    }

    #[test]
    fn parses_durations_in_days_hours_seconds() {
        let p = env(&[
            ("INVITATION_TTL", "7d"),
            ("RESEND_AFTER", "12h"),
            ("RESEND_MIN_INTERVAL", " 30s "),
            ("MAX_SENDS", "5"),
        ])
        .policy()
        .unwrap();
        assert_eq!(p.invitation_ttl, Duration::from_secs(7 * 86_400));
        assert_eq!(p.resend_after, Duration::from_secs(12 * 3600));
        assert_eq!(p.resend_min_interval, Duration::from_secs(30));
        assert_eq!(p.max_sends, 5);
    }

    #[test]
    fn each_bad_value_names_its_variable_and_value() {
        let cases = [
            ("INVITATION_TTL", "soon"),
            ("RESEND_AFTER", "0s"),
            ("RESEND_MIN_INTERVAL", "-1s"),
            ("PROCESSING_TIMEOUT", "5 parsecs"),
            ("MAX_SENDS", "0"),
            ("MAX_SENDS", "three"),
        ];
        for (var, value) in cases {
            let err = env(&[(var, value)]).policy().unwrap_err();
            assert_eq!(err.vars(), [var]);
            let text = err.to_string();
            assert!(text.contains(var) && (text.contains(value) || text.contains("longer than zero")), "{text}");
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let e = env(&[
            ("TABLE_NAME", "ab"),
            ("DUE_SHARDS", "0"),
            ("RESEND_AFTER", "soon"),
            ("MAX_SENDS", "0"),
            ("ACCEPT_URL", "ftp://x"),
        ]);
        let err = e.function(true).unwrap_err();
        assert_eq!(
            err.vars(),
            ["TABLE_NAME", "DUE_SHARDS", "RESEND_AFTER", "MAX_SENDS", "SENDER_EMAIL", "ACCEPT_URL", "SEND_QUEUE_URL"]
        );
        // A function that sends no mail does not read the mail variables.
        assert_eq!(e.function(false).unwrap_err().vars(), ["TABLE_NAME", "DUE_SHARDS", "RESEND_AFTER", "MAX_SENDS"]);
    }

    #[test]
    fn due_shards_default_to_16_within_1_to_32() {
        assert_eq!(env(&[]).due_shards(), Ok(DueShards::DEFAULT));
        assert_eq!(env(&[("DUE_SHARDS", "16")]).due_shards(), Ok(DueShards::DEFAULT));
        assert_eq!(env(&[("DUE_SHARDS", " 32 ")]).due_shards(), Ok(DueShards::new(32).unwrap()));
        assert_eq!(env(&[("DUE_SHARDS", "1")]).due_shards(), Ok(DueShards::new(1).unwrap()));
        for bad in ["0", "33", "-1", "sixteen", "1.5", "65536"] {
            let err = env(&[("DUE_SHARDS", bad)]).due_shards().unwrap_err();
            assert_eq!(err.var, "DUE_SHARDS");
            assert!(err.problem.contains(bad) && err.problem.contains("1 to 32"), "{err}");
        }
    }

    #[test]
    fn table_and_mail_settings_are_checked() {
        assert_eq!(env(&[]).table_name().unwrap_err().var, "TABLE_NAME");
        assert_eq!(env(&[("TABLE_NAME", "ab")]).table_name().unwrap_err().var, "TABLE_NAME");
        assert_eq!(env(&[("TABLE_NAME", "invitations")]).table_name().unwrap(), "invitations");
        assert_eq!(env(&[("ACCEPT_URL", "https://x.io/a")]).mail().unwrap_err().vars(), ["SENDER_EMAIL"]);
        assert_eq!(env(&[("SENDER_EMAIL", "no")]).mail().unwrap_err().vars(), ["SENDER_EMAIL", "ACCEPT_URL"]);
        assert_eq!(env(&[("SENDER_EMAIL", "a@x.io")]).mail().unwrap_err().vars(), ["ACCEPT_URL"]);
        let ftp = env(&[("SENDER_EMAIL", "a@x.io"), ("ACCEPT_URL", "ftp://x.io")]);
        assert_eq!(ftp.mail().unwrap_err().vars(), ["ACCEPT_URL"]);
        let m =
            env(&[("SENDER_EMAIL", "a@x.io"), ("ACCEPT_URL", "https://x.io/accept"), ("SES_CONFIGURATION_SET", "cs")])
                .mail()
                .unwrap();
        assert_eq!(m.from, "a@x.io");
        assert_eq!(m.configuration_set.as_deref(), Some("cs"));
        let ok = env(&[
            ("TABLE_NAME", "invitations"),
            ("SENDER_EMAIL", "a@x.io"),
            ("ACCEPT_URL", "https://x.io/a"),
            ("SEND_QUEUE_URL", "https://sqs.x/1/q"),
        ]);
        assert_eq!(ok.function(true).unwrap().mail.unwrap().from, "a@x.io");
        assert_eq!(ok.function(true).unwrap().due_shards, DueShards::DEFAULT);
        assert_eq!(ok.function(false).unwrap().mail, None);
        assert_eq!(ok.function(true).unwrap().pacing.unwrap().rate, None);
    }

    #[test]
    fn a_send_rate_is_a_positive_number() {
        let with = |rate: &str| env(&[("SEND_QUEUE_URL", "https://sqs.x/1/q"), ("SEND_RATE", rate)]).pacing();
        assert_eq!(with("14").unwrap().rate, SendRate::new(14.0));
        assert_eq!(with(" 0.5 ").unwrap().rate, SendRate::new(0.5));
        for bad in ["0", "-1", "fast", "NaN", "inf"] {
            let err = with(bad).unwrap_err();
            assert_eq!(err.vars(), ["SEND_RATE"], "{bad}");
            assert!(err.to_string().contains(bad), "{err}");
        }
        assert_eq!(env(&[]).pacing().unwrap_err().vars(), ["SEND_QUEUE_URL"]);
    }
}
