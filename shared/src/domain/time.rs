use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::{fmt, time::Duration};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

/// A UTC instant at millisecond precision, between 1970 and the end of 9999, the years RFC 3339 can
/// write. Stored as epoch milliseconds, so storage conditions compare numbers; shown as RFC 3339.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// 9999-12-31T23:59:59.999Z.
const LAST: i64 = 253_402_300_799_999;

impl Timestamp {
    /// Instants outside the range are clamped to it: an arithmetic result or a configured duration far in
    /// the future is "never", not an error.
    pub fn from_millis(ms: i64) -> Self {
        Self(ms.clamp(0, LAST))
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn now() -> Self {
        Self::from_millis((OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64)
    }

    pub fn plus(self, d: Duration) -> Self {
        Self::from_millis(self.0.saturating_add(d.as_millis().min(i64::MAX as u128) as i64))
    }

    pub fn minus(self, d: Duration) -> Self {
        Self::from_millis(self.0.saturating_sub(d.as_millis().min(i64::MAX as u128) as i64))
    }

    /// How long from `self` until `later`; zero when `later` is not later.
    pub fn until(self, later: Timestamp) -> Duration {
        Duration::from_millis(later.0.saturating_sub(self.0).max(0) as u64)
    }

    pub fn to_rfc3339(self) -> String {
        OffsetDateTime::from_unix_timestamp_nanos(self.0 as i128 * 1_000_000)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .expect("every instant from 1970 to 9999 has an RFC 3339 form")
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        let t = OffsetDateTime::parse(&raw, &Rfc3339).map_err(serde::de::Error::custom)?;
        Ok(Self::from_millis((t.unix_timestamp_nanos() / 1_000_000) as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339_utc() {
        assert_eq!(Timestamp::from_millis(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp::from_millis(1_700_000_000_123).to_rfc3339(), "2023-11-14T22:13:20.123Z");
    }

    #[test]
    fn arithmetic() {
        let t = Timestamp::from_millis(10_000);
        assert_eq!(t.plus(Duration::from_secs(5)).millis(), 15_000);
        assert_eq!(t.minus(Duration::from_secs(5)).millis(), 5_000);
        assert_eq!(t.until(Timestamp::from_millis(12_500)), Duration::from_millis(2_500));
        assert_eq!(t.until(Timestamp::from_millis(1)), Duration::ZERO);
    }

    #[test]
    fn instants_stay_within_what_rfc3339_writes() {
        let last = Timestamp::from_millis(i64::MAX);
        assert_eq!(last.to_rfc3339(), "9999-12-31T23:59:59.999Z");
        assert_eq!(Timestamp::now().plus(Duration::from_secs(u64::MAX)), last);
        assert_eq!(Timestamp::from_millis(-5).minus(Duration::from_secs(1)).to_rfc3339(), "1970-01-01T00:00:00Z");
    }
}
