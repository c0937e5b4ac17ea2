//! What API Gateway does before a function runs: match the route, authorize, build the event. In front
//! of the API sit the console (as the `console` function serves it), the local server's own development
//! pages and sign-ins, which no Lambda has, and the API's description, `openapi.yaml`.
use crate::auth::DevAuth;
use crate::{console, page, signin};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use invitations::entry::http::{self, Route};
use invitations::service::{Deps, Notifier};
use invitations_console::{Answer, Site};
use serde_json::{json, Map, Value};

/// An API Gateway HTTP API payload-2.0 event for a matched route, with the authorizer's claims.
pub fn event(
    method: &str,
    path: &str,
    raw_query: &str,
    claims: Option<&Map<String, Value>>,
    body: &str,
) -> Option<(Route, Value)> {
    let (route, params) = Route::matching(method, path)?;
    let route_key = route.key();
    let params: Map<String, Value> = params.into_iter().map(|(k, v)| (k.to_owned(), json!(v))).collect();
    let mut query = Map::new();
    for (k, v) in url::form_urlencoded::parse(raw_query.as_bytes()) {
        // API Gateway joins repeated parameters with commas.
        let joined = match query.get(k.as_ref()).and_then(Value::as_str) {
            Some(prev) => format!("{prev},{v}"),
            None => v.into_owned(),
        };
        query.insert(k.into_owned(), json!(joined));
    }
    let mut context = json!({
        "accountId": "local", "apiId": "local", "domainName": "localhost", "domainPrefix": "localhost",
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "local"},
        "requestId": uuid_like(), "routeKey": route_key, "stage": "$default",
        "time": "", "timeEpoch": 0
    });
    if let Some(c) = claims {
        context["authorizer"] = json!({"jwt": {"claims": c, "scopes": null}});
    }
    let mut ev = json!({
        "version": "2.0", "routeKey": route_key, "rawPath": path, "rawQueryString": raw_query,
        "headers": {"content-type": "application/json"}, "pathParameters": params,
        "requestContext": context, "isBase64Encoded": false, "body": body
    });
    if !query.is_empty() {
        ev["queryStringParameters"] = Value::Object(query);
    }
    Some((route, ev))
}

fn uuid_like() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct Gateway {
    pub deps: Deps,
    pub notifier: Notifier,
    pub auth: DevAuth,
    pub console: Site,
}

/// API Gateway takes up to 10 MB; far past the service's 64 KiB the stand-in stops reading.
const READ_LIMIT: usize = 1024 * 1024;
/// A sign-in body is one address (at most 254 characters) in a small JSON object.
const SIGN_IN_LIMIT: usize = 4096;

/// The API's description, as the repository holds it.
const DESCRIPTION: &str = include_str!("../../../openapi.yaml");

fn description() -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .header("content-type", "application/yaml")
        .body(Full::new(Bytes::from_static(DESCRIPTION.as_bytes())))
        .expect("static parts are valid")
}

/// A request the function would refuse as malformed (a body that is not UTF-8, which API Gateway would
/// hand on base64-encoded, or a path or query that makes no URI), answered as the function answers it.
fn malformed() -> hyper::Response<Full<Bytes>> {
    let body =
        json!({"error": {"code": "invalid_request", "message": "the request's body, path or query is not valid"}});
    hyper::Response::builder()
        .status(400)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("static parts are valid")
}

fn json_answer(status: u16, body: &Value) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("static parts are valid")
}

fn console_answer(answer: Answer) -> hyper::Response<Full<Bytes>> {
    let mut resp = hyper::Response::builder().status(answer.status);
    for (name, value) in answer.headers {
        resp = resp.header(name, value);
    }
    resp.body(Full::new(Bytes::from(answer.body))).expect("the console's headers are valid")
}

