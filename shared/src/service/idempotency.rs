//! `Idempotency-Key` (SPEC §6): a retried invite within 24 hours gets the first answer again, byte for
//! byte, and sends nothing twice. A key is claimed with one conditional write, so of concurrent requests
//! with one key exactly one runs; the others wait for its answer.
use crate::domain::{AccountId, Timestamp};
use crate::store::StoreError;
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// How long an answer is kept for retries.
pub const RETENTION: Duration = Duration::from_secs(24 * 3600);
/// A claim not completed within this time (its request died) may be taken over.
pub const CLAIM_LEASE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Idempotency-Key must be 1 to 64 printable ASCII characters")]
pub struct InvalidKey;

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<Self, InvalidKey> {
        let ok = (1..=64).contains(&raw.len()) && raw.bytes().all(|b| (0x20..0x7f).contains(&b)) && raw.trim() == raw;
        ok.then(|| Self(raw.to_owned())).ok_or(InvalidKey)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What identifies "the same request": who sent it and the exact body.
pub fn fingerprint(user_id: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(user_id.as_bytes());
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

/// A finished request's answer, kept as it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request owns the key now and does the work.
    Claimed,
    /// A live record exists: finished (`saved`) or still running.
    Existing { fingerprint: String, saved: Option<Saved> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope<'a> {
    pub account: &'a AccountId,
    pub key: &'a IdempotencyKey,
    pub fingerprint: &'a str,
}

#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims the key unless a record that has neither expired nor been abandoned holds it.
    async fn claim(&self, scope: &Scope<'_>, now: Timestamp) -> Result<Claim, StoreError>;
    /// Keeps the answer until `now` + [`RETENTION`].
    async fn complete(&self, scope: &Scope<'_>, saved: &Saved, now: Timestamp) -> Result<(), StoreError>;
    /// Gives the key up after a failure a retry may cure.
    async fn release(&self, scope: &Scope<'_>) -> Result<(), StoreError>;
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
