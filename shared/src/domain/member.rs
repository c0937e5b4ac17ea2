//! Members of an account and the people who accept invitations: a `UserId` is the identity provider's
//! `sub`; a `Member` is who joined through an accepted invitation; a `Claimant` is the caller of the
//! accept route, who is not yet a member and so is read without the account and role claims.
use super::caller::ClaimedEmail;
use super::{Access, AccountId, Email, InvitationId, Timestamp};
use std::collections::HashMap;
use std::fmt;

/// A user id (the token's `sub`): 1 to 128 of `A-Z a-z 0-9 . _ : | + -`, compared exactly.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 128 letters, digits or . _ : | + -")]
pub struct InvalidUserId;

impl UserId {
    pub fn parse(raw: &str) -> Result<Self, InvalidUserId> {
        let ok = (1..=super::limits::MAX_USER_ID).contains(&raw.len())
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || "._:|+-".contains(c));
        ok.then(|| Self(raw.to_owned())).ok_or(InvalidUserId)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UserId {
    type Error = InvalidUserId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        UserId::parse(&s)
    }
}

impl From<UserId> for String {
    fn from(u: UserId) -> String {
        u.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserId({})", self.0)
    }
}

/// A member of an account: always `active` while it exists.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Member {
    pub user_id: UserId,
    pub account_id: AccountId,
    pub email: Email,
    pub access: Access,
    pub invited_by: String,
    pub invitation_id: InvitationId,
    pub joined_at: Timestamp,
    /// Joined through an invitation sent to its user id: inviters never see its address.
    #[serde(default)]
    pub by_user_id: bool,
}

/// A row's status in an account's Users list: a member, or an open invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserStatus {
    Active,
    Pending,
    Processing,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}; expected one of active, pending, processing")]
pub struct UnknownUserStatus(pub String);

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Pending => "pending",
            UserStatus::Processing => "processing",
        }
    }
}

impl std::str::FromStr for UserStatus {
    type Err = UnknownUserStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(UserStatus::Active),
            "pending" => Ok(UserStatus::Pending),
            "processing" => Ok(UserStatus::Processing),
            other => Err(UnknownUserStatus(other.to_owned())),
        }
    }
}

/// The caller of the accept route: its `sub`, and its `email` claim as far as the identity provider
/// vouches for it (only a verified address can accept an invitation sent to it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimant {
    pub user_id: UserId,
    pub email: ClaimedEmail,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimantError {
    #[error("the token has no sub claim")]
    NoSub,
    #[error("the token's sub {0}")]
    BadSub(InvalidUserId),
}

impl Claimant {
    pub fn from_claims(claims: &HashMap<String, String>) -> Result<Self, ClaimantError> {
        let sub = claims.get("sub").map(|s| s.trim()).filter(|s| !s.is_empty()).ok_or(ClaimantError::NoSub)?;
        let user_id = UserId::parse(sub).map_err(ClaimantError::BadSub)?;
        Ok(Claimant { user_id, email: ClaimedEmail::from_claims(claims) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn user_ids_are_exact_and_bounded() {
        for ok in ["u", "auth0|5f1c", "google-oauth2|1234", "a.b_c:d+e-f", &"x".repeat(128)] {
            assert_eq!(UserId::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["", " u", "a b", "a@b", "é", "a/b", &"x".repeat(129)] {
            assert!(UserId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_claimant_has_an_address_only_when_it_is_verified() {
        let c = Claimant::from_claims(&claims(&[("sub", "u1"), ("email", "Ada@Example.com")])).unwrap();
        assert_eq!(c.email, ClaimedEmail::Unverified, "a missing email_verified is not verified");
        let c =
            Claimant::from_claims(&claims(&[("sub", "u1"), ("email", "ada@example.com"), ("email_verified", "false")]));
        assert_eq!(c.unwrap().email, ClaimedEmail::Unverified);
        let c =
            Claimant::from_claims(&claims(&[("sub", "u1"), ("email", "Ada@example.com"), ("email_verified", "true")]));
        assert_eq!(c.unwrap().email.verified(), Some(&Email::parse("ada@example.com").unwrap()));
        assert_eq!(Claimant::from_claims(&claims(&[("email", "a@x.io")])), Err(ClaimantError::NoSub));
        assert!(matches!(Claimant::from_claims(&claims(&[("sub", "a b")])), Err(ClaimantError::BadSub(_))));
        // The account and role claims play no part.
        let c = Claimant::from_claims(&claims(&[("sub", "u1"), ("account_id", "x"), ("roles", "owner")])).unwrap();
        assert_eq!((c.user_id.as_str(), c.email), ("u1", ClaimedEmail::Missing));
    }
}
