//! The Users window: the page administrators use (`assets/`), embedded at build time, and the one place
//! that answers its routes with their headers. The `console` function serves it on the HTTP API and the
//! local server on the laptop, both through [`Site::answer`], so the two cannot differ. docs/DESIGN.md,
//! "Console", has why it is plain modules and how its sign-in works.
mod assets;
mod config;
mod headers;

pub use config::{Development, Oidc, SignIn};

use assets::Asset;
use headers::Caching;
use invitations::startup::config::ConfigErrors;
use serde_json::{json, Value};

/// An answer to a request for one of the console's routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// Lower-case names.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// The answer in the shape API Gateway's HTTP API (payload 2.0) expects from a function. Every file
    /// is UTF-8 text, so no body needs base64.
    pub fn into_event_response(self) -> Value {
        let headers: serde_json::Map<String, Value> =
            self.headers.into_iter().map(|(k, v)| (k.to_owned(), Value::String(v))).collect();
        let body = String::from_utf8_lossy(&self.body).into_owned();
        json!({"statusCode": self.status, "headers": headers, "body": body, "isBase64Encoded": false})
    }
}

/// The console as one deployment serves it: its files, and the configuration and security policy that
/// follow from how its users sign in.
pub struct Site {
    config: Vec<u8>,
    policy: String,
    tags: Vec<String>,
}

impl Site {
    pub fn new(sign_in: SignIn) -> Self {
        let policy = headers::content_security_policy(&sign_in);
        let config = config::page_config(&sign_in).to_string().into_bytes();
        let tags = assets::ASSETS.iter().map(|a| assets::tag(a.body)).collect();
        Self { config, policy, tags }
    }

    /// The deployed console, configured by the `console` function's environment: OpenID Connect only.
    pub fn from_env() -> Result<Self, ConfigErrors> {
        Ok(Self::new(SignIn::Oidc(Oidc::from_env(|name| std::env::var(name).ok())?)))
    }

    /// The answer to `method path`, or `None` when it is not one of the console's routes
    /// (`invitations::entry::http::CONSOLE_ROUTES`). `if_none_match` is the request's header, for the files a
    /// browser may keep.
    pub fn answer(&self, method: &str, path: &str, if_none_match: Option<&str>) -> Option<Answer> {
        if method != "GET" {
            return None;
        }
        if path == "/" {
            return Some(self.page(assets::index()));
        }
        let name = path.strip_prefix("/console/").filter(|n| !n.is_empty() && !n.contains('/'))?;
        if name == config::FILE {
            return Some(headers::answer(200, "application/json", self.config.clone(), Caching::Never, &self.policy));
        }
        Some(match assets::ASSETS.iter().position(|a| a.name == name && a.name != assets::INDEX) {
            Some(i) => self.file(&assets::ASSETS[i], &self.tags[i], if_none_match),
            None => self.not_found(),
        })
    }

    /// The answer to an HTTP API event (payload 2.0) for one of the console's routes, told apart by the
    /// route key API Gateway matched and its path parameter, as the API's functions tell theirs: behind
    /// a custom domain's API mapping, `rawPath` starts with the mapping's key.
    pub fn answer_event(&self, event: &Value) -> Value {
        let method = event["requestContext"]["http"]["method"].as_str().unwrap_or_default();
        let path = match event["requestContext"]["routeKey"].as_str() {
            Some("GET /") => "/".to_owned(),
            Some("GET /console/{file}") => {
                format!("/console/{}", event["pathParameters"]["file"].as_str().unwrap_or_default())
            }
            _ => String::new(),
        };
        let if_none_match = event["headers"]["if-none-match"].as_str();
        self.answer(method, &path, if_none_match).unwrap_or_else(|| self.not_found()).into_event_response()
    }

    fn not_found(&self) -> Answer {
        let body = b"Not found\n".to_vec();
        headers::answer(404, "text/plain; charset=utf-8", body, Caching::Never, &self.policy)
    }

    /// The page itself: its URL holds the sign-in's code and state on the way back from the issuer,
    /// so no cache keeps it.
    fn page(&self, asset: &Asset) -> Answer {
        headers::answer(200, asset.content_type, asset.body.to_vec(), Caching::Never, &self.policy)
    }

    fn file(&self, asset: &Asset, tag: &str, if_none_match: Option<&str>) -> Answer {
        let caching = Caching::Revalidate(tag.to_owned());
        if if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == tag)) {
            return headers::answer(304, asset.content_type, Vec::new(), caching, &self.policy);
        }
        headers::answer(200, asset.content_type, asset.body.to_vec(), caching, &self.policy)
    }
}

#[cfg(test)]
mod tests;
