//! Which errors each route can answer, as (status, code): composed from what each source of errors maps
//! to in `error/`, each list checked here against that mapping, variant by variant. `openapi.yaml` is
//! held to `codes` per operation (`description.rs`), so a code added to a route without its description,
//! or described but never given, fails a test.
use super::routes::Route;
use std::collections::BTreeSet;

pub type Code = (u16, &'static str);

/// The caller read from the authorizer's claims (`CallerError`, `ClaimantError`).
const CLAIMS: &[Code] = &[(401, "unauthenticated")];
/// The path's account against the caller's, and the inviter roles (`AuthError`).
const AUTH: &[Code] = &[(403, "forbidden")];
/// Every use case reaches the store (`StoreError`).
const STORE: &[Code] = &[(503, "unavailable"), (500, "internal")];
/// A JSON body (`json_body`, the body's shape, the access and invitee parsers, the accept token).
const BODY: &[Code] = &[(400, "invalid_request"), (413, "payload_too_large")];
/// A list's query and cursor (`ListError`, `UsersError`).
const QUERY: &[Code] = &[(400, "invalid_request"), (400, "invalid_cursor")];
/// The `Idempotency-Key` header and its record (`IdempotencyError`).
const IDEMPOTENCY: &[Code] =
    &[(400, "invalid_request"), (409, "idempotency_conflict"), (409, "idempotency_in_progress")];
/// The reputation guard's pause, read before an invite or a resend (`Paused`).
const PAUSED: &[Code] = &[(429, "sending_paused")];
/// An access option the caller may not grant; an `expires_in_days` beyond the account's lifetime.
const INVITE: &[Code] = &[(400, "invalid_request"), (403, "forbidden")];
/// Cancel, resend and member removal refuse what holds an option the caller may not grant.
const CANCEL: &[Code] = &[(403, "forbidden"), (404, "not_found"), (409, "invalid_state")];
const RESEND: &[Code] = &[
    (403, "forbidden"),
    (404, "not_found"),
    (409, "invalid_state"),
    (409, "send_limit_reached"),
    (409, "undeliverable"),
    (429, "resend_too_soon"),
];
const ACCEPT: &[Code] = &[
    (403, "invalid_token"),
    (403, "email_mismatch"),
    (403, "user_mismatch"),
    (403, "domain_not_allowed"),
    (409, "already_member"),
    (410, "invitation_closed"),
];
const REMOVE: &[Code] = &[(403, "forbidden"), (404, "not_found"), (409, "invalid_state")];
/// An update, like a cancel, refuses what holds or would hold an option the caller may not grant.
const UPDATE: &[Code] = &[(403, "forbidden"), (404, "not_found"), (409, "invalid_state")];
/// A new link, like a cancel, for an open invitation holding only what the caller may grant.
const LINK: &[Code] = &[(403, "forbidden"), (404, "not_found"), (409, "invalid_state")];
/// The settings are the owner's alone; a write may name the version it read (`If-Match`).
const SETTINGS: &[Code] = &[(403, "forbidden")];
const PUT_SETTINGS: &[Code] = &[(403, "forbidden"), (412, "settings_changed")];

/// Every (status, code) the handler of `route` can answer with, as its handler reads the request.
pub fn codes(route: Route) -> BTreeSet<Code> {
    let parts: &[&[Code]] = match route {
        Route::Invite => &[CLAIMS, AUTH, BODY, IDEMPOTENCY, INVITE, PAUSED, STORE],
        Route::List | Route::Users => &[CLAIMS, AUTH, QUERY, STORE],
        Route::Cancel => &[CLAIMS, AUTH, CANCEL, STORE],
        Route::Resend => &[CLAIMS, AUTH, RESEND, PAUSED, STORE],
        // Reading is for every inviter; resuming is the owner's (`ResumeError::NotOwner`, a 403 as AUTH's).
        Route::Sending | Route::ResumeSending | Route::Seats => &[CLAIMS, AUTH, STORE],
        Route::Accept => &[CLAIMS, BODY, ACCEPT, STORE],
        Route::RemoveUser => &[CLAIMS, AUTH, REMOVE, STORE],
        Route::Settings => &[CLAIMS, AUTH, SETTINGS, STORE],
        Route::Update => &[CLAIMS, AUTH, BODY, UPDATE, STORE],
        Route::Link => &[CLAIMS, AUTH, LINK, STORE],
        Route::PutSettings => &[CLAIMS, AUTH, BODY, PUT_SETTINGS, STORE],
    };
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::super::error::ApiError;
    use super::*;
    use crate::domain::caller::CallerError;
    use crate::domain::member::{ClaimantError, InvalidUserId};
    use crate::domain::AccountSettings;
    use crate::domain::{AccessOption, DeliveryStatus, Status};
    use crate::ports::mail::MailError;
    use crate::ports::StoreError;
    use crate::service::accept::AcceptError;
    use crate::service::cancel::CancelError;
    use crate::service::cursor::InvalidCursor;
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
    use std::time::Duration;

    fn code(e: impl Into<ApiError>) -> Code {
        let e: ApiError = e.into();
        (e.status.as_u16(), e.code)
    }

    fn within(got: Vec<Code>, lists: &[&[Code]]) {
        let allowed: BTreeSet<Code> = lists.iter().flat_map(|l| l.iter().copied()).collect();
        let got: BTreeSet<Code> = got.into_iter().collect();
        assert!(got.is_subset(&allowed), "{got:?} not within {allowed:?}");
        let own: BTreeSet<Code> = lists[0].iter().copied().collect();
        assert!(own.is_subset(&got), "listed but never answered: {:?}", own.difference(&got));
    }

    fn store() -> StoreError {
        StoreError::Unavailable("down".into())
    }

    fn paused() -> Paused {
        let tally = crate::domain::Tally { sends: 20, bounces: 1, complaints: 0 };
        crate::rules::reputation::Guard::default()
            .assess(tally, crate::domain::Timestamp::from_millis(0))
            .map(Paused)
            .expect("5 % of 20 pauses")
    }

    #[test]
    fn each_list_is_what_its_errors_map_to() {
        within(vec![code(StoreError::Unavailable("x".into())), code(StoreError::Corrupt("x".into()))], &[STORE]);
        within(
            vec![code(CallerError::NoClaims), code(CallerError::MissingClaim("sub")), code(CallerError::BadAccount)],
            &[CLAIMS],
        );
        within(vec![code(ClaimantError::NoSub), code(ClaimantError::BadSub(InvalidUserId))], &[CLAIMS]);
        within(vec![code(AuthError::OtherAccount), code(AuthError::NotInviter)], &[AUTH]);
        within(
            vec![
                code(InviteError::Forbidden(AccessOption::Iam)),
                code(InviteError::TooLong { max_days: 30 }),
                code(InviteError::Store(store())),
            ],
            &[INVITE, STORE],
        );
        within(vec![code(InviteError::SendingPaused(paused())), code(ResendError::SendingPaused(paused()))], &[PAUSED]);
        within(vec![code(ResumeError::NotOwner), code(ResumeError::Store(store()))], &[AUTH, STORE]);
        within(vec![code(ListError::InvalidCursor), code(ListError::Store(store()))], &[&QUERY[1..], STORE]);
        within(
            vec![code(UsersError::InvalidCursor(InvalidCursor)), code(UsersError::Store(store()))],
            &[&QUERY[1..], STORE],
        );
        within(
            vec![
                code(IdempotencyError::OtherRequest),
                code(IdempotencyError::StillRunning),
                code(IdempotencyError::Store(store())),
            ],
            &[&IDEMPOTENCY[1..], STORE],
        );
        within(
            vec![
                code(CancelError::Forbidden(AccessOption::Iam)),
                code(CancelError::NotFound),
                code(CancelError::InvalidState(Status::Accepted)),
                code(CancelError::Store(store())),
            ],
            &[CANCEL, STORE],
        );
        within(
            vec![
                code(ResendError::Forbidden(AccessOption::Iam)),
                code(ResendError::NotFound),
                code(ResendError::InvalidState(Status::Cancelled)),
                code(ResendError::TooSoon { retry_after: Duration::from_secs(3) }),
                code(ResendError::LimitReached { sends: 3 }),
                code(ResendError::Undeliverable(DeliveryStatus::Bounced)),
                code(ResendError::Store(store())),
                code(ResendError::SendingPaused(paused())),
                code(ResendError::Mail(MailError::Unavailable("x".into()))),
            ],
            &[RESEND, PAUSED, STORE],
        );
        within(
            vec![
                code(AcceptError::InvalidToken),
                code(AcceptError::EmailMismatch { invited: "a***@x.io".into(), why: "" }),
                code(AcceptError::UserMismatch),
                code(AcceptError::Closed(Status::Expired)),
                code(AcceptError::AlreadyMember),
                code(AcceptError::DomainNotAllowed("x.io".into())),
                code(AcceptError::Store(store())),
            ],
            &[ACCEPT, STORE],
        );
        within(vec![code(SettingsError::NotOwner), code(SettingsError::Store(store()))], &[SETTINGS, STORE]);
        within(
            vec![
                code(LinkError::Forbidden(AccessOption::Iam)),
                code(LinkError::NotFound),
                code(LinkError::InvalidState(Status::Cancelled)),
                code(LinkError::Store(store())),
            ],
            &[LINK, STORE],
        );
        within(
            vec![
                code(UpdateError::Forbidden(AccessOption::Iam)),
                code(UpdateError::NotFound),
                code(UpdateError::InvalidState(Status::Accepted)),
                code(UpdateError::Store(store())),
            ],
            &[UPDATE, STORE],
        );
        let current = Box::new(AccountSettings::defaults(&crate::domain::AccountId::parse("a").unwrap()));
        within(
            vec![
                code(SettingsError::NotOwner),
                code(SettingsError::Changed { expected: 1, current }),
                code(SettingsError::Store(store())),
            ],
            &[PUT_SETTINGS, STORE],
        );
        within(
            vec![
                code(RemoveError::NotFound),
                code(RemoveError::Yourself),
                code(RemoveError::Forbidden(AccessOption::Infrastructure)),
                code(RemoveError::Store(store())),
            ],
            &[REMOVE, STORE],
        );
    }
}
