//! An account's sending record, as SES's own reviews see it: how many of its recent emails went out,
//! bounced permanently or were complained about, and whether its sending is paused for it.
use super::{Delivery, DeliveryStatus, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One email's part in its account's record. Only what SES counts against a sender is kept: a send, a
/// permanent bounce (not one to an address on the suppression list), a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Send,
    Bounce,
    Complaint,
}

impl Counted {
    /// What `report` adds to its account's record, if anything.
    pub fn of(report: &Delivery) -> Option<Counted> {
        match report.status {
            DeliveryStatus::Sent => Some(Counted::Send),
            DeliveryStatus::Bounced if report.undeliverable => Some(Counted::Bounce),
            DeliveryStatus::Complained => Some(Counted::Complaint),
            _ => None,
        }
    }
}

/// The counts of an account's window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub sends: u32,
    pub bounces: u32,
    pub complaints: u32,
}

impl Tally {
    pub fn add(&mut self, other: Tally) {
        self.sends = self.sends.saturating_add(other.sends);
        self.bounces = self.bounces.saturating_add(other.bounces);
        self.complaints = self.complaints.saturating_add(other.complaints);
    }

    /// The emails the rates are of. A bounce or complaint whose send event was lost still had an email.
    pub fn emails(&self) -> u32 {
        self.sends.max(self.bounces).max(self.complaints)
    }
}

/// An hour since the Unix epoch: the record's unit of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hour(pub u32);

impl Hour {
    pub fn of(at: Timestamp) -> Hour {
        Hour((at.millis().max(0) / 3_600_000) as u32)
    }

    pub fn back(self, hours: u32) -> Hour {
        Hour(self.0.saturating_sub(hours))
    }

    /// When this hour ends.
    pub fn end(self) -> Timestamp {
        Timestamp::from_millis((i64::from(self.0) + 1) * 3_600_000)
    }
}

/// A share, in parts per million, shown as a percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rate(pub u32);

impl Rate {
    pub fn of(part: u32, whole: u32) -> Rate {
        if whole == 0 {
            return Rate(0);
        }
        Rate((u64::from(part) * 1_000_000 / u64::from(whole)).min(1_000_000) as u32)
    }

    /// A percentage like `5`, `0.1` or `5%`, to four decimal places.
    pub fn parse_percent(raw: &str) -> Option<Rate> {
        let digits = raw.trim().trim_end_matches('%').trim();
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || frac.len() > 4 || whole.len() > 3 {
            return None;
        }
        let whole: u32 = whole.parse().ok()?;
        let frac: u32 = format!("{frac:0<4}").parse().ok()?;
        let ppm = whole * 10_000 + frac;
        (ppm <= 1_000_000).then_some(Rate(ppm))
    }
}

impl fmt::Display for Rate {
    /// `6.25%`, `5%`, `0.1%`: two decimals at most, rounded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hundredths = (self.0 + 50) / 100;
        let (whole, frac) = (hundredths / 100, hundredths % 100);
        match frac {
            0 => write!(f, "{whole}%"),
            f2 if f2 % 10 == 0 => write!(f, "{whole}.{}%", f2 / 10),
            f2 => write!(f, "{whole}.{f2:02}%"),
        }
    }
}

/// Which of SES's two measures tripped the guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    Bounces,
    Complaints,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Bounces => "bounces",
            Cause::Complaints => "complaints",
        }
    }

    pub fn parse(raw: &str) -> Option<Cause> {
        [Cause::Bounces, Cause::Complaints].into_iter().find(|c| c.as_str() == raw)
    }
}

/// Why and since when an account's sending is paused: its record when the guard tripped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause {
    pub cause: Cause,
    pub rate: Rate,
    pub limit: Rate,
    pub at: Timestamp,
    pub tally: Tally,
}

impl fmt::Display for Pause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.cause {
            Cause::Bounces => "bounced",
            Cause::Complaints => "drew complaints",
        };
        write!(
            f,
            "{} of the account's {} recent emails {what} (the limit is {})",
            self.rate,
            self.tally.emails(),
            self.limit
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_read_and_print_as_people_write_them() {
        for (raw, ppm, shown) in [("5", 50_000, "5%"), ("0.1%", 1_000, "0.1%"), ("12.5 %", 125_000, "12.5%")] {
            let rate = Rate::parse_percent(raw).unwrap();
            assert_eq!((rate.0, rate.to_string().as_str()), (ppm, shown), "{raw}");
        }
        assert_eq!(Rate::of(1, 16).to_string(), "6.25%");
        assert_eq!(Rate::of(2, 3).to_string(), "66.67%");
        for bad in ["", "%", "-1", "1e2", "101", "0.00001", "five", "1.2.3"] {
            assert_eq!(Rate::parse_percent(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_what_ses_counts_against_a_sender_is_counted() {
        let report = |status, undeliverable| Delivery {
            status,
            at: Timestamp::from_millis(0),
            detail: None,
            send: 1,
            undeliverable,
        };
        assert_eq!(Counted::of(&report(DeliveryStatus::Sent, false)), Some(Counted::Send));
        assert_eq!(Counted::of(&report(DeliveryStatus::Bounced, true)), Some(Counted::Bounce));
        assert_eq!(Counted::of(&report(DeliveryStatus::Complained, true)), Some(Counted::Complaint));
        for (status, undeliverable) in [
            (DeliveryStatus::Bounced, false),
            (DeliveryStatus::Suppressed, true),
            (DeliveryStatus::Delivered, false),
            (DeliveryStatus::Delayed, false),
            (DeliveryStatus::Rejected, false),
        ] {
            assert_eq!(Counted::of(&report(status, undeliverable)), None, "{status}");
        }
    }
}
