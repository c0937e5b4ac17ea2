use std::fmt;

/// An invitee's address, lower-cased, checked against the address rules below. Its `Debug` is masked so an address
/// that ends up in a log line through `?` is masked too.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl TryFrom<String> for Email {
    type Error = InvalidEmail;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidEmail(&'static str);

const MAX_LEN: usize = super::limits::MAX_EMAIL;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        if raw.is_empty() {
            return Err(InvalidEmail("is empty"));
        }
        if !raw.is_ascii() {
            return Err(InvalidEmail("must be ASCII"));
        }
        if raw.len() > MAX_LEN {
            return Err(InvalidEmail("is longer than 254 characters"));
        }
        if raw.chars().any(|c| c.is_ascii_whitespace() || c.is_ascii_control()) {
            return Err(InvalidEmail("contains whitespace or control characters"));
        }
        if raw.contains(['"', '\'', '<', '>']) {
            return Err(InvalidEmail("must be a bare address without quotes, angle brackets or a display name"));
        }
        let (local, domain) = match raw.split_once('@') {
            Some((l, d)) if !d.contains('@') => (l, d),
            _ => return Err(InvalidEmail("must contain exactly one @")),
        };
        if local.is_empty() {
            return Err(InvalidEmail("has an empty local part"));
        }
        // RFC 5322 dot-atom text: anything else would need quoting, which we refuse.
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&*+-/=?^_`{|}~.".contains(c);
        if !local.chars().all(atext) || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(InvalidEmail("has a local part with characters that are not allowed"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(InvalidEmail("needs a domain with at least one dot"));
        }
        let label_ok = |l: &&str| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if !labels.iter().all(label_ok) {
            return Err(InvalidEmail("has a domain that is not a valid host name"));
        }
        Ok(Self(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `a***@example.com`: the form every log line uses.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// The beginning of an address, as the Users list's search takes it: lower-cased, 1 to 254 characters
/// of an address's alphabet. It never begins with `#`, the mark the Users index puts in place of the
/// address of someone invited by user id, so a search never finds an address an inviter may not see.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailPrefix(String);

impl EmailPrefix {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        if raw.is_empty() {
            return Err(InvalidEmail("is empty"));
        }
        if raw.len() > MAX_LEN {
            return Err(InvalidEmail("is longer than 254 characters"));
        }
        let alphabet = |c: char| c.is_ascii_alphanumeric() || "!#$%&*+-/=?^_`{|}~.@".contains(c);
        if !raw.chars().all(alphabet) {
            return Err(InvalidEmail("has characters no address has"));
        }
        if raw.starts_with('#') {
            return Err(InvalidEmail("must not begin with #"));
        }
        Ok(Self(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for EmailPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailPrefix({})", mask(&self.0))
    }
}

/// Masks anything that may be an address; for strings that never became an [`Email`].
pub fn mask(raw: &str) -> String {
    match raw.split_once('@') {
        Some((local, domain)) => format!("{}@{domain}", mask_local(local)),
        None => "***".to_owned(),
    }
}

/// `a***` for a local part of two characters or more; `***` for one, whose first character is all of it.
pub fn mask_local(local: &str) -> String {
    let mut chars = local.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(_)) => format!("{first}***"),
        _ => "***".to_owned(),
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_lowercases_plain_addresses() {
        for ok in ["a@b.co", "First.Last+tag@Example.COM", "x_y-z@sub.domain-1.org"] {
            let e = Email::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(e.as_str(), ok.to_ascii_lowercase());
        }
    }

    #[test]
    fn rejects_each_rule() {
        let long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a@b@c.com",
            "a b@c.com",
            "a@b.com\r\nBcc: x@y.z",
            "\"a\"@b.com",
            "Ann <a@b.com>",
            "<a@b.com>",
            "ä@b.com",
            "a@b..com",
            "a@.b.com",
            "a@-b.com",
            ".a@b.com",
            "a..b@c.com",
            "a\u{7}@b.com",
            long.as_str(),
        ] {
            assert!(Email::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn masks_in_debug_and_masked() {
        let e = Email::parse("alice@example.com").unwrap();
        assert_eq!(e.masked(), "a***@example.com");
        assert_eq!(format!("{e:?}"), "Email(a***@example.com)");
        assert!(!format!("{e:?}").contains("alice"));
    }

    #[test]
    fn a_prefix_is_an_addresses_beginning_lower_cased() {
        for (raw, want) in [("Ann", "ann"), ("ann@Ex", "ann@ex"), ("a.b+c@x.io", "a.b+c@x.io"), ("@", "@")] {
            assert_eq!(EmailPrefix::parse(raw).unwrap().as_str(), want);
        }
        let long = "a".repeat(255);
        for bad in ["", "#user", "a b", "a\"b", "<a", "ä", "a\u{7}", long.as_str()] {
            assert!(EmailPrefix::parse(bad).is_err(), "accepted {bad:?}");
        }
        assert!(!format!("{:?}", EmailPrefix::parse("alice@x.io").unwrap()).contains("alice"));
    }

    #[test]
    fn a_one_character_local_part_is_hidden_whole() {
        assert_eq!(Email::parse("k@x.io").unwrap().masked(), "***@x.io");
        assert_eq!(mask("k@x.io"), "***@x.io");
        assert_eq!(mask("ki@x.io"), "k***@x.io");
    }
}
