//! A stand-in for SES's sending quota: the fault proxy in front of moto accepts at most `rate` sends in
//! any one second, as SES's per-second rate does, and answers the others 429 `TooManyRequestsException`.
//! It keeps when it accepted each send and counts the ones it refused.
use crate::proxy::{Fault, Proxy};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

const SECOND: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Window {
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

    /// Sends answered 429.
    pub fn throttled(&self) -> usize {
        self.window.lock().unwrap().throttled
    }
}
