//! Development tokens, standing in for the JWT authorizer: JWTs (HS256) signed under a key drawn at start
//! and never written anywhere, so only this server process can mint or accept them, and a restart
//! revokes them all. They are JWTs so that tools reading a token's claims (the `invitations` command
//! line takes its account from them) read these too. Nothing here exists in, or is reachable through,
//! any Lambda.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The only header these tokens have: anything else (another algorithm, `none`) is refused.
fn header() -> String {
    URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#)
}

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
        let signed = format!("{}.{}", header(), URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string()));
        let mut mac = self.mac();
        mac.update(signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    /// The claims of a valid, unexpired token, without `exp`; `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<Map<String, Value>> {
        let (signed, sig) = token.rsplit_once('.')?;
        let payload = signed.strip_prefix(&header())?.strip_prefix('.')?;
        let mut mac = self.mac();
        mac.update(signed.as_bytes());
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
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3, "a JWT: header, claims, signature");
        let claims_read: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims_read["account_id"], "acme");
        let forged = URL_SAFE_NO_PAD.encode(r#"{"sub":"u","account_id":"other","roles":"owner","exp":9999999999}"#);
        assert_eq!(auth.verify(&format!("{}.{forged}.{}", parts[0], parts[2])), None);
        let none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(auth.verify(&format!("{none}.{}.{}", parts[1], parts[2])), None, "another header");
        assert_eq!(auth.verify(&format!("{}.{}", parts[0], parts[1])), None);
        assert_eq!(auth.verify(""), None);
    }

    #[test]
    fn expired_tokens_are_refused() {
        let auth = DevAuth::new();
        assert_eq!(auth.verify(&auth.mint(&claims(), Duration::ZERO)), None);
    }
}
