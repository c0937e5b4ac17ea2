//! Who is calling: read from the JWT authorizer's claims only, with the role table written once.
use super::access::AccessOption;
use super::email::Email;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// An account id as the authorizer scopes it. It is part of storage keys, so its alphabet excludes the
/// key separator `#`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl TryFrom<String> for AccountId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AccountId::parse(&s).ok_or_else(|| format!("not an account id: {s:?}"))
    }
}

impl From<AccountId> for String {
    fn from(a: AccountId) -> String {
        a.0
    }
}

impl AccountId {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= super::limits::MAX_ACCOUNT_ID
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Owner,
    OrgManager,
    InfraAddUsers,
    IamAdmin,
}

impl Role {
    /// Every role, for those who show the table (the console's sign-in and invite form).
    pub const ALL: [Role; 4] = [Role::Owner, Role::OrgManager, Role::InfraAddUsers, Role::IamAdmin];

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The name a token's `roles` claim gives it.
    pub fn name(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::OrgManager => "org_manager",
            Role::InfraAddUsers => "infra_add_users",
            Role::IamAdmin => "iam_admin",
        }
    }

    /// May this role, on its own, invite, list, cancel and resend?
    pub fn manages(self) -> bool {
        !matches!(self, Role::IamAdmin)
    }

    /// The access options this role may grant (docs/api.md has the role table), once the caller
    /// holds a role that manages.
    pub fn grants(self) -> &'static [AccessOption] {
        match self {
            Role::Owner => &[AccessOption::Iam, AccessOption::CloudFoundry, AccessOption::Infrastructure],
            Role::OrgManager => &[AccessOption::CloudFoundry],
            Role::InfraAddUsers => &[AccessOption::Infrastructure],
            Role::IamAdmin => &[AccessOption::Iam],
        }
    }
}

/// The `email` claim as far as the identity provider vouches for it. API Gateway's JWT authorizer
/// checks a token's signature, issuer, audience, expiry and scopes, and nothing about an address: only
/// `email_verified` says the provider checked that the user holds it (docs/DESIGN.md, "Callers and
/// roles"). The authorizer passes every claim as a string, so a JSON `true` arrives as `"true"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimedEmail {
    /// A valid address with `email_verified` true.
    Verified(Email),
    /// A valid address whose `email_verified` is false, missing or anything but true.
    Unverified,
    /// No `email` claim, or one that is not an address.
    Missing,
}

impl ClaimedEmail {
    pub fn from_claims(claims: &HashMap<String, String>) -> Self {
        let Some(email) = claims.get("email").and_then(|e| Email::parse(e.trim()).ok()) else {
            return ClaimedEmail::Missing;
        };
        let verified = claims.get("email_verified").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        if verified {
            ClaimedEmail::Verified(email)
        } else {
            ClaimedEmail::Unverified
        }
    }

