use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::{rngs::OsRng, TryRngCore};
use sha2::{Digest, Sha256};
use std::fmt;

/// The secret in an invitation link. No `Display`, and a redacted `Debug`: the only way to the text is
/// [`Token::expose`], which the email composer alone calls.
pub struct Token(String);

/// The SHA-256 of a token, hex: the only form a token is stored in.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TokenHash(String);

impl Token {
    /// 32 bytes from the operating system's random source, base64url without padding.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.try_fill_bytes(&mut bytes).expect("the OS random source failed");
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

/// A token as an invitee presents it: 1 to 256 base64url characters. Anything else is a malformed
/// request, not a wrong token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("token must be 1 to {MAX_PRESENTED} base64url characters")]
pub struct MalformedToken;

pub use super::limits::MAX_PRESENTED_TOKEN as MAX_PRESENTED;

impl TokenHash {
    /// The hash of a presented token, which is only ever compared, never kept.
    pub fn of_presented(raw: &str) -> Result<Self, MalformedToken> {
        let ok = (1..=MAX_PRESENTED).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self::of(raw)).ok_or(MalformedToken)
    }

    pub fn of(token: &str) -> Self {
        Self(hex::encode(Sha256::digest(token.as_bytes())))
    }

    /// A hash read back from storage.
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(redacted)")
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_32_random_bytes_base64url() {
        let a = Token::generate();
        let b = Token::generate();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(URL_SAFE_NO_PAD.decode(a.expose()).unwrap().len(), 32);
        assert_eq!(a.expose().len(), 43);
    }

    #[test]
    fn presented_tokens_are_base64url_and_bounded() {
        let t = Token::generate();
        assert_eq!(TokenHash::of_presented(t.expose()), Ok(t.hash()));
        for bad in ["", "a b", "a+b", "a/b", "a=", "é", &"a".repeat(257)] {
            assert_eq!(TokenHash::of_presented(bad), Err(MalformedToken), "{bad:?}");
        }
        assert!(TokenHash::of_presented(&"a".repeat(256)).is_ok());
    }

    #[test]
    fn hash_is_sha256_hex_and_debug_hides_the_secret() {
        let t = Token::generate();
        assert_eq!(t.hash().as_str(), hex::encode(Sha256::digest(t.expose().as_bytes())));
        assert!(!format!("{t:?}").contains(t.expose()));
        assert_eq!(TokenHash::of("abc").as_str(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
