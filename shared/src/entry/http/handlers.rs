//! One handler per route: read the request, authorize once, call the use case, render the answer.
use super::error::{json_response, ApiError};
use super::extract::{
    authorized, claimant, expires_in_days, idempotency_key, if_match, invitation_id, invitation_ref, json_body,
    list_params, presented_token, user_id, users_params,
};
use super::routes::Route;
use super::view::{InvitationView, MemberView, PauseView, ResultView, SendingView, UserRowView};
use crate::domain::idempotency::fingerprint;
use crate::domain::invitees::parse_invitees;
use crate::domain::public::SettingsView;
use crate::domain::refusal::body_problem;
use crate::domain::Access;
use crate::domain::{AccountSettings, Settings};
use crate::ports::store::Saved;
use crate::ports::StoreError;
use crate::service::invite::Outcome;
use crate::service::{self, Authorized, Deps, Notifier};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};

/// Logs one line per request and turns the result into the answer.
pub(super) fn finish(route: &'static str, result: Result<Response<Body>, ApiError>) -> Response<Body> {
    let resp = result.unwrap_or_else(|e| {
        if e.status.is_client_error() {
            tracing::info!(route, code = e.code, message = %crate::logging::scrub(&e.message), "request refused");
        }
        e.into_response()
    });
    tracing::info!(route, status = resp.status().as_u16(), "request done");
    resp
}

pub async fn invite(deps: &Deps, notifier: &Notifier, req: Request) -> Response<Body> {
    finish(Route::Invite.name(), idempotent_invite(deps, notifier, &req).await)
}

