//! A mailer that keeps every message in memory and can be told to refuse: the email port's twin for
//! the fast service tests and the fuzz target, as the in-memory store is the store's.
use crate::domain::Email;
use crate::ports::{MailError, Mailer, OutgoingEmail};
use async_trait::async_trait;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

#[derive(Default)]
pub struct RecordingMailer {
    sent: Mutex<Vec<OutgoingEmail>>,
    /// How it refuses, and how many more sends (`None`: until told otherwise).
    refuse: Mutex<Option<(Refusal, Option<usize>)>>,
    refused: AtomicUsize,
}

/// How the mailer fails while it is told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Rejected,
    Unavailable,
    Throttled,
}

impl RecordingMailer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every accepted message, in the order they were sent.
    pub fn sent(&self) -> Vec<OutgoingEmail> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Every accepted message since the last `take`, which forgets them (a long fuzz run keeps none).
    pub fn take(&self) -> Vec<OutgoingEmail> {
        std::mem::take(&mut *self.sent.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The accepted messages to one address.
    pub fn sent_to(&self, to: &Email) -> Vec<OutgoingEmail> {
        self.sent().into_iter().filter(|m| m.to == *to).collect()
    }

    /// How many sends were refused.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::Relaxed)
    }

    /// From now on every send fails this way (`None`: sends are accepted again).
    pub fn refuse(&self, refusal: Option<Refusal>) {
        *self.refuse.lock().unwrap_or_else(|p| p.into_inner()) = refusal.map(|r| (r, None));
    }

    /// The next `n` sends fail this way, the ones after are accepted.
    pub fn refuse_next(&self, refusal: Refusal, n: usize) {
        *self.refuse.lock().unwrap_or_else(|p| p.into_inner()) = Some((refusal, Some(n)));
    }
}

#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        let refusal = {
            let mut refuse = self.refuse.lock().unwrap_or_else(|p| p.into_inner());
            let now = match *refuse {
                Some((_, Some(0))) | None => None,
                Some((refusal, left)) => Some((refusal, left.map(|n| n - 1))),
            };
            *refuse = now;
            now.map(|(refusal, _)| refusal)
        };
        if let Some(refusal) = refusal {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(match refusal {
                Refusal::Rejected => MailError::Rejected("refused by the test".into()),
                Refusal::Unavailable => MailError::Unavailable("unavailable in the test".into()),
                Refusal::Throttled => MailError::Throttled("throttled by the test".into()),
            });
        }
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).push(email.clone());
        Ok(())
    }

    fn longest_send(&self) -> Duration {
        Duration::ZERO
    }
}
