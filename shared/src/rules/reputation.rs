//! The reputation guard: when an account's recent record pauses its sending. SES reviews a sending
//! account at 5 % bounces or 0.1 % complaints and may pause all of it at 10 % / 0.5 %, and every account
//! of a deployment shares one, so an account is paused before its list can pause the others.
use crate::domain::{Cause, Hour, Pause, Rate, Tally, Timestamp};

/// How far back an account's record reaches: the hours before the current one, and the current one.
pub const WINDOW_HOURS: u32 = 24;
/// A bounce rate means something over this many emails, not fewer.
pub const MIN_EMAILS: u32 = 20;
/// One complaint is an accident; this many are a pattern.
pub const MIN_COMPLAINTS: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guard {
    /// `BOUNCE_PAUSE`: a permanent bounce rate at or above this pauses.
    pub bounce_pause: Rate,
    /// `COMPLAINT_PAUSE`: a complaint rate at or above this pauses.
    pub complaint_pause: Rate,
}

impl Default for Guard {
    fn default() -> Self {
        Guard { bounce_pause: Rate(50_000), complaint_pause: Rate(1_000) }
    }
}

impl Guard {
    /// The first hour of the record that decides at `now`.
    pub fn window_start(now: Timestamp) -> Hour {
        Hour::of(now).back(WINDOW_HOURS)
    }

    /// Whether `tally`, an account's record at `now`, pauses its sending; complaints first, the graver
    /// of the two to SES.
    pub fn assess(&self, tally: Tally, now: Timestamp) -> Option<Pause> {
        let emails = tally.emails();
        let pause = |cause, rate, limit| Pause { cause, rate, limit, at: now, tally };
        let complaints = Rate::of(tally.complaints, emails);
        if tally.complaints >= MIN_COMPLAINTS && complaints >= self.complaint_pause {
            return Some(pause(Cause::Complaints, complaints, self.complaint_pause));
        }
        let bounces = Rate::of(tally.bounces, emails);
        if emails >= MIN_EMAILS && tally.bounces > 0 && bounces >= self.bounce_pause {
            return Some(pause(Cause::Bounces, bounces, self.bounce_pause));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(sends: u32, bounces: u32, complaints: u32) -> Tally {
        Tally { sends, bounces, complaints }
    }

    #[test]
    fn bounces_pause_at_the_limit_over_enough_emails() {
        let (g, now) = (Guard::default(), Timestamp::from_millis(0));
        assert_eq!(g.assess(tally(20, 1, 0), now).map(|p| (p.cause, p.rate)), Some((Cause::Bounces, Rate(50_000))));
        assert_eq!(g.assess(tally(21, 1, 0), now), None, "4.76 % is under 5 %");
        assert_eq!(g.assess(tally(19, 1, 0), now), None, "too few emails to judge");
        assert_eq!(g.assess(tally(0, 19, 0), now), None, "bounces without sends are still under 20 emails");
        assert!(g.assess(tally(0, 20, 0), now).is_some(), "bounces whose send events were lost still count");
    }

    #[test]
    fn complaints_pause_from_the_second_at_the_limit() {
        let (g, now) = (Guard::default(), Timestamp::from_millis(0));
        assert_eq!(g.assess(tally(100, 0, 1), now), None, "one complaint is not a pattern");
        let p = g.assess(tally(2000, 0, 2), now).unwrap();
        assert_eq!(
            (p.cause, p.rate.to_string(), p.limit.to_string()),
            (Cause::Complaints, "0.1%".into(), "0.1%".into())
        );
        assert_eq!(g.assess(tally(2001, 0, 2), now), None);
        let both = g.assess(tally(20, 10, 2), now).unwrap();
        assert_eq!(both.cause, Cause::Complaints, "complaints are named first");
    }

    #[test]
    fn the_limits_are_the_configured_ones() {
        let strict = Guard { bounce_pause: Rate(10_000), complaint_pause: Rate(1_000_000) };
        let now = Timestamp::from_millis(0);
        assert!(strict.assess(tally(100, 1, 0), now).is_some());
        assert_eq!(strict.assess(tally(100, 0, 99), now), None);
    }
}
