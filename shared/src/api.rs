//! The HTTP edge (API Gateway HTTP API, payload 2.0): reads the caller from the authorizer, parses path,
//! query and body into domain values, calls the use case, and is the one place errors become statuses.
use crate::domain::invitees::parse_invitees;
use crate::domain::{caller::CallerError, Access, Caller, Email, InvitationId, Status};
use crate::service::cancel::CancelError;
use crate::service::invite::{InviteError, Outcome};
use crate::service::list::{ListError, ListRequest, DEFAULT_LIMIT, MAX_LIMIT};
use crate::service::resend::ResendError;
use crate::service::{self, AuthError, Deps, Sender};
use crate::store::{Invitation, StoreError};
use lambda_http::{
    aws_lambda_events::apigw::ApiGatewayV2httpRequestContext,
    http::{header, StatusCode},
    request::RequestContext,
    Body, Request, RequestExt, Response,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::convert::Infallible;

pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        let mut message: String = message.into();
        // Parser messages can quote the input; keep answers small.
        if message.len() > 300 {
            let cut = (0..=300).rev().find(|i| message.is_char_boundary(*i)).unwrap_or(0);
            message.truncate(cut);
            message.push('…');
        }
        Self { status, code, message, retry_after: None }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such invitation")
    }

    fn invalid_state(status: Status, message: String) -> Self {
        let mut e = Self::new(StatusCode::CONFLICT, "invalid_state", message);
        e.message = format!("{} (status: {status})", e.message);
        e
    }

    /// A failing dependency: logged in full, answered as `unavailable` (retrying is safe).
    fn unavailable(cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %crate::logging::chain(cause), "dependency failed");
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "a dependency is unavailable; retrying is safe")
    }

    /// A bug: the log says everything, the answer nothing.
    fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %crate::logging::chain(cause), "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
    }

    fn into_response(self) -> Response<Body> {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        let mut resp = json_response(self.status, &body);
        if let Some(secs) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        resp
    }
}

impl From<CallerError> for ApiError {
    fn from(e: CallerError) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", e.to_string())
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::Unavailable(_) => Self::unavailable(&e),
            StoreError::Corrupt(_) => Self::internal(&e),
        }
    }
}

impl From<InviteError> for ApiError {
    fn from(e: InviteError) -> Self {
        match e {
            InviteError::Auth(a) => a.into(),
            InviteError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
            InviteError::Store(s) => s.into(),
        }
    }
}

impl From<ListError> for ApiError {
    fn from(e: ListError) -> Self {
        match e {
            ListError::Auth(a) => a.into(),
            ListError::InvalidCursor => Self::new(StatusCode::BAD_REQUEST, "invalid_cursor", e.to_string()),
            ListError::Store(s) => s.into(),
        }
    }
}

impl From<CancelError> for ApiError {
    fn from(e: CancelError) -> Self {
        match e {
            CancelError::Auth(a) => a.into(),
            CancelError::NotFound => Self::not_found(),
            CancelError::InvalidState(s) => {
                Self::invalid_state(s, "only a processing or pending invitation can be cancelled".into())
            }
            CancelError::Store(s) => s.into(),
        }
    }
}

impl From<ResendError> for ApiError {
    fn from(e: ResendError) -> Self {
        match e {
            ResendError::Auth(a) => a.into(),
            ResendError::NotFound => Self::not_found(),
            ResendError::InvalidState(s) => Self::invalid_state(s, "only a pending invitation can be resent".into()),
            ResendError::TooSoon { retry_after } => {
                let secs = retry_after.as_secs();
                let mut err = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "resend_too_soon",
                    "the invitation was sent less than RESEND_MIN_INTERVAL ago; retry after the seconds in Retry-After",
                );
                err.retry_after = Some(secs);
                err
            }
            ResendError::Store(s) => s.into(),
            ResendError::Mail(m) => {
                let mut err = Self::unavailable(&m);
                err.message =
                    "the email could not be sent; the invitation is back in processing and will be retried".into();
                err
            }
        }
    }
}