/// Whether a request names this machine as its host. The development sign-ins hand out tokens to
/// whoever asks, so a page elsewhere that gets its name to resolve to 127.0.0.1 (DNS rebinding) must
/// not reach them.
fn addressed_locally<B>(req: &hyper::Request<B>) -> bool {
    let host = req.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or_default();
    let name = host.rsplit_once(':').map_or(host, |(name, port)| if port.parse::<u16>().is_ok() { name } else { host });
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

fn plain(status: u16, message: &str) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(json!({"message": message}).to_string())))
        .expect("static parts are valid")
}

impl Gateway {
    pub async fn handle(&self, req: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
        let method = req.method().as_str().to_owned();
        let path = req.uri().path().to_owned();
        let raw_query = req.uri().query().unwrap_or_default().to_owned();
        let if_none_match = req.headers().get("if-none-match").and_then(|v| v.to_str().ok());
        if let Some(answer) = self.console.answer(&method, &path, if_none_match) {
            return console_answer(answer);
        }
        if path.starts_with("/dev/") && !addressed_locally(&req) {
            return plain(403, "Forbidden");
        }
        match (method.as_str(), path.as_str()) {
            ("GET", "/accept") => return page::accept(&raw_query),
            ("GET", "/openapi.yaml") => return description(),
            ("POST", "/dev/sign-in") => {
                return match Limited::new(req.into_body(), SIGN_IN_LIMIT).collect().await {
                    Ok(body) => signin::answer(&self.auth, &body.to_bytes()),
                    Err(_) => plain(413, "Request Entity Too Large"),
                };
            }
            ("POST", "/dev/console-sign-in") => {
                return match Limited::new(req.into_body(), SIGN_IN_LIMIT).collect().await {
                    Ok(body) => {
                        let (status, answer) = console::sign_in(&self.auth, &body.to_bytes());
                        json_answer(status, &answer)
                    }
                    Err(_) => plain(413, "Request Entity Too Large"),
                };
            }
            _ => {}
        }
        if Route::matching(&method, &path).is_none() {
            return plain(404, "Not Found");
        }
        // The JWT authorizer answers 401 itself, before any function runs.
        let token =
            req.headers().get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        let Some(claims) = token.and_then(|t| self.auth.verify(t.trim())) else {
            return plain(401, "Unauthorized");
        };
        // API Gateway passes the client's headers on; those the service reads are the idempotency key
        // and a settings write's `If-Match`.
        let header = |name: &str| req.headers().get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let (idempotency_key, if_match) = (header("idempotency-key"), header("if-match"));
        let body = match Limited::new(req.into_body(), READ_LIMIT).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return plain(413, "Request Entity Too Large"),
        };
        let Ok(body) = String::from_utf8(body.to_vec()) else {
            return malformed();
        };
        let Some((route, mut ev)) = event(&method, &path, &raw_query, Some(&claims), &body) else {
            return plain(404, "Not Found");
        };
        if let Some(key) = idempotency_key {
            ev["headers"]["idempotency-key"] = json!(key);
        }
        if let Some(tag) = if_match {
            ev["headers"]["if-match"] = json!(tag);
        }
        let request = match http::request_from_event(ev) {
            Ok(r) => r,
            Err(_) => return malformed(),
        };
        let resp = http::dispatch(route, &self.deps, &self.notifier, request).await;
        let (parts, body) = resp.into_parts();
        let bytes: &[u8] = body.as_ref();
        hyper::Response::from_parts(parts, Full::new(Bytes::copy_from_slice(bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_requests_addressed_to_this_machine_reach_the_development_sign_ins() {
        let with_host = |host: &str| hyper::Request::builder().header("host", host).body(()).unwrap();
        for local in ["127.0.0.1:3000", "localhost:3000", "[::1]:3000", "127.0.0.1", "localhost"] {
            assert!(addressed_locally(&with_host(local)), "{local}");
        }
        for other in ["evil.example:3000", "evil.example", "127.0.0.1.evil.example", "localhost.evil:80", "", "[::1]x"]
        {
            assert!(!addressed_locally(&with_host(other)), "{other}");
        }
        assert!(!addressed_locally(&hyper::Request::builder().body(()).unwrap()), "no host at all");
    }
}
