//! How the console's users sign in, and what the page is told at start (`/console/config.json`): the
//! sign-in, and the role table and access vocabulary as the core defines them, so the page offers
//! exactly the options a caller may grant and names nothing the API would refuse as unknown.
use invitations::domain::access::{IamRole, InfrastructurePermissions, OrgRole, SpaceRole};
use invitations::domain::caller::Role;
use invitations::domain::AccessOption;
use invitations::startup::config::{ConfigError, ConfigErrors};
use serde_json::{json, Value};
use url::Url;

/// The configuration's name under `/console/`.
pub const FILE: &str = "config.json";

pub enum SignIn {
    /// The local server's: the page asks for an account, roles, user id and address, and the server
    /// mints its development token for them. These are the form's first values.
    Development(Development),
    /// OpenID Connect, authorization code with PKCE, against the issuer the API's JWT authorizer trusts.
    Oidc(Oidc),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Development {
    pub account: String,
    pub roles: String,
    pub user: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oidc {
    pub issuer: String,
    pub client_id: String,
    pub scopes: String,
    /// The token endpoint's origin when it is not the issuer's own (Cognito's is its hosted domain).
    pub token_origin: Option<String>,
}

/// `https`, or `http` on this machine's loopback, where the tests' stand-in issuer runs.
fn secure(url: &Url) -> bool {
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    url.scheme() == "https" || (url.scheme() == "http" && loopback)
}

fn issuer(raw: &str) -> Result<String, String> {
    let url = Url::parse(raw).map_err(|e| format!("is not a URL: {e}"))?;
    if !secure(&url) || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("must be an https URL without query or fragment".into());
    }
    Ok(raw.to_owned())
}

fn origin(raw: &str) -> Result<String, String> {
    let url = Url::parse(raw).map_err(|e| format!("is not a URL: {e}"))?;
    if !secure(&url) || url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err("must be an https origin (scheme, host and port only)".into());
    }
    Ok(url.origin().ascii_serialization())
}

fn printable(raw: &str, max: usize) -> bool {
    !raw.is_empty() && raw.len() <= max && raw.chars().all(|c| c.is_ascii_graphic() && !"\"'\\<>".contains(c))
}

impl Oidc {
    /// Reads `OIDC_ISSUER`, `OIDC_CLIENT_ID`, `OIDC_SCOPES` (space-separated, with `openid`) and
    /// `OIDC_TOKEN_ORIGIN` (empty for the issuer's own), naming every problem at once.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigErrors> {
        let mut errors = Vec::new();
        let mut read = |var: &'static str, check: &dyn Fn(&str) -> Result<String, String>| {
            let raw = get(var).map(|v| v.trim().to_owned()).unwrap_or_default();
            match check(&raw) {
                Ok(v) => Some(v),
                Err(problem) => {
                    errors.push(ConfigError { var, problem });
                    None
                }
            }
        };
        let issuer = read("OIDC_ISSUER", &issuer);
        let client_id = read("OIDC_CLIENT_ID", &|raw| {
            printable(raw, 256)
                .then(|| raw.to_owned())
                .ok_or_else(|| "must be 1 to 256 visible ASCII characters".into())
        });
        let scopes = read("OIDC_SCOPES", &|raw| {
            let scopes: Vec<&str> = raw.split_whitespace().collect();
            if !scopes.contains(&"openid") || !scopes.iter().all(|s| printable(s, 128)) {
                return Err("must be space-separated scopes including openid".into());
            }
            Ok(scopes.join(" "))
        });
        let token_origin =
            read("OIDC_TOKEN_ORIGIN", &|raw| if raw.is_empty() { Ok(String::new()) } else { origin(raw) });
        match (issuer, client_id, scopes, token_origin) {
            (Some(issuer), Some(client_id), Some(scopes), Some(token_origin)) if errors.is_empty() => {
                Ok(Self { issuer, client_id, scopes, token_origin: Some(token_origin).filter(|o| !o.is_empty()) })
            }
            _ => Err(ConfigErrors(errors)),
        }
    }

    /// The origins the page fetches from besides its own: the issuer's (discovery) and the token
    /// endpoint's.
    pub fn origins(&self) -> Vec<String> {
        let issuer = Url::parse(&self.issuer).map(|u| u.origin().ascii_serialization());
        issuer.into_iter().chain(self.token_origin.clone()).collect()
    }
}

pub fn page_config(sign_in: &SignIn) -> Value {
    let sign_in = match sign_in {
        SignIn::Development(d) => json!({
            "kind": "development", "account": d.account, "roles": d.roles, "user": d.user, "email": d.email,
        }),
        SignIn::Oidc(o) => json!({"kind": "oidc", "issuer": o.issuer, "client_id": o.client_id, "scopes": o.scopes}),
    };
    let roles: Vec<Value> = Role::ALL
        .iter()
        .map(|r| {
            let grants: Vec<&str> = r.grants().iter().map(|o| o.as_str()).collect();
            json!({"name": r.name(), "manages": r.manages(), "grants": grants})
        })
        .collect();
    let options: Vec<&str> = AccessOption::ALL.iter().map(|o| o.as_str()).collect();
    let infrastructure: Vec<&str> = InfrastructurePermissions::ALL.iter().map(|p| p.as_str()).collect();
    json!({
        "sign_in": sign_in,
        "roles": roles,
        "access": {
            "options": options,
            "iam_roles": IamRole::ALL,
            "org_roles": OrgRole::ALL,
            "space_roles": SpaceRole::ALL,
            "infrastructure": infrastructure,
        },
    })
}