fn json_response(status: StatusCode, body: &impl Serialize) -> Response<Body> {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = Response::new(Body::Text(String::from_utf8(bytes).unwrap_or_default()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    resp
}

/// The invitation as answers show it: no token hash, no storage keys.
#[derive(Serialize)]
pub struct InvitationView<'a> {
    id: String,
    account_id: &'a str,
    email: &'a str,
    status: Status,
    access: &'a Access,
    invited_by: &'a str,
    created_at: String,
    updated_at: String,
    last_sent_at: Option<String>,
    send_count: u32,
    expires_at: String,
}

impl<'a> From<&'a Invitation> for InvitationView<'a> {
    fn from(i: &'a Invitation) -> Self {
        InvitationView {
            id: i.id.to_string(),
            account_id: i.account_id.as_str(),
            email: i.email.as_str(),
            status: i.status,
            access: &i.access,
            invited_by: &i.invited_by,
            created_at: i.created_at.to_rfc3339(),
            updated_at: i.updated_at.to_rfc3339(),
            last_sent_at: i.last_sent_at.map(|t| t.to_rfc3339()),
            send_count: i.send_count,
            expires_at: i.expires_at.to_rfc3339(),
        }
    }
}

fn caller(req: &Request) -> Result<Caller, ApiError> {
    let claims = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ApiGatewayV2httpRequestContext { authorizer: Some(a), .. })) => {
            a.jwt.as_ref().map(|jwt| &jwt.claims)
        }
        _ => None,
    };
    Ok(Caller::from_claims(claims.ok_or(CallerError::NoClaims)?)?)
}

fn path_param(req: &Request, name: &str) -> String {
    req.path_parameters_ref().and_then(|p| p.first(name)).unwrap_or_default().to_owned()
}

fn invitation_id(req: &Request) -> Option<InvitationId> {
    InvitationId::parse(&path_param(req, "id")).ok()
}

fn json_body(req: &Request) -> Result<Value, ApiError> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the body is larger than 64 KiB",
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteBody {
    invitees: Value,
    access: Value,
}

/// Logs one line per request and turns the result into the answer.
fn finish(route: &'static str, result: Result<Response<Body>, ApiError>) -> Result<Response<Body>, Infallible> {
    let resp = result.unwrap_or_else(|e| {
        if e.status.is_client_error() {
            tracing::info!(route, code = e.code, message = %crate::logging::scrub(&e.message), "request refused");
        }
        e.into_response()
    });
    tracing::info!(route, status = resp.status().as_u16(), "request done");
    Ok(resp)
}

pub async fn invite(deps: &Deps, sender: &Sender, req: Request) -> Result<Response<Body>, Infallible> {
    finish("invite", idempotent_invite(deps, sender, &req).await)
}

