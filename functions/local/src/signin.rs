//! The development sign-in of the accept page (`POST /dev/sign-in` with `{"email": "…"}`): it stands in
//! for the identity provider an invitee signs in with, and trusts any address it is given, which is
//! why it lives in the local server only and never in a Lambda function. Its token is an invitee's:
//! a `sub`, the address and `email_verified`, and no account or roles, because an invitee is not yet a
//! member of anything.
use crate::auth::DevAuth;
use http_body_util::Full;
use hyper::body::Bytes;
use invitations::domain::Email;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// An identity provider's session is short; an hour covers opening a link and accepting it.
pub const SIGN_IN_TTL: Duration = Duration::from_secs(3600);

/// The claims of whoever signs in as `email`: the same address always gets the same `sub`, so an accept
/// retried after a second sign-in is the same user's.
pub fn claims(email: &Email) -> Map<String, Value> {
    let digest = Sha256::digest(email.as_str().as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let claims = json!({"sub": format!("dev-{hex}"), "email": email.as_str(), "email_verified": "true"});
    claims.as_object().expect("an object").clone()
}

/// The token for a sign-in request's body, or the reason it is refused.
pub fn sign_in(auth: &DevAuth, body: &[u8]) -> Result<String, String> {
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(body) else {
        return Err("the body must be a JSON object {\"email\": \"…\"}".into());
    };
    let email = match fields.remove("email") {
        Some(Value::String(s)) => s,
        Some(_) => return Err("email must be a string".into()),
        None => return Err("email is required".into()),
    };
    // Named as a rule, not by the field: an error about a body never quotes it.
    if !fields.is_empty() {
        return Err("the body has a field it does not take; it takes only email".into());
    }
    let email = Email::parse(email.trim()).map_err(|e| format!("email {e}"))?;
    Ok(auth.mint(&claims(&email), SIGN_IN_TTL))
}

/// The HTTP answer: 200 `{"token"}`, or 400 in the API's error shape.
pub fn answer(auth: &DevAuth, body: &[u8]) -> hyper::Response<Full<Bytes>> {
    let (status, body) = match sign_in(auth, body) {
        Ok(token) => (200, json!({"token": token})),
        Err(message) => (400, json!({"error": {"code": "invalid_request", "message": message}})),
    };
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("static parts are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_carries_an_invitees_claims_only() {
        let auth = DevAuth::new();
        let token = sign_in(&auth, br#"{"email": " Ann@Example.COM "}"#).unwrap();
        let got = auth.verify(&token).expect("the server's own token");
        let sub = got["sub"].as_str().unwrap();
        assert!(sub.starts_with("dev-") && sub.len() == 20, "{sub}");
        assert_eq!(got["email"], "ann@example.com");
        assert_eq!(got["email_verified"], "true");
        assert_eq!(got.len(), 3, "no account_id, no roles: {got:?}");
        let again = auth.verify(&sign_in(&auth, br#"{"email": "ann@example.com"}"#).unwrap()).unwrap();
        assert_eq!(again["sub"], sub, "the same address is the same user");
        let other = auth.verify(&sign_in(&auth, br#"{"email": "bob@example.com"}"#).unwrap()).unwrap();
        assert_ne!(other["sub"], sub);
    }

    #[test]
    fn bad_bodies_are_refused() {
        let auth = DevAuth::new();
        for (body, expected) in [
            (&br#"{"email": "not-an-address"}"#[..], "email must contain exactly one @"),
            (br#"{"email": ""}"#, "email is empty"),
            (br#"{"email": 7}"#, "email must be a string"),
            (br#"{}"#, "email is required"),
            (br#"{"email": "a@x.io", "roles": "owner"}"#, "a field it does not take; it takes only email"),
            (br#"["a@x.io"]"#, "JSON object"),
            (b"email=a@x.io", "JSON object"),
        ] {
            let err = sign_in(&auth, body).unwrap_err();
            assert!(err.contains(expected), "{}: {err}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn the_answer_is_json_either_way() {
        let auth = DevAuth::new();
        let ok = answer(&auth, br#"{"email": "a@x.io"}"#);
        assert_eq!((ok.status().as_u16(), ok.headers()["content-type"].to_str().unwrap()), (200, "application/json"));
        let bad = answer(&auth, b"{");
        assert_eq!(bad.status(), 400);
    }
}
