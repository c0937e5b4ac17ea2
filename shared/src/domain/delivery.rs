//! What became of an invitation's latest email, as SES reports it, and the tags each email carries so
//! its reports find their invitation. A report holds words from SES's own vocabularies only: no
//! diagnostic text, no address, nothing a recipient's mail server wrote.
use super::{AccountId, InvitationId, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Delayed,
    Bounced,
    Complained,
    Suppressed,
    Rejected,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 7] = [
        DeliveryStatus::Sent,
        DeliveryStatus::Delivered,
        DeliveryStatus::Delayed,
        DeliveryStatus::Bounced,
        DeliveryStatus::Complained,
        DeliveryStatus::Suppressed,
        DeliveryStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Delayed => "delayed",
            DeliveryStatus::Bounced => "bounced",
            DeliveryStatus::Complained => "complained",
            DeliveryStatus::Suppressed => "suppressed",
            DeliveryStatus::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown delivery status {0:?}; expected one of sent, delivered, delayed, bounced, complained, suppressed, rejected")]
pub struct UnknownDeliveryStatus(pub String);

impl std::str::FromStr for DeliveryStatus {
    type Err = UnknownDeliveryStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| UnknownDeliveryStatus(s.to_owned()))
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One report on one email: its status, when SES saw it, a few words of why, and which send of the
/// invitation it was (1 for the first email).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub status: DeliveryStatus,
    pub at: Timestamp,
    pub detail: Option<String>,
    pub send: u32,
    /// A permanent bounce, a complaint or the suppression list: the address takes no more email.
    pub undeliverable: bool,
}

impl Delivery {
    /// Where a report stands among the reports of its send: a later stage of an email's life never
    /// gives way to an earlier one arriving late (a delivery after its complaint, a delay after its
    /// bounce), and a final verdict never to a transient one.
    pub fn rank(&self) -> u32 {
        match self.status {
            DeliveryStatus::Sent => 0,
            DeliveryStatus::Delayed => 1,
            DeliveryStatus::Delivered => 2,
            DeliveryStatus::Bounced if !self.undeliverable => 3,
            DeliveryStatus::Rejected => 4,
            DeliveryStatus::Bounced | DeliveryStatus::Suppressed => 5,
            DeliveryStatus::Complained => 6,
        }
    }

    /// One number ordering every report of an invitation: by send, then by [`Delivery::rank`]. The
    /// stores compare it (and `at` between equals) in the record's condition.
    pub fn order(&self) -> u64 {
        u64::from(self.send) * 8 + u64::from(self.rank())
    }
}

/// The tags every email carries, named as SES shows them back in its events.
pub mod tag {
    pub const ACCOUNT: &str = "account";
    pub const INVITATION: &str = "invitation";
    pub const SEND: &str = "send";
}

/// An account id as a tag value. SES allows letters, digits, `_` and `-` in one; an account id may hold
/// `.` too, so `_` escapes: `_` is `_u`, `.` is `_d`.
pub fn account_tag(account: &AccountId) -> String {
    let mut out = String::with_capacity(account.as_str().len());
    for c in account.as_str().chars() {
        match c {
            '_' => out.push_str("_u"),
            '.' => out.push_str("_d"),
            c => out.push(c),
        }
    }
    out
}

/// The account a tag value names, if it is one [`account_tag`] wrote.
pub fn account_from_tag(tag: &str) -> Option<AccountId> {
    let mut raw = String::with_capacity(tag.len());
    let mut chars = tag.chars();
    while let Some(c) = chars.next() {
        match c {
            '_' => raw.push(match chars.next()? {
                'u' => '_',
                'd' => '.',
                _ => return None,
            }),
            c if c.is_ascii_alphanumeric() || c == '-' => raw.push(c),
            _ => return None,
        }
    }
    AccountId::parse(&raw)
}

/// Which invitation and which of its sends an SES report is about, from the email's tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRef {
    pub account: AccountId,
    pub invitation: InvitationId,
    pub send: u32,
}

impl SendRef {
    /// The tags an email carries, as (name, value) pairs SES accepts.
    pub fn tags(&self) -> [(&'static str, String); 3] {
        [
            (tag::ACCOUNT, account_tag(&self.account)),
            (tag::INVITATION, self.invitation.to_string()),
            (tag::SEND, self.send.to_string()),
        ]
    }

    /// Reads the three tags back; `None` unless each is one the service writes.
    pub fn from_tags(account: &str, invitation: &str, send: &str) -> Option<Self> {
        let send = send.parse::<u32>().ok().filter(|n| (1..=1000).contains(n) && n.to_string() == send)?;
        Some(SendRef { account: account_from_tag(account)?, invitation: InvitationId::parse(invitation).ok()?, send })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_tags_hold_only_what_ses_allows_and_read_back() {
        for raw in ["acme", "a.b_c-d", "_._", "x__y..z"] {
            let account = AccountId::parse(raw).unwrap();
            let tag = account_tag(&account);
            assert!(tag.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c)), "{tag}");
            assert_eq!(account_from_tag(&tag), Some(account), "{raw}");
        }
        for bad in ["a_", "a_x", "a.b", "a b", "", "a@b"] {
            assert_eq!(account_from_tag(bad), None, "{bad}");
        }
    }

    #[test]
    fn send_refs_read_back_only_what_was_written() {
        let r = SendRef { account: AccountId::parse("ac.me").unwrap(), invitation: InvitationId::new(), send: 2 };
        let [(_, a), (_, i), (_, s)] = r.tags();
        assert_eq!(SendRef::from_tags(&a, &i, &s), Some(r.clone()));
        assert_eq!(SendRef::from_tags(&a, &i, "0"), None);
        assert_eq!(SendRef::from_tags(&a, &i, "02"), None);
        assert_eq!(SendRef::from_tags(&a, "not-an-id", &s), None);
    }

    #[test]
    fn a_final_verdict_outranks_what_comes_before_it() {
        let d = |status, undeliverable| Delivery {
            status,
            at: Timestamp::from_millis(0),
            detail: None,
            send: 1,
            undeliverable,
        };
        let order: Vec<u32> = [
            d(DeliveryStatus::Sent, false),
            d(DeliveryStatus::Delayed, false),
            d(DeliveryStatus::Delivered, false),
            d(DeliveryStatus::Bounced, false),
            d(DeliveryStatus::Bounced, true),
            d(DeliveryStatus::Complained, true),
        ]
        .iter()
        .map(Delivery::rank)
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        let later_send = Delivery { send: 2, ..d(DeliveryStatus::Sent, false) };
        assert!(later_send.order() > d(DeliveryStatus::Complained, true).order());
    }
}
