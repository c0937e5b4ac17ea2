//! A stand-in for SES's sending quota: the fault proxy in front of moto accepts at most `rate` sends in
//! any one second, as SES's per-second rate does, and answers the others 429 `TooManyRequestsException`.
//! It keeps when it accepted each send, so a test can check the rate held in every window.
use crate::proxy::{Fault, Proxy};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

const SECOND: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Window {
    /// Every send that arrived, accepted or not.
    attempts: Vec<Instant>,
    accepted: Vec<Instant>,
    throttled: usize,
}

pub struct Quota {
    pub proxy: Proxy,
    pub rate: usize,
    window: Arc<Mutex<Window>>,
}

impl Quota {
    /// SES v2 at `upstream`, limited to `rate` sends a second; every other call is forwarded.
    pub async fn start(upstream: String, rate: usize) -> Self {
        let window = Arc::new(Mutex::new(Window::default()));
        let w = window.clone();
        let proxy = Proxy::start(upstream, move |_, req| {
            if !req.path.starts_with("/v2/email/outbound-emails") {
                return Fault::Forward;
            }
            let now = Instant::now();
            let mut w = w.lock().unwrap();
            w.attempts.push(now);
            let recent = w.accepted.iter().rev().take_while(|t| now.duration_since(**t) < SECOND).count();
            if recent < rate {
                w.accepted.push(now);
                Fault::Forward
            } else {
                w.throttled += 1;
                Fault::ses_throttle()
            }
        })
        .await;
        Quota { proxy, rate, window }
    }

    /// When each accepted send arrived, in order.
    pub fn accepted(&self) -> Vec<Instant> {
        self.window.lock().unwrap().accepted.clone()
    }

    /// When each send arrived after `start`, in milliseconds: what a failed test shows.
    pub fn attempts_since(&self, start: Instant) -> Vec<i64> {
        let w = self.window.lock().unwrap();
        w.attempts.iter().map(|t| t.saturating_duration_since(start).as_millis() as i64).collect()
    }

    /// Sends answered 429.
    pub fn throttled(&self) -> usize {
        self.window.lock().unwrap().throttled
    }

    /// The most sends that arrived in any one-second window, refused ones included (each window starting
    /// at a send): what the service asked of the quota, which must never be more than the rate.
    pub fn busiest_second(&self) -> usize {
        let attempts = self.window.lock().unwrap().attempts.clone();
        (0..attempts.len())
            .map(|i| attempts[i..].iter().take_while(|t| t.duration_since(attempts[i]) < SECOND).count())
            .max()
            .unwrap_or(0)
    }
}
