//! Opaque page cursors: where to continue, and a digest of the account and filter they belong to, so a
//! cursor replayed against another account or filter is refused. A cursor only ever names a position
//! inside the caller's own account, since the stores build every key from the caller's account.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is not one this list gave out for this account and filter")]
pub struct InvalidCursor;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cursor {
    after: String,
    scope: String,
}

/// The digest of what a cursor is bound to.
pub fn scope(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..16])
}

/// A status filter as a scope part: the same set of statuses in any order is the same filter.
pub fn statuses_part<'a>(statuses: impl Iterator<Item = &'a str>) -> String {
    let mut statuses: Vec<&str> = statuses.collect();
    statuses.sort_unstable();
    statuses.dedup();
    statuses.join(",")
}

pub fn encode(after: &str, scope: &str) -> String {
    let cursor = Cursor { after: after.to_owned(), scope: scope.to_owned() };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).expect("two strings serialize"))
}

/// The position of a cursor given out for `expected_scope`, in exactly the text it was given out as.
pub fn decode(raw: &str, expected_scope: &str) -> Result<String, InvalidCursor> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| InvalidCursor)?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| InvalidCursor)?;
    if cursor.scope != expected_scope || encode(&cursor.after, &cursor.scope) != raw {
        return Err(InvalidCursor);
    }
    Ok(cursor.after)
}
