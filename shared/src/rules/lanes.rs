//! When emails handed on to the paced sender are expected: the paced rate divided among the accounts
//! with email waiting, as weighted fair queueing divides a link. Each account's waiting emails have
//! tags on one virtual clock, an interval apart; the virtual clock runs at real time divided by the
//! number of accounts whose emails it has not yet passed. So N accounts waiting at once are each expected
//! at 1/N of the rate, side by side, and an account alone at the whole rate; when one finishes, the
//! others speed up. The queue delays each email to its expected time, so it becomes visible about when
//! its turn comes, and the order of visible emails is the fair order. Both stores apply this model to
//! the one item that holds it; docs/DESIGN.md, "Between accounts".
use crate::domain::{AccountId, Timestamp};
use std::collections::BTreeMap;
use std::time::Duration;

/// The model's state: the virtual clock's reading `virtual_ms` at real time `at` (epoch ms), and each
/// waiting account's finish tag, the virtual time its last expected email ends. Accounts whose tag the
/// clock has passed have nothing waiting and are dropped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lanes {
    pub at: i64,
    pub virtual_ms: f64,
    pub tags: BTreeMap<String, f64>,
}

/// An account's next turns: when each of its emails is expected.
#[derive(Debug, Clone, PartialEq)]
pub struct Turns {
    pub at: Vec<Timestamp>,
    /// The account had emails waiting, which these go behind.
    pub behind: bool,
}

impl Lanes {
    /// The virtual clock moved on to `now`, and the accounts it passed dropped. A clock read behind the
    /// model's own (another instance's) leaves it as it is.
    pub fn advance(&mut self, now: Timestamp) {
        let now = now.millis();
        if now <= self.at {
            return;
        }
        let mut left = (now - self.at) as f64;
        for finish in self.finishes() {
            let waiting = self.waiting_after(self.virtual_ms) as f64;
            let real = (finish - self.virtual_ms) * waiting;
            if real > left {
                self.virtual_ms += left / waiting;
                left = 0.0;
                break;
            }
            left -= real;
            self.virtual_ms = finish;
        }
        // With nobody waiting the clock keeps real time, so a new account starts at now.
        self.virtual_ms += left;
        self.at = now;
        let clock = self.virtual_ms;
        self.tags.retain(|_, finish| *finish > clock);
    }

    /// `n` turns of `account`, an `interval` of its own apart, after what it has waiting: each the real
    /// time the virtual clock reaches the email's start tag, with every account's waiting emails
    /// (these included) sharing the rate.
    pub fn take(&mut self, account: &AccountId, n: u32, interval: Duration, now: Timestamp) -> Turns {
        self.advance(now);
        let own = self.tags.get(account.as_str()).copied();
        let behind = own.is_some();
        let start = own.unwrap_or(self.virtual_ms).max(self.virtual_ms);
        let step = interval.as_millis() as f64;
        if n > 0 {
            self.tags.insert(account.as_str().to_owned(), start + step * f64::from(n));
        }
        let at = (0..n).map(|k| self.real_time_of(start + step * f64::from(k))).collect();
        Turns { at, behind }
    }

    /// The real time the virtual clock reaches `tag` (not before the model's `at`), if nobody else
    /// hands on meanwhile.
    fn real_time_of(&self, tag: f64) -> Timestamp {
        let mut clock = self.virtual_ms;
        let mut real = 0.0;
        for finish in self.finishes() {
            let waiting = self.waiting_after(clock) as f64;
            if finish >= tag {
                real += (tag - clock).max(0.0) * waiting.max(1.0);
                clock = tag;
                break;
            }
            real += (finish - clock) * waiting;
            clock = finish;
        }
        real += (tag - clock).max(0.0);
        Timestamp::from_millis(self.at + real.round() as i64)
    }

    /// The finish tags ahead of the clock, earliest first, each once.
    fn finishes(&self) -> Vec<f64> {
        let mut finishes: Vec<f64> = self.tags.values().copied().filter(|f| *f > self.virtual_ms).collect();
        finishes.sort_by(f64::total_cmp);
        finishes.dedup();
        finishes
    }

    fn waiting_after(&self, clock: f64) -> usize {
        self.tags.values().filter(|f| **f > clock).count()
    }
}
