//! The one place errors become answers: each use case's error enum maps to a status and a code here.
//! A failing dependency is `unavailable` (503, retrying is safe); a bug is `internal` (500), whose answer
//! says nothing of the cause while the log says all of it.
use crate::domain::caller::CallerError;
use crate::domain::member::ClaimantError;
use crate::domain::Status;
use crate::ports::StoreError;
use crate::service::accept::AcceptError;
use crate::service::cancel::CancelError;
use crate::service::idempotency::IdempotencyError;
use crate::service::invite::InviteError;
use crate::service::link::LinkError;
use crate::service::list::ListError;
use crate::service::reputation::{Paused, ResumeError};
use crate::service::resend::ResendError;
use crate::service::settings::SettingsError;
use crate::service::update::UpdateError;
use crate::service::users::{RemoveError, UsersError};
use crate::service::AuthError;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub(super) status: StatusCode,
    pub(super) code: &'static str,
    pub(super) message: String,
    retry_after: Option<u64>,
}

/// Parser messages can quote the input; answers stay small.
const MAX_MESSAGE: usize = 300;

impl ApiError {
    pub(super) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        let mut message: String = message.into();
        if message.len() > MAX_MESSAGE {
            let cut = (0..=MAX_MESSAGE).rev().find(|i| message.is_char_boundary(*i)).unwrap_or(0);
            message.truncate(cut);
            message.push('…');
        }
        Self { status, code, message, retry_after: None }
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub(super) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such invitation")
    }

    fn invalid_state(status: Status, message: &str) -> Self {
        Self::new(StatusCode::CONFLICT, "invalid_state", format!("{message} (status: {status})"))
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

    pub(super) fn into_response(self) -> Response<Body> {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        let mut resp = json_response(self.status, &body);
        if let Some(secs) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        resp
    }
}

pub(super) fn json_response(status: StatusCode, body: &impl Serialize) -> Response<Body> {
    // The answers are built from strings, numbers and maps with string keys, which always serialize.
    let text = serde_json::to_string(body).expect("answers serialize");
    let mut resp = Response::new(Body::Text(text));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

impl From<CallerError> for ApiError {
    fn from(e: CallerError) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", e.to_string())
    }
}

impl From<ClaimantError> for ApiError {
    fn from(e: ClaimantError) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", e.to_string())
    }
}

impl From<AcceptError> for ApiError {
    fn from(e: AcceptError) -> Self {
        let (status, code) = match e {
            AcceptError::Store(s) => return s.into(),
            AcceptError::InvalidToken => (StatusCode::FORBIDDEN, "invalid_token"),
            AcceptError::EmailMismatch { .. } => (StatusCode::FORBIDDEN, "email_mismatch"),
            AcceptError::UserMismatch => (StatusCode::FORBIDDEN, "user_mismatch"),
            AcceptError::Closed(_) => (StatusCode::GONE, "invitation_closed"),
            AcceptError::AlreadyMember => (StatusCode::CONFLICT, "already_member"),
            AcceptError::DomainNotAllowed(_) => (StatusCode::FORBIDDEN, "domain_not_allowed"),
        };
        Self::new(status, code, e.to_string())
    }
}

impl From<UsersError> for ApiError {
    fn from(e: UsersError) -> Self {
        match e {
            UsersError::InvalidCursor(c) => Self::new(StatusCode::BAD_REQUEST, "invalid_cursor", c.to_string()),
            UsersError::Store(s) => s.into(),
        }
    }
}

impl From<RemoveError> for ApiError {
    fn from(e: RemoveError) -> Self {
        match e {
            RemoveError::NotFound => Self::new(StatusCode::NOT_FOUND, "not_found", e.to_string()),
            RemoveError::Yourself => Self::new(StatusCode::CONFLICT, "invalid_state", e.to_string()),
            RemoveError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
            RemoveError::Store(s) => s.into(),
        }
    }
}

impl From<LinkError> for ApiError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::NotFound => Self::not_found(),
            LinkError::InvalidState(s) => {
                Self::invalid_state(s, "only a processing or pending invitation, not past its expiry, has a link")
            }
            LinkError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
            LinkError::Store(s) => s.into(),
        }
    }
}

