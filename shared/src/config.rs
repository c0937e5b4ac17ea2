//! Configuration (SPEC §9), read once at start. Every error names its variable, so a bad deploy fails
//! at init with a message that says what to fix.
use std::time::Duration;
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration: {var} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

/// The rules' knobs: how long invitations live, when they are re-sent, how often at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub invitation_ttl: Duration,
    pub resend_after: Duration,
    pub max_sends: u32,
    pub resend_min_interval: Duration,
    pub processing_timeout: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            invitation_ttl: Duration::from_secs(30 * 24 * 3600),
            resend_after: Duration::from_secs(72 * 3600),
            max_sends: 3,
            resend_min_interval: Duration::from_secs(60),
            processing_timeout: Duration::from_secs(5 * 60),
        }
    }
}

/// Where invitation emails come from and where their links point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    pub sender: String,
    pub accept_url: Url,
    pub configuration_set: Option<String>,
}

/// Reads variables through a lookup function, so tests need not touch the process environment.
pub struct Env<F: Fn(&str) -> Option<String>>(pub F);

impl Env<fn(&str) -> Option<String>> {
    pub fn process() -> Self {
        Env(|k| std::env::var(k).ok())
    }
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    fn get(&self, var: &'static str) -> Option<String> {
        (self.0)(var).filter(|v| !v.trim().is_empty())
    }

    fn required(&self, var: &'static str) -> Result<String, ConfigError> {
        self.get(var).ok_or(ConfigError { var, problem: "is required but not set".into() })
    }

    fn duration(&self, var: &'static str, default: Duration) -> Result<Duration, ConfigError> {
        let Some(raw) = self.get(var) else {
            return Ok(default);
        };
        let d = humantime::parse_duration(raw.trim()).map_err(|e| ConfigError {
            var,
            problem: format!("is not a duration like 30s, 72h or 30d ({raw:?}: {e})"),
        })?;
        if d.is_zero() {
            return Err(ConfigError { var, problem: "must be longer than zero".into() });
        }
        Ok(d)
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

    pub fn policy(&self) -> Result<Policy, ConfigError> {
        let d = Policy::default();
        let max_sends = match self.get("MAX_SENDS") {
            None => d.max_sends,
            Some(raw) => match raw.trim().parse::<u32>() {
                Ok(n) if (1..=100).contains(&n) => n,
                _ => {
                    return Err(ConfigError {
                        var: "MAX_SENDS",
                        problem: format!("must be a whole number from 1 to 100 ({raw:?})"),
                    })
                }
            },
        };
        Ok(Policy {
            invitation_ttl: self.duration("INVITATION_TTL", d.invitation_ttl)?,
            resend_after: self.duration("RESEND_AFTER", d.resend_after)?,
            max_sends,
            resend_min_interval: self.duration("RESEND_MIN_INTERVAL", d.resend_min_interval)?,
            processing_timeout: self.duration("PROCESSING_TIMEOUT", d.processing_timeout)?,
        })
    }

    pub fn mail(&self) -> Result<MailSettings, ConfigError> {
        let sender = self.required("SENDER_EMAIL")?;
        if crate::domain::Email::parse(sender.trim()).is_err() {
            return Err(ConfigError { var: "SENDER_EMAIL", problem: format!("is not an email address ({sender:?})") });
        }
        let raw = self.required("ACCEPT_URL")?;
        let accept_url = Url::parse(raw.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some() && u.fragment().is_none())
            .ok_or(ConfigError {
                var: "ACCEPT_URL",
                problem: format!("is not an absolute http(s) URL without a fragment ({raw:?})"),
            })?;
        Ok(MailSettings {
            sender: sender.trim().to_owned(),
            accept_url,
            configuration_set: self.get("SES_CONFIGURATION_SET"),
        })
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
    fn defaults_follow_the_spec() {
        let p = env(&[]).policy().unwrap();
        assert_eq!(p, Policy::default());
        assert_eq!(p.invitation_ttl, Duration::from_secs(2_592_000));
        assert_eq!(p.resend_after, Duration::from_secs(259_200));
    }

    #[test]
    fn parses_durations_in_days_hours_seconds() {
        let p = env(&[
            ("INVITATION_TTL", "7d"),
            ("RESEND_AFTER", "12h"),
            ("RESEND_MIN_INTERVAL", "30s"),
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
    fn each_bad_value_names_its_variable() {
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
            assert_eq!(err.var, var);
            assert!(err.to_string().contains(var));
        }
    }

    #[test]
    fn table_and_mail_settings_are_checked() {
        assert_eq!(env(&[]).table_name().unwrap_err().var, "TABLE_NAME");
        assert_eq!(env(&[("TABLE_NAME", "ab")]).table_name().unwrap_err().var, "TABLE_NAME");
        assert_eq!(env(&[("TABLE_NAME", "invitations")]).table_name().unwrap(), "invitations");
        assert_eq!(env(&[("ACCEPT_URL", "https://x.io/a")]).mail().unwrap_err().var, "SENDER_EMAIL");
        assert_eq!(env(&[("SENDER_EMAIL", "no")]).mail().unwrap_err().var, "SENDER_EMAIL");
        assert_eq!(env(&[("SENDER_EMAIL", "a@x.io")]).mail().unwrap_err().var, "ACCEPT_URL");
        assert_eq!(
            env(&[("SENDER_EMAIL", "a@x.io"), ("ACCEPT_URL", "ftp://x.io")]).mail().unwrap_err().var,
            "ACCEPT_URL"
        );
        let m =
            env(&[("SENDER_EMAIL", "a@x.io"), ("ACCEPT_URL", "https://x.io/accept"), ("SES_CONFIGURATION_SET", "cs")])
                .mail()
                .unwrap();
        assert_eq!(m.configuration_set.as_deref(), Some("cs"));
    }
}