    /// The address, when it may be trusted as the caller's.
    pub fn verified(&self) -> Option<&Email> {
        match self {
            ClaimedEmail::Verified(email) => Some(email),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: String,
    /// The caller's verified address ([`ClaimedEmail::Verified`]): the inviter the email shows.
    pub email: Option<Email>,
    pub account_id: AccountId,
    roles: BTreeSet<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallerError {
    #[error("the request carries no authorizer claims")]
    NoClaims,
    #[error("the token has no {0} claim")]
    MissingClaim(&'static str),
    #[error("the token's account_id claim is not a valid account id")]
    BadAccount,
}

impl Caller {
    /// `roles` is space-separated; API Gateway flattens a JSON-array claim to `[a b]`, so brackets are
    /// dropped too. Unknown role names are ignored.
    pub fn from_claims(claims: &HashMap<String, String>) -> Result<Self, CallerError> {
        let present = |k: &str| claims.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let user_id = present("sub").ok_or(CallerError::MissingClaim("sub"))?.to_owned();
        let account = present("account_id").ok_or(CallerError::MissingClaim("account_id"))?;
        let account_id = AccountId::parse(account).ok_or(CallerError::BadAccount)?;
        let roles_raw = claims.get("roles").ok_or(CallerError::MissingClaim("roles"))?;
        let roles = roles_raw
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter_map(Role::parse)
            .collect();
        let email = ClaimedEmail::from_claims(claims).verified().cloned();
        Ok(Caller { user_id, email, account_id, roles })
    }

    /// May invite, list, cancel and resend: one of the three inviter roles (`iam_admin` alone is not one).
    pub fn is_inviter(&self) -> bool {
        self.roles.iter().any(|r| r.manages())
    }

    /// Holds the account itself: may set its policy (its settings) and lift its sending pause.
    pub fn is_owner(&self) -> bool {
        self.roles.contains(&Role::Owner)
    }

    pub fn may_grant(&self, option: AccessOption) -> bool {
        self.is_inviter() && self.roles.iter().any(|r| r.grants().contains(&option))
    }

    /// Every option this caller may grant, in a fixed order.
    pub fn grantable(&self) -> Vec<AccessOption> {
        AccessOption::ALL.into_iter().filter(|o| self.may_grant(*o)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(roles: &str) -> Caller {
        let claims = HashMap::from([
            ("sub".to_owned(), "u1".to_owned()),
            ("account_id".to_owned(), "acct-1".to_owned()),
            ("roles".to_owned(), roles.to_owned()),
        ]);
        Caller::from_claims(&claims).unwrap()
    }

    #[test]
    fn missing_claims_are_errors() {
        let mut claims = HashMap::from([("sub".to_owned(), "u".to_owned()), ("roles".to_owned(), "owner".to_owned())]);
        assert_eq!(Caller::from_claims(&claims), Err(CallerError::MissingClaim("account_id")));
        claims.insert("account_id".into(), "a#b".into());
        assert_eq!(Caller::from_claims(&claims), Err(CallerError::BadAccount));
        claims.insert("account_id".into(), "a".into());
        claims.insert("sub".into(), " ".into());
        assert_eq!(Caller::from_claims(&claims), Err(CallerError::MissingClaim("sub")));
        claims.insert("sub".into(), "u".into());
        claims.remove("roles");
        assert_eq!(Caller::from_claims(&claims), Err(CallerError::MissingClaim("roles")));
    }

    #[test]
    fn every_role_set_grants_exactly_the_table() {
        use AccessOption::*;
        let table: &[(&str, bool, &[AccessOption])] = &[
            ("", false, &[]),
            ("unknown", false, &[]),
            ("owner", true, &[Iam, CloudFoundry, Infrastructure]),
            ("org_manager", true, &[CloudFoundry]),
            ("infra_add_users", true, &[Infrastructure]),
            ("iam_admin", false, &[]),
            ("iam_admin org_manager", true, &[Iam, CloudFoundry]),
            ("[iam_admin infra_add_users]", true, &[Iam, Infrastructure]),
            ("[org_manager infra_add_users]", true, &[CloudFoundry, Infrastructure]),
            ("Owner", false, &[]),
        ];
        for (roles, inviter, grants) in table {
            let c = caller(roles);
            assert_eq!(c.is_inviter(), *inviter, "{roles}");
            assert_eq!(c.is_owner(), grants.len() == 3 && roles.contains("owner"), "{roles}");
            for o in [Iam, CloudFoundry, Infrastructure] {
                assert_eq!(c.may_grant(o), grants.contains(&o), "{roles} / {o:?}");
            }
        }
    }

    #[test]
    fn every_role_is_listed_once_under_the_name_it_parses_from() {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(names, ["owner", "org_manager", "infra_add_users", "iam_admin"]);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.name()), Some(role));
        }
    }

    #[test]
    fn an_address_counts_only_when_verified() {
        let with = |pairs: &[(&str, &str)]| {
            let mut claims = HashMap::from([
                ("sub".to_owned(), "u1".to_owned()),
                ("account_id".to_owned(), "acct-1".to_owned()),
                ("roles".to_owned(), "owner".to_owned()),
            ]);
            claims.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            (ClaimedEmail::from_claims(&claims), Caller::from_claims(&claims).unwrap().email)
        };
        let ada = Email::parse("ada@example.com").unwrap();
        let verified = with(&[("email", "Ada@Example.com"), ("email_verified", "true")]);
        assert_eq!(verified, (ClaimedEmail::Verified(ada.clone()), Some(ada.clone())));
        assert_eq!(with(&[("email", "ada@example.com"), ("email_verified", " TRUE ")]).1, Some(ada));
        for unverified in [
            &[("email", "ada@example.com")][..],
            &[("email", "ada@example.com"), ("email_verified", "false")],
            &[("email", "ada@example.com"), ("email_verified", "yes")],
            &[("email", "ada@example.com"), ("email_verified", "")],
        ] {
            assert_eq!(with(unverified), (ClaimedEmail::Unverified, None), "{unverified:?}");
        }
        assert_eq!(with(&[]), (ClaimedEmail::Missing, None));
        assert_eq!(with(&[("email", "not an address"), ("email_verified", "true")]), (ClaimedEmail::Missing, None));
    }

    #[test]
    fn grantable_is_what_may_be_granted() {
        assert_eq!(caller("org_manager").grantable(), [AccessOption::CloudFoundry]);
        assert_eq!(caller("iam_admin infra_add_users").grantable(), [AccessOption::Iam, AccessOption::Infrastructure]);
        assert_eq!(caller("iam_admin").grantable(), []);
        assert_eq!(caller("owner").grantable(), AccessOption::ALL);
    }
}