/// How long a request waits for another one running with its `Idempotency-Key`.
const KEY_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// With an `Idempotency-Key`, the first answer (any but a 5xx, which a retry may cure) is kept and
/// given again, byte for byte, to a retry within 24 hours; nothing runs twice.
async fn idempotent_invite(deps: &Deps, sender: &Sender, req: &Request) -> Result<Response<Body>, ApiError> {
    use service::idempotency::{fingerprint, Claim, IdempotencyKey, Saved, Scope};
    let caller = caller(req)?;
    let account = path_param(req, "account_id");
    service::authorize(&caller, &account)?;
    let Some(raw) = req.headers().get("idempotency-key") else {
        return invite_inner(deps, sender, &caller, &account, req).await;
    };
    let key = raw
        .to_str()
        .ok()
        .and_then(|k| IdempotencyKey::parse(k).ok())
        .ok_or_else(|| ApiError::bad_request("Idempotency-Key must be 1 to 64 printable ASCII characters"))?;
    let body: &[u8] = req.body().as_ref();
    let fp = fingerprint(&caller.user_id, body);
    let scope = Scope { account: &caller.account_id, key: &key, fingerprint: &fp };
    let give_up = tokio::time::Instant::now() + KEY_WAIT;
    loop {
        match deps.store.claim(&scope, deps.clock.now()).await? {
            Claim::Claimed => break,
            Claim::Existing { fingerprint, .. } if fingerprint != fp => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "idempotency_conflict",
                    "this Idempotency-Key was used with another request",
                ));
            }
            Claim::Existing { saved: Some(saved), .. } => {
                let mut resp = Response::new(Body::Text(saved.body));
                *resp.status_mut() = StatusCode::from_u16(saved.status).unwrap_or(StatusCode::OK);
                resp.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
                return Ok(resp);
            }
            Claim::Existing { saved: None, .. } if tokio::time::Instant::now() < give_up => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Claim::Existing { saved: None, .. } => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "idempotency_conflict",
                    "a request with this Idempotency-Key is still running; retry later",
                ));
            }
        }
    }
    let resp = invite_inner(deps, sender, &caller, &account, req).await.unwrap_or_else(ApiError::into_response);
    let kept = if resp.status().is_server_error() {
        deps.store.release(&scope).await
    } else {
        let body = String::from_utf8_lossy(resp.body().as_ref()).into_owned();
        deps.store.complete(&scope, &Saved { status: resp.status().as_u16(), body }, deps.clock.now()).await
    };
    if let Err(e) = kept {
        tracing::warn!(error = %crate::logging::chain(&e), "could not keep the answer for Idempotency-Key retries");
    }
    Ok(resp)
}

async fn invite_inner(
    deps: &Deps,
    sender: &Sender,
    caller: &Caller,
    account: &str,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let body = json_body(req)?;
    if !body.is_object() {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    }
    let body: InviteBody = serde_json::from_value(body).map_err(|e| ApiError::bad_request(format!("the body {e}")))?;
    let access = Access::parse(body.access).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let invitees = parse_invitees(&body.invitees).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let results = service::invite::invite(deps, sender, caller, account, invitees, access).await?;
    let all_invited = results.iter().all(|r| matches!(r.outcome, Outcome::Invited(_)));
    let results: Vec<Value> = results
        .iter()
        .map(|r| {
            let (outcome, invitation, error) = match &r.outcome {
                Outcome::Invited(i) => ("invited", Some(i), None),
                Outcome::AlreadyInvited(i) => {
                    ("already_invited", Some(i), Some("an open invitation exists for this address"))
                }
                Outcome::AlreadyMember(i) => {
                    ("already_member", Some(i), Some("this address already joined the account"))
                }
                Outcome::Invalid(msg) => ("invalid", None, Some(msg.as_str())),
            };
            let mut v = json!({"invitee": r.invitee, "outcome": outcome});
            if let Some(i) = invitation {
                v["invitation"] = json!(InvitationView::from(i));
            }
            if let Some(e) = error {
                v["error"] = json!(e);
            }
            v
        })
        .collect();
    let status = if all_invited { StatusCode::CREATED } else { StatusCode::MULTI_STATUS };
    Ok(json_response(status, &json!({ "results": results })))
}

pub async fn list(deps: &Deps, req: Request) -> Result<Response<Body>, Infallible> {
    finish("list", list_inner(deps, &req).await)
}

fn list_request(req: &Request) -> Result<ListRequest, ApiError> {
    let mut out = ListRequest { limit: DEFAULT_LIMIT, ..Default::default() };
    let Some(params) = req.query_string_parameters_ref() else {
        return Ok(out);
    };
    for (key, _) in params.iter() {
        if !["limit", "status", "email", "cursor"].contains(&key) {
            return Err(ApiError::bad_request(format!(
                "unknown query parameter {key:?}; expected limit, status, email or cursor"
            )));
        }
        if params.all(key).is_some_and(|v| v.len() > 1) {
            return Err(ApiError::bad_request(format!("query parameter {key} is given more than once")));
        }
    }
    if let Some(raw) = params.first("limit") {
        out.limit = raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::bad_request(format!("limit must be a whole number from 1 to {MAX_LIMIT}")))?;
    }
    if let Some(raw) = params.first("status") {
        let statuses = raw
            .split(',')
            .map(|s| s.trim().parse::<Status>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ApiError::bad_request(format!("status: {e}")))?;
        out.statuses = Some(statuses);
    }
    if let Some(raw) = params.first("email") {
        let email = Email::parse(raw.trim())
            .map_err(|e| ApiError::bad_request(format!("email is not a valid address: it {e}")))?;
        out.email = Some(email);
    }
    out.cursor = params.first("cursor").map(str::to_owned);
    Ok(out)
}