/// With an `Idempotency-Key`, the first answer is kept and given again, byte for byte, to a retry.
async fn idempotent_invite(deps: &Deps, notifier: &Notifier, req: &Request) -> Result<Response<Body>, ApiError> {
    let auth = authorized(req)?;
    let Some(key) = idempotency_key(req)? else {
        return invite_answer(deps, notifier, &auth, req).await;
    };
    let fp = fingerprint(&auth.caller().user_id, req.body().as_ref());
    let work = || async {
        let resp = invite_answer(deps, notifier, &auth, req).await.unwrap_or_else(ApiError::into_response);
        Saved { status: resp.status().as_u16(), body: String::from_utf8_lossy(resp.body().as_ref()).into_owned() }
    };
    let saved = service::idempotency::once(deps, auth.account(), &key, &fp, work).await?;
    let mut resp = Response::new(Body::Text(saved.body.clone()));
    let corrupt = || StoreError::Corrupt(format!("an idempotency record keeps status {}", saved.status));
    *resp.status_mut() = StatusCode::from_u16(saved.status).map_err(|_| ApiError::from(corrupt()))?;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(resp)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteBody {
    invitees: Value,
    access: Value,
    /// Invite addresses whose latest invitation is undeliverable anyway.
    #[serde(default)]
    force: bool,
    /// Days these invitations live, within the account's lifetime; by default all of it.
    #[serde(default)]
    expires_in_days: Value,
}

async fn invite_answer(
    deps: &Deps,
    notifier: &Notifier,
    auth: &Authorized,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let body = json_body(req)?;
    if !body.is_object() {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    }
    let body: InviteBody =
        serde_json::from_value(body).map_err(|e| ApiError::bad_request(format!("the body {}", body_problem(&e))))?;
    let access = Access::parse(body.access).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let invitees = parse_invitees(&body.invitees).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let days = expires_in_days(&body.expires_in_days)?;
    let results = service::invite::invite(deps, notifier, auth, invitees, access, body.force, days).await?;
    let all_invited = results.iter().all(|r| matches!(r.outcome, Outcome::Invited(_)));
    let status = if all_invited { StatusCode::CREATED } else { StatusCode::MULTI_STATUS };
    let results: Vec<ResultView> = results.iter().map(ResultView::from).collect();
    Ok(json_response(status, &json!({ "results": results })))
}

pub async fn list(deps: &Deps, req: Request) -> Response<Body> {
    let answer = async {
        let auth = authorized(&req)?;
        let params = list_params(&req)?;
        let answer = service::list::list(deps, &auth, params).await?;
        let invitations: Vec<InvitationView> = answer.invitations.iter().map(InvitationView::from).collect();
        Ok(json_response(StatusCode::OK, &json!({"invitations": invitations, "next_cursor": answer.next_cursor})))
    };
    finish(Route::List.name(), answer.await)
}

pub async fn cancel(deps: &Deps, req: Request) -> Response<Body> {
    let answer = async {
        let auth = authorized(&req)?;
        let inv = service::cancel::cancel(deps, &auth, invitation_id(&req)?).await?;
        Ok(json_response(StatusCode::OK, &InvitationView::from(&inv)))
    };
    finish(Route::Cancel.name(), answer.await)
}

/// The invitee's route: any signed-in user, judged by the token and the invitation's binding, never by
/// an account or a role.
pub async fn accept(deps: &Deps, req: Request) -> Response<Body> {
    let answer = async {
        let claimant = claimant(&req)?;
        let token = presented_token(&req)?;
        let (account, id) = invitation_ref(&req).ok_or(service::accept::AcceptError::InvalidToken)?;
        let (invitation, member) = service::accept::accept(deps, &claimant, &account, id, &token).await?;
        let body = json!({"member": MemberView::from(&member), "invitation": InvitationView::from(&invitation)});
        Ok(json_response(StatusCode::OK, &body))
    };
    finish(Route::Accept.name(), answer.await)
}

pub async fn users(deps: &Deps, req: Request) -> Response<Body> {
    let answer = async {
        let auth = authorized(&req)?;
        let params = users_params(&req)?;
        let answer = service::users::users(deps, &auth, params).await?;
        let users: Vec<UserRowView> = answer.rows.iter().map(UserRowView::from).collect();
        Ok(json_response(StatusCode::OK, &json!({"users": users, "next_cursor": answer.next_cursor})))
    };
    finish(Route::Users.name(), answer.await)
}

pub async fn remove_user(deps: &Deps, req: Request) -> Response<Body> {
    let answer = async {
        let auth = authorized(&req)?;
        let member = service::users::remove(deps, &auth, &user_id(&req)?).await?;
        Ok(json_response(StatusCode::OK, &MemberView::from(&member)))
    };
    finish(Route::RemoveUser.name(), answer.await)
}

pub async fn resend(deps: &Deps, notifier: &Notifier, req: Request) -> Response<Body> {
    let answer = async {
        let auth = authorized(&req)?;
        let inv = service::resend::resend(deps, notifier, &auth, invitation_id(&req)?).await?;
        Ok(json_response(StatusCode::OK, &InvitationView::from(&inv)))
    };
    finish(Route::Resend.name(), answer.await)
}

/// Every inviter may see whether the account's sending is paused, and why.
pub async fn sending(deps: &Deps, req: Request) -> Response<Body> {
    let answer = async {
        let auth = authorized(&req)?;
        let sending = service::reputation::sending(deps, &auth).await?;
        Ok(json_response(StatusCode::OK, &SendingView::from(&sending)))
    };
    finish(Route::Sending.name(), answer.await)
}

/// The owner lifts the account's pause; resuming an account that is not paused changes nothing.
pub async fn resume_sending(deps: &Deps, req: Request) -> Response<Body> {
    let answer = async {
        let auth = authorized(&req)?;
        let lifted = service::reputation::resume(deps, &auth).await?;
        Ok(json_response(StatusCode::OK, &json!({"paused": false, "lifted": lifted.as_ref().map(PauseView::from)})))
    };
    finish(Route::ResumeSending.name(), answer.await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    access: Value,
}

pub async fn update(deps: &Deps, req: Request) -> Response<Body> {
    let answer = async {
        let auth = authorized(&req)?;
        let id = invitation_id(&req)?;
        let body = json_body(&req)?;
        if !body.is_object() {
            return Err(ApiError::bad_request("the body must be a JSON object"));
        }
        let body: UpdateBody = serde_json::from_value(body)
            .map_err(|e| ApiError::bad_request(format!("the body {}", body_problem(&e))))?;
        let access = Access::parse(body.access).map_err(|e| ApiError::bad_request(e.to_string()))?;
        let inv = service::update::update_access(deps, &auth, id, access).await?;
        Ok(json_response(StatusCode::OK, &InvitationView::from(&inv)))
    };
    finish(Route::Update.name(), answer.await)
}

/// The settings with their version as the `ETag` a later write names in `If-Match`.
fn settings_answer(settings: &AccountSettings) -> Response<Body> {
    let mut resp = json_response(StatusCode::OK, &SettingsView::from(settings));
    let tag = HeaderValue::from_str(&format!("\"{}\"", settings.version)).expect("digits in quotes are a header value");
    resp.headers_mut().insert(header::ETAG, tag);
    resp
}

pub async fn settings(deps: &Deps, req: Request) -> Response<Body> {
    let answer = async {
        let auth = authorized(&req)?;
        Ok(settings_answer(&service::settings::get(deps, &auth).await?))
    };
    finish(Route::Settings.name(), answer.await)
}

pub async fn put_settings(deps: &Deps, req: Request) -> Response<Body> {
    let answer = async {
        let auth = authorized(&req)?;
        let version = if_match(&req)?;
        let settings = Settings::parse(&json_body(&req)?).map_err(|e| ApiError::bad_request(e.to_string()))?;
        Ok(settings_answer(&service::settings::put(deps, &auth, &settings, version).await?))
    };
    finish(Route::PutSettings.name(), answer.await)
}

/// Every inviter may see how many of the account's seats are taken.
pub async fn seats(deps: &Deps, req: Request) -> Response<Body> {
    let answer = async {
        let auth = authorized(&req)?;
        let seats = service::settings::seats(deps, &auth).await?;
        Ok(json_response(StatusCode::OK, &seats))
    };
    finish(Route::Seats.name(), answer.await)
}

/// The accept URL is in this answer only: `finish` logs no body, no event shows a token, and the route
/// keeps no idempotent answer (an `Idempotency-Key` is ignored), so nothing holds the URL after it.
pub async fn link(deps: &Deps, notifier: &Notifier, req: Request) -> Response<Body> {
    let answer = async {
        let auth = authorized(&req)?;
        let (inv, token) = service::link::relink(deps, &auth, invitation_id(&req)?).await?;
        let url = service::message::accept_link(&notifier.settings, &inv, &token);
        let body = json!({"invitation": InvitationView::from(&inv), "accept_url": url.as_str()});
        let mut resp = json_response(StatusCode::OK, &body);
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(resp)
    };
    finish(Route::Link.name(), answer.await)
}

/// Serves a request for `route`: the one dispatch every in-process caller uses. Each Lambda binary
/// serves its own route with the handler directly.
pub async fn dispatch(route: Route, deps: &Deps, notifier: &Notifier, req: Request) -> Response<Body> {
    match route {
        Route::Invite => invite(deps, notifier, req).await,
        Route::List => list(deps, req).await,
        Route::Cancel => cancel(deps, req).await,
        Route::Resend => resend(deps, notifier, req).await,
        Route::Accept => accept(deps, req).await,
        Route::Users => users(deps, req).await,
        Route::RemoveUser => remove_user(deps, req).await,
        Route::Sending => sending(deps, req).await,
        Route::ResumeSending => resume_sending(deps, req).await,
        Route::Settings => settings(deps, req).await,
        Route::Seats => seats(deps, req).await,
        Route::PutSettings => put_settings(deps, req).await,
        Route::Update => update(deps, req).await,
        Route::Link => link(deps, notifier, req).await,
    }
}