impl From<UpdateError> for ApiError {
    fn from(e: UpdateError) -> Self {
        match e {
            UpdateError::NotFound => Self::not_found(),
            UpdateError::InvalidState(s) => {
                Self::invalid_state(s, "only a processing or pending invitation, not past its expiry, can be updated")
            }
            UpdateError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
            UpdateError::Store(s) => s.into(),
        }
    }
}

impl From<SettingsError> for ApiError {
    fn from(e: SettingsError) -> Self {
        match e {
            SettingsError::NotOwner => Self::new(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
            // 412, not 409: the request's own precondition (`If-Match`) failed, which is what HTTP
            // clients and caches know 412 for; nothing about the settings conflicts with the request.
            SettingsError::Changed { .. } => {
                Self::new(StatusCode::PRECONDITION_FAILED, "settings_changed", e.to_string())
            }
            SettingsError::Store(s) => s.into(),
        }
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

impl From<IdempotencyError> for ApiError {
    fn from(e: IdempotencyError) -> Self {
        match e {
            IdempotencyError::Store(s) => s.into(),
            // Its own code, so that a client retrying with the same key knows to wait rather than stop.
            IdempotencyError::StillRunning => {
                let mut err = Self::new(StatusCode::CONFLICT, "idempotency_in_progress", e.to_string());
                err.retry_after = Some(1);
                err
            }
            IdempotencyError::OtherRequest => Self::new(StatusCode::CONFLICT, "idempotency_conflict", e.to_string()),
        }
    }
}

impl From<InviteError> for ApiError {
    fn from(e: InviteError) -> Self {
        match e {
            InviteError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
            InviteError::SendingPaused(p) => p.into(),
            InviteError::TooLong { .. } => Self::bad_request(e.to_string()),
            InviteError::Store(s) => s.into(),
        }
    }
}

/// No Retry-After: the pause lasts until an owner lifts it, not for a time.
impl From<Paused> for ApiError {
    fn from(p: Paused) -> Self {
        let message = format!("{p} (POST /accounts/{{account_id}}/sending/resume, or `invitations account resume`)");
        Self::new(StatusCode::TOO_MANY_REQUESTS, "sending_paused", message)
    }
}

impl From<ResumeError> for ApiError {
    fn from(e: ResumeError) -> Self {
        match e {
            ResumeError::NotOwner => Self::new(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
            ResumeError::Store(s) => s.into(),
        }
    }
}

impl From<ListError> for ApiError {
    fn from(e: ListError) -> Self {
        match e {
            ListError::InvalidCursor => Self::new(StatusCode::BAD_REQUEST, "invalid_cursor", e.to_string()),
            ListError::Store(s) => s.into(),
        }
    }
}

impl From<CancelError> for ApiError {
    fn from(e: CancelError) -> Self {
        match e {
            CancelError::NotFound => Self::not_found(),
            CancelError::InvalidState(s) => {
                Self::invalid_state(s, "only a processing or pending invitation can be cancelled")
            }
            CancelError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
            CancelError::Store(s) => s.into(),
        }
    }
}

impl From<ResendError> for ApiError {
    fn from(e: ResendError) -> Self {
        match e {
            ResendError::NotFound => Self::not_found(),
            ResendError::InvalidState(s) => Self::invalid_state(s, "only a pending invitation can be resent"),
            ResendError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
            ResendError::TooSoon { retry_after } => {
                let mut err = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "resend_too_soon",
                    "the invitation was sent less than RESEND_MIN_INTERVAL ago; retry after the seconds in Retry-After",
                );
                err.retry_after = Some(retry_after.as_secs());
                err
            }
            ResendError::Store(s) => s.into(),
            ResendError::SendingPaused(p) => p.into(),
            ResendError::LimitReached { sends } => Self::new(
                StatusCode::CONFLICT,
                "send_limit_reached",
                format!("the invitation has had {sends} emails, the most MAX_SENDS allows; cancel it and invite again to send more"),
            ),
            ResendError::Undeliverable(status) => Self::new(
                StatusCode::CONFLICT,
                "undeliverable",
                format!("the invitation's latest email was {status}: its address takes no more email; invite it again with \"force\": true to try anyway"),
            ),
            ResendError::Mail(error) => {
                let mut err = Self::unavailable(&error);
                err.message = "the email could not be sent; the invitation is back in processing and the scheduled sweep will send it again".into();
                err
            }
        }
    }
}

#[cfg(test)]
mod tests;
