//! The one source of "now", so tests move time instead of sleeping.
use crate::domain::Timestamp;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

#[cfg(any(test, feature = "test-support"))]
pub use manual::ManualClock;

#[cfg(any(test, feature = "test-support"))]
mod manual {
    use super::Clock;
    use crate::domain::Timestamp;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// A clock that stands still until it is moved: for tests of the rules, the services and the stores.
    #[derive(Default)]
    pub struct ManualClock(AtomicI64);

    impl ManualClock {
        pub fn at(t: Timestamp) -> Arc<Self> {
            Arc::new(Self(AtomicI64::new(t.millis())))
        }

        pub fn advance(&self, d: Duration) {
            self.0.fetch_add(d.as_millis() as i64, Ordering::SeqCst);
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Timestamp {
            Timestamp::from_millis(self.0.load(Ordering::SeqCst))
        }
    }
}
