//! The `invitees` field: a string split on separators or an array of strings, deduplicated, each piece
//! parsed on its own so one bad piece does not sink the batch. A piece with an `@` is an address
//! (compared ignoring ASCII case, as the address parser folds it); one without is a user id (compared
//! exactly).
use super::email::{Email, InvalidEmail};
use super::member::{InvalidUserId, UserId};
use serde_json::Value;
use std::collections::HashSet;

pub use super::limits::MAX_INVITEES;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    /// The piece as the caller wrote it, echoed back in the answer.
    pub given: String,
    pub parsed: Result<Target, InvalidInvitee>,
}

/// Whom a piece names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Email(Email),
    /// A user who accepted an invitation in this deployment, found in the directory.
    User(UserId),
}

impl Target {
    pub fn email(&self) -> Option<&Email> {
        match self {
            Target::Email(e) => Some(e),
            Target::User(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidInvitee {
    #[error("not a valid email address: it {0}")]
    Email(InvalidEmail),
    #[error("not a valid user id: it {0}")]
    User(InvalidUserId),
}

fn target(piece: &str) -> Result<Target, InvalidInvitee> {
    if piece.contains('@') {
        Email::parse(piece).map(Target::Email).map_err(InvalidInvitee::Email)
    } else {
        UserId::parse(piece).map(Target::User).map_err(InvalidInvitee::User)
    }
}

/// What makes two pieces the same invitee: an address in any ASCII case, as [`Email::parse`] folds it
/// (Unicode folding would let `\u{212A}@x.io`, never an address, hide `k@x.io`); a user id exactly.
fn identity(piece: &str) -> String {
    if piece.contains('@') {
        piece.to_ascii_lowercase()
    } else {
        piece.to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invitees: {0}")]
pub struct InvalidInvitees(pub String);

pub fn parse_invitees(value: &Value) -> Result<Vec<Invitee>, InvalidInvitees> {
    let pieces: Vec<&str> = match value {
        Value::String(s) => s.split([',', ' ', '\t', '\n', '\r']).collect(),
        Value::Array(items) => items
            .iter()
            // ASCII whitespace only: a trailing Unicode line separator is part of a bad address, not padding.
            .map(|v| {
                v.as_str()
                    .map(|s| s.trim_matches(|c: char| c.is_ascii_whitespace()))
                    .ok_or_else(|| InvalidInvitees("every item must be a string".into()))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(InvalidInvitees("must be a string or an array of strings".into())),
    };
    let mut seen = HashSet::new();
    let invitees: Vec<Invitee> = pieces
        .into_iter()
        .filter(|p| !p.is_empty())
        .filter(|p| seen.insert(identity(p)))
        .map(|p| Invitee { given: p.to_owned(), parsed: target(p) })
        .collect();
    if invitees.is_empty() {
        return Err(InvalidInvitees("name at least one invitee".into()));
    }
    if invitees.len() > MAX_INVITEES {
        return Err(InvalidInvitees(format!("at most {MAX_INVITEES} distinct invitees per request")));
    }
    Ok(invitees)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splits_strings_on_every_separator_and_drops_empties() {
        let v = parse_invitees(&json!("a@x.io, b@x.io\tc@x.io\nd@x.io\r\n,, e@x.io")).unwrap();
        let got: Vec<_> = v.iter().map(|i| i.given.as_str()).collect();
        assert_eq!(got, ["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io"]);
    }

    #[test]
    fn collapses_case_insensitive_duplicates_to_the_first() {
        let v = parse_invitees(&json!(["Ann@X.io", "bob@x.io", "ann@x.io", "ANN@x.IO"])).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].given, "Ann@X.io");
        assert_eq!(v[0].parsed.as_ref().unwrap().email().unwrap().as_str(), "ann@x.io");
    }

    #[test]
    fn keeps_invalid_pieces_as_per_invitee_results() {
        let v = parse_invitees(&json!("ok@x.io no@pe a/b")).unwrap();
        assert!(v[0].parsed.is_ok());
        assert!(matches!(v[1].parsed, Err(InvalidInvitee::Email(_))));
        assert!(matches!(v[2].parsed, Err(InvalidInvitee::User(_))));
    }

    #[test]
    fn pieces_without_an_at_are_user_ids_compared_exactly() {
        let v = parse_invitees(&json!("auth0|42, Auth0|42 auth0|42 bo@x.io")).unwrap();
        let targets: Vec<_> = v.iter().map(|i| i.parsed.clone().unwrap()).collect();
        assert_eq!(
            targets,
            [
                Target::User(UserId::parse("auth0|42").unwrap()),
                Target::User(UserId::parse("Auth0|42").unwrap()),
                Target::Email(Email::parse("bo@x.io").unwrap())
            ]
        );
    }

    #[test]
    fn counts_distinct_invitees() {
        let hundred: Vec<String> = (0..100).map(|i| format!("u{i}@x.io")).collect();
        assert_eq!(parse_invitees(&json!(hundred)).unwrap().len(), 100);
        let mut with_dupes = hundred.clone();
        with_dupes.push("U0@x.io".into());
        assert_eq!(parse_invitees(&json!(with_dupes)).unwrap().len(), 100);
        let mut over = hundred;
        over.push("u100@x.io".into());
        assert!(parse_invitees(&json!(over)).is_err());
    }

    #[test]
    fn addresses_are_the_same_only_in_ascii_case() {
        // KELVIN SIGN lower-cases to `k` under Unicode rules: it must not hide the real `k@x.io`.
        let v = parse_invitees(&json!(["\u{212A}@x.io", "k@x.io", "K@X.IO"])).unwrap();
        let given: Vec<_> = v.iter().map(|i| i.given.as_str()).collect();
        assert_eq!(given, ["\u{212A}@x.io", "k@x.io"]);
        assert!(v[0].parsed.is_err());
        assert_eq!(v[1].parsed.as_ref().unwrap().email().unwrap().as_str(), "k@x.io");
    }

    #[test]
    fn unicode_whitespace_is_not_trimmed_away() {
        let v = parse_invitees(&json!(["a@x.io\u{2028}", "\u{a0}b@x.io", " c@x.io\t"])).unwrap();
        assert!(v[0].parsed.is_err() && v[1].parsed.is_err());
        assert_eq!(v[2].parsed.as_ref().unwrap().email().unwrap().as_str(), "c@x.io");
    }

    #[test]
    fn rejects_wrong_shapes_and_empty_input() {
        for v in [
            json!(""),
            json!(" , "),
            json!([]),
            json!([""]),
            json!(5),
            json!(null),
            json!(["a@x.io", 1]),
            json!({"a": 1}),
        ] {
            assert!(parse_invitees(&v).is_err(), "{v}");
        }
    }
}
