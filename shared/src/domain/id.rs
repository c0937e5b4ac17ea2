use std::fmt;
use uuid::Uuid;

/// An invitation id: a UUIDv7, so ids sort by creation time (newest-first listing is a key order)
/// while 74 random bits keep them unguessable.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InvitationId(Uuid);

impl TryFrom<String> for InvitationId {
    type Error = InvalidId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        InvitationId::parse(&s)
    }
}

impl From<InvitationId> for String {
    fn from(id: InvitationId) -> String {
        id.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an invitation id")]
pub struct InvalidId;

impl InvitationId {
    /// Bounds for range scans; no generated id equals either.
    pub const MIN: Self = Self(Uuid::nil());
    pub const MAX: Self = Self(Uuid::max());

    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    /// Only the canonical lower-case hyphenated form is an id, so one invitation has one spelling.
    pub fn parse(raw: &str) -> Result<Self, InvalidId> {
        let id = Uuid::try_parse(raw).map_err(|_| InvalidId)?;
        if id.get_version_num() != 7 || id.hyphenated().to_string() != raw {
            return Err(InvalidId);
        }
        Ok(Self(id))
    }
}

impl Default for InvitationId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for InvitationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for InvitationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InvitationId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_orders_by_creation() {
        let a = InvitationId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = InvitationId::new();
        assert_eq!(InvitationId::parse(&a.to_string()), Ok(a));
        assert!(a < b);
        assert!(a.to_string() < b.to_string(), "string order must follow creation order");
    }

    #[test]
    fn rejects_other_spellings() {
        let a = InvitationId::new().to_string();
        for bad in [
            a.to_uppercase(),
            a.replace('-', ""),
            format!("{{{a}}}"),
            "x".into(),
            String::new(),
            "6ba7b810-9dad-11d1-80b4-00c04fd430c8".into(),
            format!("{a}/../x"),
        ] {
            assert!(InvitationId::parse(&bad).is_err(), "accepted {bad}");
        }
    }
}