async fn list_inner(deps: &Deps, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(req)?;
    let account = path_param(req, "account_id");
    service::authorize(&caller, &account)?;
    let query = list_request(req)?;
    let answer = service::list::list(deps, &caller, &account, query).await?;
    let invitations: Vec<InvitationView> = answer.invitations.iter().map(InvitationView::from).collect();
    Ok(json_response(StatusCode::OK, &json!({"invitations": invitations, "next_cursor": answer.next_cursor})))
}

pub async fn cancel(deps: &Deps, req: Request) -> Result<Response<Body>, Infallible> {
    let result = async {
        let caller = caller(&req)?;
        let inv = service::cancel::cancel(deps, &caller, &path_param(&req, "account_id"), invitation_id(&req)).await?;
        Ok(json_response(StatusCode::OK, &InvitationView::from(&inv)))
    };
    finish("cancel", result.await)
}

pub async fn resend(deps: &Deps, sender: &Sender, req: Request) -> Result<Response<Body>, Infallible> {
    let result = async {
        let caller = caller(&req)?;
        let inv = service::resend::resend(deps, sender, &caller, &path_param(&req, "account_id"), invitation_id(&req))
            .await?;
        Ok(json_response(StatusCode::OK, &InvitationView::from(&inv)))
    };
    finish("resend", result.await)
}

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
    let headers: serde_json::Map<String, Value> =
        resp.headers().iter().map(|(k, v)| (k.as_str().to_owned(), json!(v.to_str().unwrap_or_default()))).collect();
    let body = String::from_utf8_lossy(resp.body().as_ref()).into_owned();
    json!({"statusCode": resp.status().as_u16(), "headers": headers, "body": body, "isBase64Encoded": false, "cookies": []})
}

/// Serves one HTTP API event with `handler`: what `lambda_http::run` does, without its panic on a
/// malformed event.
pub async fn serve_event<F, Fut>(event: Value, handler: F) -> Value
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Result<Response<Body>, Infallible>>,
{
    let resp = match request_from_event(event) {
        Ok(request) => match handler(request).await {
            Ok(resp) => resp,
            Err(never) => match never {},
        },
        Err(e) => finish("malformed", Err(e)).unwrap_or_else(|never| match never {}),
    };
    into_event_response(resp)
}

/// The resend function serves two kinds of event: HTTP API requests for the resend route, and
/// EventBridge's Scheduled Event, which runs the sweep until done or until the invocation's time runs
/// short. A sweep that cannot read the due index fails the invocation, so EventBridge retries it.
pub async fn resend_or_sweep(
    deps: &Deps,
    sender: &Sender,
    event: lambda_http::LambdaEvent<Value>,
) -> Result<Value, lambda_http::Error> {
    let (payload, context) = event.into_parts();
    if payload.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event") {
        let left = context.deadline().duration_since(std::time::SystemTime::now()).unwrap_or_default();
        let deadline = tokio::time::Instant::now() + left;
        let summary = service::sweep::sweep(deps, sender, Some(deadline)).await.inspect_err(|e| {
            tracing::error!(error = %crate::logging::chain(e), "sweep failed");
        })?;
        tracing::info!(
            resent = summary.resent,
            expired = summary.expired,
            failed = summary.failed,
            retried = summary.retried,
            read = summary.read,
            complete = summary.complete,
            "sweep done"
        );
        println!("{}", summary.emf(deps.clock.now()));
        return Ok(serde_json::to_value(summary)?);
    }
    Ok(serve_event(payload, |req| resend(deps, sender, req)).await)
}
