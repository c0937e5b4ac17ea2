//! Reading a request: the caller from the authorizer's claims (never from headers), the path's account
//! and invitation id, the query and the body, each parsed into domain values or refused with a 4xx.
use super::error::ApiError;
use crate::domain::caller::CallerError;
use crate::domain::refusal::body_problem;
use crate::domain::token::MalformedToken;
use crate::domain::{
    AccountId, Caller, Claimant, DeliveryStatus, Email, EmailPrefix, IdempotencyKey, InvitationId, Status, TokenHash,
    UserId, UserStatus,
};
use crate::service::list::{ListParams, DEFAULT_LIMIT, MAX_LIMIT};
use crate::service::users::{self, UsersParams};
use crate::service::{authorize, Authorized};
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::http::StatusCode;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

pub use crate::domain::limits::MAX_BODY_BYTES;

fn claims(req: &Request) -> Result<&HashMap<String, String>, CallerError> {
    let claims = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ApiGatewayV2httpRequestContext { authorizer: Some(a), .. })) => {
            a.jwt.as_ref().map(|jwt| &jwt.claims)
        }
        _ => None,
    };
    claims.ok_or(CallerError::NoClaims)
}

pub(super) fn caller(req: &Request) -> Result<Caller, ApiError> {
    Ok(Caller::from_claims(claims(req)?)?)
}

/// The caller of the accept route: only its `sub` and `email` claims count.
pub(super) fn claimant(req: &Request) -> Result<Claimant, ApiError> {
    Ok(Claimant::from_claims(claims(req)?)?)
}

/// The path's account and invitation id, when both are well formed.
pub(super) fn invitation_ref(req: &Request) -> Option<(AccountId, InvitationId)> {
    let account = path_param(req, "account_id").and_then(AccountId::parse)?;
    let id = path_param(req, "id").and_then(|id| InvitationId::parse(id).ok())?;
    Some((account, id))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptBody {
    token: Value,
}

/// The accept body's token, hashed: a body that is not an object (serde would read `["…"]` as the
/// struct), or a missing, empty, non-string, over-long or non-base64url token is a malformed request.
pub(super) fn presented_token(req: &Request) -> Result<TokenHash, ApiError> {
    let body = json_body(req)?;
    if !body.is_object() {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    }
    let body: AcceptBody =
        serde_json::from_value(body).map_err(|e| ApiError::bad_request(format!("the body {}", body_problem(&e))))?;
    body.token
        .as_str()
        .ok_or(MalformedToken)
        .and_then(TokenHash::of_presented)
        .map_err(|e| ApiError::bad_request(e.to_string()))
}

fn path_param<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.path_parameters_ref().and_then(|p| p.first(name))
}

/// The caller, checked against the path's account once, for every inviter route.
pub(super) fn authorized(req: &Request) -> Result<Authorized, ApiError> {
    let caller = caller(req)?;
    let account = path_param(req, "account_id").and_then(AccountId::parse);
    Ok(authorize(caller, account.as_ref())?)
}

/// The path's invitation id; one that does not parse names no invitation.
pub(super) fn invitation_id(req: &Request) -> Result<InvitationId, ApiError> {
    path_param(req, "id").and_then(|id| InvitationId::parse(id).ok()).ok_or_else(ApiError::not_found)
}

pub(super) fn json_body(req: &Request) -> Result<Value, ApiError> {
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
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {}", body_problem(&e))))
}

/// The `Idempotency-Key` header, when the request has one.
pub(super) fn idempotency_key(req: &Request) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(raw) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = raw.to_str().ok().and_then(|k| IdempotencyKey::parse(k).ok());
    key.map(Some).ok_or_else(|| ApiError::bad_request("Idempotency-Key must be 1 to 64 printable ASCII characters"))
}

/// The query's parameters, each at most once and each one of `known`.
fn query<'a>(req: &'a Request, known: &[&str]) -> Result<Option<&'a QueryMap>, ApiError> {
    let Some(params) = req.query_string_parameters_ref() else {
        return Ok(None);
    };
    for (key, _) in params.iter() {
        if !known.contains(&key) {
            return Err(ApiError::bad_request(format!(
                "unknown query parameter {key:?}; expected {}",
                known.join(", ")
            )));
        }
        if params.all(key).is_some_and(|v| v.len() > 1) {
            return Err(ApiError::bad_request(format!("query parameter {key} is given more than once")));
        }
    }
    Ok(Some(params))
}

fn limit(params: &QueryMap, max: u32) -> Result<Option<u32>, ApiError> {
    let Some(raw) = params.first("limit") else { return Ok(None) };
    let n = raw.parse::<u32>().ok().filter(|n| (1..=max).contains(n));
    n.map(Some).ok_or_else(|| ApiError::bad_request(format!("limit must be a whole number from 1 to {max}")))
}

