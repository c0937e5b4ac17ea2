//! The HTTP edge (API Gateway HTTP API, payload 2.0): turns an event into a request, routes it, and is
//! the one place errors become statuses. `routes` is the route table, `extract` reads requests,
//! `handlers` call the use cases, `view` renders answers, `error` maps every error to its answer.
#[cfg(test)]
mod codes;
#[cfg(test)]
mod description;
mod error;
mod extract;
mod handlers;
pub mod routes;
mod view;

pub use error::ApiError;
pub use extract::MAX_BODY_BYTES;
pub use handlers::{
    accept, cancel, dispatch, invite, link, list, put_settings, remove_user, resend, resume_sending, seats, sending,
    settings, update, users,
};
pub use routes::{route_of, PublicRoute, Route, RouteDef, CONSOLE_ROUTES, ROUTES};

use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};

/// An API Gateway event as the handlers take it. lambda_http's own conversion panics on a scheme, host,
/// path or query that does not make a valid URI, which a client can send; here that is a 400 like any
/// other bad request. The check builds the URI as lambda_http 1.x does.
pub fn request_from_event(event: Value) -> Result<Request, ApiError> {
    use lambda_http::request::LambdaRequest;
    let bad = || ApiError::bad_request("the request's host, path or query is not valid");
    if !builds_a_uri(&event) {
        return Err(bad());
    }
    let event: LambdaRequest = serde_json::from_value(event).map_err(|_| bad())?;
    // A backstop for any other panic in the conversion.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Request::from(event))).map_err(|_| bad())
}

fn builds_a_uri(event: &Value) -> bool {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let host = text(&event["headers"]["host"]).or_else(|| text(&event["requestContext"]["domainName"]));
    let scheme = text(&event["headers"]["x-forwarded-proto"]).unwrap_or_else(|| "https".into());
    let mut path = text(&event["rawPath"]).unwrap_or_default();
    if let Some(stage) = event["requestContext"]["stage"].as_str().filter(|s| *s != "$default") {
        path = format!("/{stage}{path}");
    }
    let base = match host {
        None => url::Url::parse(&format!("http://localhost{path}")).map(|u| u.path().to_owned()),
        Some(host) => url::Url::parse(&format!("{scheme}://{host}{path}")).map(|u| u.to_string()),
    };
    let Ok(mut uri) = base else { return false };
    if let Some(query) = event["rawQueryString"].as_str().filter(|q| !q.is_empty()) {
        uri.push('?');
        uri.push_str(query);
    }
    lambda_http::http::Uri::try_from(uri).is_ok()
}

/// The answer in the shape API Gateway's HTTP API (payload 2.0) expects from a function.
fn into_event_response(resp: Response<Body>) -> Value {
    // Every header the handlers set is ASCII (content type, Retry-After).
    let headers: serde_json::Map<String, Value> =
        resp.headers().iter().filter_map(|(k, v)| Some((k.as_str().to_owned(), json!(v.to_str().ok()?)))).collect();
    let body = String::from_utf8_lossy(resp.body().as_ref()).into_owned();
    json!({"statusCode": resp.status().as_u16(), "headers": headers, "body": body, "isBase64Encoded": false, "cookies": []})
}

/// Serves one HTTP API event with `handler`: what `lambda_http::run` does, without its panic on a
/// malformed event.
pub async fn serve_event<F, Fut>(event: Value, handler: F) -> Value
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response<Body>>,
{
    let resp = match request_from_event(event) {
        Ok(request) => handler(request).await,
        Err(e) => handlers::finish("malformed", Err(e)),
    };
    into_event_response(resp)
}
