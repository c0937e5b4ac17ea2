//! The Users window on the laptop: the console's page and files as the `console` function serves them
//! (`invitations_console`), and its development sign-in (`POST /dev/console-sign-in`), where whoever
//! opens the page chooses an account, roles, a user id and an address, and this server signs its
//! development token for them. That sign-in trusts whatever it is told, which is why it exists in this
//! server alone and never in a Lambda function. With `OIDC_ISSUER` set the page signs in with that
//! issuer instead, as deployed.
use crate::auth::DevAuth;
use invitations::domain::caller::Role;
use invitations::domain::{AccountId, Email, UserId};
use invitations::startup::config::ConfigErrors;
use invitations_console::{Development, Oidc, SignIn, Site};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// As long as the token the server prints: a working day.
pub const ADMIN_TOKEN_TTL: Duration = Duration::from_secs(12 * 3600);

/// The console for this run: OpenID Connect when `OIDC_ISSUER` is set (with `OIDC_CLIENT_ID`,
/// `OIDC_SCOPES` and `OIDC_TOKEN_ORIGIN`, as the function reads them), else the development sign-in,
/// whose form starts with `first`.
pub fn site(first: Development, env: impl Fn(&str) -> Option<String>) -> Result<(Site, String), ConfigErrors> {
    if env("OIDC_ISSUER").is_some_and(|v| !v.trim().is_empty()) {
        let oidc = Oidc::from_env(env)?;
        let note = format!("signs in with {}", oidc.issuer);
        return Ok((Site::new(SignIn::Oidc(oidc)), note));
    }
    Ok((Site::new(SignIn::Development(first)), "development sign-in: choose the account and roles".into()))
}

/// The claims for a console sign-in's body, or the reason it is refused.
pub fn claims(body: &[u8]) -> Result<Map<String, Value>, String> {
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(body) else {
        return Err("the body must be a JSON object {\"account_id\", \"roles\", \"sub\", \"email\"}".into());
    };
    let mut text = |name: &str, required: bool| match fields.remove(name) {
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(format!("{name} must be a string")),
        None if required => Err(format!("{name} is required")),
        None => Ok(None),
    };
    let account = text("account_id", true)?.unwrap_or_default();
    let roles = text("roles", true)?.unwrap_or_default();
    let sub = text("sub", true)?.unwrap_or_default();
    let email = text("email", false)?;
    if let Some(unknown) = fields.keys().next() {
        return Err(format!("unknown field {unknown:?}"));
    }
    AccountId::parse(&account).ok_or("account_id must be 1 to 128 letters, digits, dots, dashes or underscores")?;
    let names: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
    if let Some(unknown) = roles.split_whitespace().find(|r| !names.contains(r)) {
        return Err(format!("unknown role {unknown:?}; the roles are {}", names.join(", ")));
    }
    UserId::parse(&sub).map_err(|_| "sub must be 1 to 128 letters, digits or ._:|+- characters")?;
    let mut claims = json!({"sub": sub, "account_id": account, "roles": roles});
    if let Some(email) = email.filter(|e| !e.is_empty()) {
        let email = Email::parse(&email).map_err(|e| format!("email {e}"))?;
        claims["email"] = json!(email.as_str());
        // The development identity provider vouches for the address it was given.
        claims["email_verified"] = json!("true");
    }
    Ok(claims.as_object().expect("an object").clone())
}

/// The HTTP answer: 200 `{"token"}`, or 400 in the API's error shape.
pub fn sign_in(auth: &DevAuth, body: &[u8]) -> (u16, Value) {
    match claims(body) {
        Ok(claims) => (200, json!({"token": auth.mint(&claims, ADMIN_TOKEN_TTL)})),
        Err(message) => (400, json!({"error": {"code": "invalid_request", "message": message}})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_console_sign_in_carries_what_was_chosen() {
        let auth = DevAuth::new();
        let body =
            br#"{"account_id": "acme", "roles": "org_manager iam_admin", "sub": "dev-ann", "email": "Ann@X.io"}"#;
        let (status, answer) = sign_in(&auth, body);
        assert_eq!(status, 200, "{answer}");
        let got = auth.verify(answer["token"].as_str().unwrap()).unwrap();
        let want = json!({"sub": "dev-ann", "account_id": "acme", "roles": "org_manager iam_admin", "email": "ann@x.io", "email_verified": "true"});
        assert_eq!(Value::Object(got), want);
        let (_, no_roles) = sign_in(&auth, br#"{"account_id": "acme", "roles": "", "sub": "u"}"#);
        let got = auth.verify(no_roles["token"].as_str().unwrap()).unwrap();
        assert_eq!((got["roles"].as_str(), got.get("email")), (Some(""), None), "no roles is a choice too");
    }

    #[test]
    fn bad_choices_are_refused_with_a_reason() {
        for (body, expected) in [
            (&br#"{"account_id": "a#b", "roles": "owner", "sub": "u"}"#[..], "account_id must be"),
            (br#"{"account_id": "acme", "roles": "owner root", "sub": "u"}"#, "unknown role \"root\""),
            (br#"{"account_id": "acme", "roles": "owner", "sub": "u u"}"#, "sub must be"),
            (br#"{"account_id": "acme", "roles": "owner", "sub": "u", "email": "nope"}"#, "email must contain"),
            (br#"{"account_id": "acme", "roles": "owner"}"#, "sub is required"),
            (br#"{"account_id": "acme", "roles": ["owner"], "sub": "u"}"#, "roles must be a string"),
            (br#"{"account_id": "acme", "roles": "owner", "sub": "u", "exp": 1}"#, "unknown field \"exp\""),
            (b"[]", "JSON object"),
        ] {
            let (status, answer) = sign_in(&DevAuth::new(), body);
            let message = answer["error"]["message"].as_str().unwrap_or_default();
            assert!(status == 400 && message.contains(expected), "{}: {answer}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn the_issuer_variables_choose_openid_connect() {
        let first =
            || Development { account: "acme".into(), roles: "owner".into(), user: "u".into(), email: "a@x.io".into() };
        let (_, note) = site(first(), |_| None).unwrap();
        assert!(note.starts_with("development sign-in"), "{note}");
        let vars = [("OIDC_ISSUER", "http://127.0.0.1:9"), ("OIDC_CLIENT_ID", "c"), ("OIDC_SCOPES", "openid")];
        let env = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned());
        let (_, note) = site(first(), env).unwrap();
        assert_eq!(note, "signs in with http://127.0.0.1:9");
        let half = |name: &str| (name == "OIDC_ISSUER").then(|| "https://login.example.com".to_owned());
        assert_eq!(site(first(), half).err().map(|e| e.vars()), Some(vec!["OIDC_CLIENT_ID", "OIDC_SCOPES"]));
    }
}
