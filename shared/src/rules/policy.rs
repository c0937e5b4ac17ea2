//! The rules' knobs: how long invitations live, when they are re-sent, how often at most. Read from the
//! environment by `config`; the defaults are the documented ones.
use super::reputation::Guard;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub invitation_ttl: Duration,
    pub resend_after: Duration,
    pub max_sends: u32,
    pub resend_min_interval: Duration,
    pub processing_timeout: Duration,
    /// When an account's sending pauses for its bounces and complaints.
    pub guard: Guard,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            invitation_ttl: Duration::from_secs(30 * 24 * 3600),
            resend_after: Duration::from_secs(72 * 3600),
            max_sends: 3,
            resend_min_interval: Duration::from_secs(60),
            processing_timeout: Duration::from_secs(5 * 60),
            guard: Guard::default(),
        }
    }
}
