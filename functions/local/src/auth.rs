//! Development tokens, standing in for the JWT authorizer: claims signed with HMAC-SHA256 under a key
//! drawn at start and never written anywhere, so only this server process can mint or accept them, and
//! a restart revokes them all. Nothing here exists in, or is reachable through, any Lambda.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub struct DevAuth {
    key: [u8; 32],
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl DevAuth {
    pub fn new() -> Self {
        Self { key: rand::random() }
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length works for HMAC")
    }

    /// A token carrying `claims` (string values, as API Gateway passes them) for `ttl`.
    pub fn mint(&self, claims: &Map<String, Value>, ttl: Duration) -> String {
        let mut claims = claims.clone();
        claims.insert("exp".into(), json!(unix_now() + ttl.as_secs()));
        let payload = URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string());
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    /// The claims of a valid, unexpired token, without `exp`; `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<Map<String, Value>> {
        let (payload, sig) = token.split_once('.')?;
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        mac.verify_slice(&URL_SAFE_NO_PAD.decode(sig).ok()?).ok()?;
        let mut claims = match serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()? {
            Value::Object(m) => m,
            _ => return None,
        };
        let exp = claims.remove("exp")?.as_u64()?;
        (exp > unix_now()).then_some(claims)
    }
}

impl Default for DevAuth {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Map<String, Value> {
        json!({"sub": "u", "account_id": "acme", "roles": "owner"}).as_object().unwrap().clone()
    }

    #[test]
    fn accepts_its_own_tokens_only() {
        let auth = DevAuth::new();
        let token = auth.mint(&claims(), Duration::from_secs(60));
        assert_eq!(auth.verify(&token), Some(claims()));
        assert_eq!(DevAuth::new().verify(&token), None, "another process's key");
        let (payload, sig) = token.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"sub":"u","account_id":"other","roles":"owner","exp":9999999999}"#);
        assert_eq!(auth.verify(&format!("{forged}.{sig}")), None);
        assert_eq!(auth.verify(payload), None);
        assert_eq!(auth.verify(""), None);
    }

    #[test]
    fn expired_tokens_are_refused() {
        let auth = DevAuth::new();
        assert_eq!(auth.verify(&auth.mint(&claims(), Duration::ZERO)), None);
    }
}
