//! The API over HTTP: one client, the caller's token, the account's base path, and the retries that are
//! safe (reads, and writes that carry an Idempotency-Key).
use crate::Failure;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sha2::Digest;
use std::time::Duration;

pub struct Api {
    http: reqwest::Client,
    base: url::Url,
    token: String,
    account: Option<String>,
}

/// An answer the API gave, whatever its status.
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    /// The `ETag` header: the settings' version.
    pub etag: Option<String>,
    retry_after: Option<Duration>,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// The answer as a failure: a 400 is bad usage (the API changed nothing), anything else an error.
    pub fn failure(&self) -> Failure {
        // API Gateway's own refusals (a 401 from the authorizer) are `{"message": …}`, not the API's error.
        let message = self.body["error"]["message"].as_str().or(self.body["message"].as_str());
        let reason = self.status.canonical_reason().unwrap_or("");
        let line = match (self.code(), message) {
            ("", Some(m)) => format!("{} {reason}: {m}", self.status.as_u16()),
            ("", None) => format!("{} {reason}", self.status.as_u16()),
            (code, m) => format!("{} {code}: {}", self.status.as_u16(), m.unwrap_or(reason)),
        };
        match self.status {
            StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE => Failure::Usage(line),
            _ => Failure::Error(line),
        }
    }
}

/// Attempts for a request that is safe to repeat; waits grow from half a second, or follow Retry-After.
const ATTEMPTS: u32 = 6;

impl Api {
    pub fn new(base: url::Url, token: Option<String>, account: Option<String>) -> Result<Self, Failure> {
        let token = token.ok_or_else(|| {
            Failure::Usage("no token: pass --token or set INVITATIONS_TOKEN (the local server prints one)".into())
        })?;
        let account = account.or_else(|| claim(&token, "account_id"));
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("invitations-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Failure::Error(format!("cannot build an HTTP client: {e}")))?;
        Ok(Self { http, base, token, account })
    }

    /// The account the inviter routes act on: `--account`, else the token's claim.
    pub fn account(&self) -> Result<&str, Failure> {
        self.account.as_deref().ok_or_else(|| {
            Failure::Usage("no account: pass --account, or use a token with an `account_id` claim".into())
        })
    }

    /// Who calls, as the API will know them: the token's `sub` claim; for a token that is not a JWT, a
    /// digest of the token itself, which names the caller as long as it lasts.
    pub fn caller(&self) -> String {
        claim(&self.token, "sub").unwrap_or_else(|| {
            let digest = sha2::Sha256::digest(self.token.as_bytes());
            digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
        })
    }

    /// `{base}/accounts/{account}/{segments…}`, each segment escaped.
    fn url(&self, account: &str, segments: &[&str]) -> url::Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("an http(s) URL has a path")
            .pop_if_empty()
            .extend(["accounts", account])
            .extend(segments);
        url
    }

    /// One request, repeated while the answer says a repeat may succeed, when `retry` allows it.
    pub async fn call(
        &self,
        method: Method,
        account: &str,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Result<Answer, Failure> {
        let headers: Vec<(&str, &str)> = key.map(|k| ("Idempotency-Key", k)).into_iter().collect();
        self.request(method, account, segments, query, body, &headers, key.is_some()).await
    }

    /// One request with `headers`, repeated as [`Api::call`] says; `safe`: a write that may be repeated.
    #[allow(clippy::too_many_arguments)]
    pub async fn request(
        &self,
        method: Method,
        account: &str,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
        headers: &[(&str, &str)],
        safe: bool,
    ) -> Result<Answer, Failure> {
        let retry = method == Method::GET || safe;
        let mut wait = Duration::from_millis(500);
        for attempt in 1..=ATTEMPTS {
            let mut req = self.http.request(method.clone(), self.url(account, segments)).bearer_auth(&self.token);
            req = req.query(query);
            if let Some(body) = body {
                req = req.json(body);
            }
            for (name, value) in headers {
                req = req.header(*name, *value);
            }
            let last = !retry || attempt == ATTEMPTS;
            let answer = match req.send().await {
                Ok(res) => read(res).await,
                Err(e) if last || !(e.is_connect() || e.is_timeout()) => return Err(unreachable(&self.base, &e)),
                Err(_) => {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    continue;
                }
            };
            let again =
                matches!(answer.status.as_u16(), 429 | 502 | 503 | 504) || answer.code() == "idempotency_in_progress";
            if last || !again {
                return Ok(answer);
            }
            tokio::time::sleep(answer.retry_after.unwrap_or(wait).min(Duration::from_secs(30))).await;
            wait *= 2;
        }
        unreachable!("the last attempt returns")
    }

    /// A call whose answer must be a success; anything else is its failure.
    pub async fn ok(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        let answer = self.call(method, self.account()?, segments, query, body, None).await?;
        if answer.status.is_success() {
            Ok(answer.body)
        } else {
            Err(answer.failure())
        }
    }
}

async fn read(res: reqwest::Response) -> Answer {
    let status = res.status();
    let retry_after = res
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs);
    let etag = res.headers().get(reqwest::header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = res.json::<Value>().await.unwrap_or(Value::Null);
    Answer { status, body, etag, retry_after }
}

fn unreachable(base: &url::Url, e: &reqwest::Error) -> Failure {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    Failure::Error(format!("cannot reach the API at {base}: {cause}"))
}

/// A string claim of the token, read without verifying the token: the API verifies it.
fn claim(token: &str, name: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims[name].as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_comes_from_the_tokens_claims_unless_given() {
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"sub":"u","account_id":"acme"}"#);
        let token = format!("e30.{claims}.sig");
        assert_eq!(claim(&token, "account_id").as_deref(), Some("acme"));
        assert_eq!(claim("not-a-jwt", "account_id"), None);
        let base: url::Url = "http://127.0.0.1:3000/".parse().unwrap();
        let api = Api::new(base.clone(), Some(token.clone()), None).unwrap();
        assert_eq!(api.account().unwrap(), "acme");
        assert_eq!(api.caller(), "u", "the token's sub");
        let url = api.url("a/b", &["invitations", "x y"]);
        assert_eq!(url.as_str(), "http://127.0.0.1:3000/accounts/a%2Fb/invitations/x%20y");
        assert_eq!(Api::new(base.clone(), Some(token), Some("other".into())).unwrap().account().unwrap(), "other");
        assert!(matches!(Api::new(base.clone(), None, None), Err(Failure::Usage(_))));
        let no_claim = Api::new(base.clone(), Some("e30.e30.x".into()), None).unwrap();
        assert!(matches!(no_claim.account(), Err(Failure::Usage(_))));
        let opaque = |t: &str| Api::new(base.clone(), Some(t.into()), Some("acme".into())).unwrap().caller();
        assert_eq!(opaque("opaque-1"), opaque("opaque-1"));
        assert_ne!(opaque("opaque-1"), opaque("opaque-2"));
        assert!(!opaque("opaque-1").contains("opaque"), "a digest, not the token");
    }
}
