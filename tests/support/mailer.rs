//! The real SES mailer with a hand on it: a test can slow its sends, or hold them until it lets them
//! go, to keep them in flight, and read when each accepted send returned.
use async_trait::async_trait;
use invitations::adapters::ses::SesMailer;
use invitations::ports::{MailError, Mailer, OutgoingEmail};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

pub struct TimedMailer {
    inner: SesMailer,
    delay: Mutex<Duration>,
    accepted: Mutex<Vec<(String, Instant)>>,
    /// Whether sends wait at the door ([`TimedMailer::hold`]).
    held: watch::Sender<bool>,
    /// How many sends wait there now.
    waiting: watch::Sender<usize>,
}

impl TimedMailer {
    pub fn new(inner: SesMailer) -> Self {
        let (held, waiting) = (watch::channel(false).0, watch::channel(0).0);
        Self { inner, delay: Mutex::default(), accepted: Mutex::default(), held, waiting }
    }

    /// Every send from now on waits until [`TimedMailer::release`].
    pub fn hold(&self) {
        self.held.send_replace(true);
    }

    /// Lets the held sends and every later one go.
    pub fn release(&self) {
        self.held.send_replace(false);
    }

    /// Waits until at least `n` sends are held.
    pub async fn until_holding(&self, n: usize) {
        let _ = self.waiting.subscribe().wait_for(|w| *w >= n).await;
    }

    /// Every send from now on waits this long before it reaches SES.
    pub fn set_delay(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }

    /// The recipient of each send SES accepted, with when it returned, in that order.
    pub fn accepted(&self) -> Vec<(String, Instant)> {
        self.accepted.lock().unwrap().clone()
    }

    /// The sends SES accepted to `to`.
    pub fn accepted_to(&self, to: &str) -> usize {
        self.accepted.lock().unwrap().iter().filter(|(r, _)| r == to).count()
    }

    pub fn forget(&self) {
        self.accepted.lock().unwrap().clear();
    }
}

#[async_trait]
impl Mailer for TimedMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        if *self.held.borrow() {
            self.waiting.send_modify(|w| *w += 1);
            let _ = self.held.subscribe().wait_for(|held| !held).await;
            self.waiting.send_modify(|w| *w -= 1);
        }
        let delay = *self.delay.lock().unwrap();
        tokio::time::sleep(delay).await;
        self.inner.send(email).await?;
        self.accepted.lock().unwrap().push((email.to.as_str().to_owned(), Instant::now()));
        Ok(())
    }

    // The sweep sizes its claims by this, so the delay counts.
    fn longest_send(&self) -> Duration {
        *self.delay.lock().unwrap() + self.inner.longest_send()
    }
}