/// The statuses asked for, each once: a store's filter then has at most one value per status, however
/// often the query repeats one (DynamoDB refuses more than 100 in one `IN`).
fn statuses<T: std::str::FromStr + PartialEq>(params: &QueryMap) -> Result<Option<Vec<T>>, ApiError>
where
    T::Err: std::fmt::Display,
{
    comma_list(params, "status")
}

/// The values of the comma-separated parameter `name`, each once.
fn comma_list<T: std::str::FromStr + PartialEq>(params: &QueryMap, name: &str) -> Result<Option<Vec<T>>, ApiError>
where
    T::Err: std::fmt::Display,
{
    let Some(raw) = params.first(name) else { return Ok(None) };
    let mut distinct = Vec::new();
    for piece in raw.split(',') {
        let status = piece.trim().parse::<T>().map_err(|e| ApiError::bad_request(format!("{name}: {e}")))?;
        if !distinct.contains(&status) {
            distinct.push(status);
        }
    }
    Ok(Some(distinct))
}

pub(super) fn users_params(req: &Request) -> Result<UsersParams, ApiError> {
    let mut out = UsersParams { limit: users::DEFAULT_LIMIT, ..Default::default() };
    let Some(params) = query(req, &["limit", "status", "email_prefix", "delivery", "cursor"])? else {
        return Ok(out);
    };
    out.limit = limit(params, users::MAX_LIMIT)?.unwrap_or(out.limit);
    out.statuses = statuses::<UserStatus>(params)?;
    out.deliveries = comma_list::<DeliveryStatus>(params, "delivery")?;
    if let Some(raw) = params.first("email_prefix") {
        let prefix = EmailPrefix::parse(raw.trim())
            .map_err(|e| ApiError::bad_request(format!("email_prefix is not the beginning of an address: it {e}")))?;
        out.email_prefix = Some(prefix);
    }
    out.cursor = params.first("cursor").map(str::to_owned);
    Ok(out)
}

/// The path's user id; one that does not parse names no member.
pub(super) fn user_id(req: &Request) -> Result<UserId, ApiError> {
    let id = path_param(req, "user_id").and_then(|u| UserId::parse(u).ok());
    id.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such member"))
}

pub(super) fn list_params(req: &Request) -> Result<ListParams, ApiError> {
    let mut out = ListParams { limit: DEFAULT_LIMIT, ..Default::default() };
    let Some(params) = query(req, &["limit", "status", "email", "delivery", "cursor"])? else {
        return Ok(out);
    };
    out.limit = limit(params, MAX_LIMIT)?.unwrap_or(out.limit);
    out.statuses = statuses::<Status>(params)?;
    out.deliveries = comma_list::<DeliveryStatus>(params, "delivery")?;
    if let Some(raw) = params.first("email") {
        let email = Email::parse(raw.trim())
            .map_err(|e| ApiError::bad_request(format!("email is not a valid address: it {e}")))?;
        out.email = Some(email);
    }
    out.cursor = params.first("cursor").map(str::to_owned);
    Ok(out)
}

/// The `If-Match` header: the settings version a write expects, as the `ETag` a GET answered (`"3"`;
/// a weak `W/"3"` and a bare `3` are taken too). `*` matches any version, as no header does.
pub(super) fn if_match(req: &Request) -> Result<Option<u64>, ApiError> {
    let Some(raw) = req.headers().get("if-match") else {
        return Ok(None);
    };
    let text = raw.to_str().map(str::trim).unwrap_or_default();
    if text == "*" {
        return Ok(None);
    }
    let tag = text.strip_prefix("W/").unwrap_or(text);
    let tag = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(tag);
    let version = tag.parse::<u64>().ok().filter(|_| tag.bytes().all(|b| b.is_ascii_digit()));
    version.map(Some).ok_or_else(|| ApiError::bad_request("If-Match must be the ETag a GET of the settings answered"))
}

/// An invite's `expires_in_days`: absent or `null`, or a whole number of days the service then holds
/// to the account's invitation lifetime.
pub(super) fn expires_in_days(raw: &Value) -> Result<Option<u32>, ApiError> {
    let max = crate::domain::limits::MAX_TTL_DAYS;
    match raw {
        Value::Null => Ok(None),
        v => v.as_u64().filter(|d| (1..=u64::from(max)).contains(d)).map(|d| Some(d as u32)).ok_or_else(|| {
            ApiError::bad_request(format!("expires_in_days must be a whole number from 1 to {max}, or null"))
        }),
    }
}
