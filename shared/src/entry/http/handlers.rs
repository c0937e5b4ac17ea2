//! One handler per route: read the request, authorize once, call the use case, render the answer.
use super::error::{json_response, ApiError};
use super::extract::{
    authorized, claimant, idempotency_key, invitation_id, invitation_ref, json_body, list_params, presented_token,
    user_id, users_params,
};
use super::routes::Route;
use super::view::{InvitationView, MemberView, ResultView, UserRowView};
use crate::domain::idempotency::fingerprint;
use crate::domain::invitees::parse_invitees;
use crate::domain::refusal::body_problem;
use crate::domain::Access;
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
    let results = service::invite::invite(deps, notifier, auth, invitees, access, body.force).await?;
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
    }
}
