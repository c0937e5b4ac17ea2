//! What identifies a retried request: the caller's `Idempotency-Key` and a fingerprint of the request.
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Idempotency-Key must be 1 to {MAX_KEY_LEN} printable ASCII characters")]
pub struct InvalidKey;

pub use super::limits::MAX_IDEMPOTENCY_KEY as MAX_KEY_LEN;

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<Self, InvalidKey> {
        let ok = (1..=MAX_KEY_LEN).contains(&raw.len())
            && raw.bytes().all(|b| (0x20..0x7f).contains(&b))
            && raw.trim() == raw;
        ok.then(|| Self(raw.to_owned())).ok_or(InvalidKey)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// "The same request": who sent it and the exact body.
pub fn fingerprint(user_id: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(user_id.as_bytes());
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_1_to_64_printable_characters() {
        for ok in ["a", "order-42", "Ab 9_~!", &"k".repeat(64)] {
            assert!(IdempotencyKey::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", " a", "a ", &"k".repeat(65), "a\nb", "a\tb", "é", "a\u{7f}"] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn fingerprints_differ_by_caller_and_body() {
        let a = fingerprint("u1", b"{}");
        assert_eq!(a, fingerprint("u1", b"{}"));
        assert_ne!(a, fingerprint("u2", b"{}"));
        assert_ne!(a, fingerprint("u1", b"{ }"));
    }
}
