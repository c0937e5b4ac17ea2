use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Processing,
    Pending,
    Accepted,
    Cancelled,
    Expired,
    Failed,
}

impl Status {
    pub const ALL: [Status; 6] =
        [Status::Processing, Status::Pending, Status::Accepted, Status::Cancelled, Status::Expired, Status::Failed];
    /// At most one open invitation exists per (account, email); inviting again needs none open.
    pub const OPEN: [Status; 2] = [Status::Processing, Status::Pending];
    /// States after which the same address may be invited again.
    pub const REINVITABLE: [Status; 3] = [Status::Cancelled, Status::Expired, Status::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Processing => "processing",
            Status::Pending => "pending",
            Status::Accepted => "accepted",
            Status::Cancelled => "cancelled",
            Status::Expired => "expired",
            Status::Failed => "failed",
        }
    }

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}; expected one of processing, pending, accepted, cancelled, expired, failed")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL.into_iter().find(|st| st.as_str() == s).ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_name_and_nothing_else() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert!("Pending".parse::<Status>().is_err());
        assert!("".parse::<Status>().is_err());
    }

    #[test]
    fn open_and_reinvitable_partition_the_non_accepted_states() {
        for s in Status::ALL {
            let groups = [Status::OPEN.contains(&s), Status::REINVITABLE.contains(&s), s == Status::Accepted];
            assert_eq!(groups.iter().filter(|g| **g).count(), 1, "{s}");
        }
    }
}
