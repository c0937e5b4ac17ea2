//! The Users list (members and open invitations of an account, one query a page) and the removal of a
//! member, after which the address may be invited again.
use super::{cursor, Authorized, Deps};
use crate::domain::{AccessOption, DeliveryStatus, EmailPrefix, Member, UserId, UserStatus};
use crate::ports::store::{is_user_sort_key, UserRow, UsersQuery};
use crate::ports::StoreError;

pub use crate::domain::limits::{DEFAULT_PAGE as DEFAULT_LIMIT, MAX_PAGE as MAX_LIMIT};

/// What the caller asked for, as parsed at the edge.
#[derive(Debug, Clone, Default)]
pub struct UsersParams {
    pub statuses: Option<Vec<UserStatus>>,
    pub email_prefix: Option<EmailPrefix>,
    pub deliveries: Option<Vec<DeliveryStatus>>,
    pub limit: u32,
    pub cursor: Option<String>,
}

#[derive(Debug)]
pub struct UsersAnswer {
    pub rows: Vec<UserRow>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    #[error(transparent)]
    InvalidCursor(#[from] cursor::InvalidCursor),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn scope(auth: &Authorized, params: &UsersParams) -> String {
    let statuses = cursor::statuses_part(params.statuses.iter().flatten().map(|s| s.as_str()));
    let mut parts = vec![auth.account().as_str(), "users", &statuses];
    // Only a search or a delivery filter adds a part, so cursors given out before they existed still read.
    if let Some(prefix) = &params.email_prefix {
        parts.extend(["email_prefix", prefix.as_str()]);
    }
    let deliveries = params.deliveries.as_ref().map(|d| cursor::statuses_part(d.iter().map(|s| s.as_str())));
    if let Some(d) = &deliveries {
        parts.extend(["delivery", d]);
    }
    cursor::scope(&parts)
}

pub async fn users(deps: &Deps, auth: &Authorized, params: UsersParams) -> Result<UsersAnswer, UsersError> {
    let scope = scope(auth, &params);
    let after = params.cursor.as_deref().map(|c| cursor::decode(c, &scope)).transpose()?;
    if after.as_deref().is_some_and(|a| !is_user_sort_key(a)) {
        return Err(cursor::InvalidCursor.into());
    }
    let query = UsersQuery {
        statuses: params.statuses,
        email_prefix: params.email_prefix,
        deliveries: params.deliveries,
        limit: params.limit.clamp(1, MAX_LIMIT),
        after,
    };
    let page = deps.store.users(auth.account(), &query).await?;
    Ok(UsersAnswer { rows: page.rows, next_cursor: page.next_after.map(|a| cursor::encode(&a, &scope)) })
}

#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    #[error("no such member")]
    NotFound,
    #[error("you cannot remove yourself from the account")]
    Yourself,
    #[error("you may not remove a member holding {} access", .0.as_str())]
    Forbidden(AccessOption),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Removes a member the caller could have granted everything to. The read and the conditional removal
/// are two calls: removal is rare, and the answer is the member removed.
pub async fn remove(deps: &Deps, auth: &Authorized, user: &UserId) -> Result<Member, RemoveError> {
    if auth.caller().user_id == user.as_str() {
        return Err(RemoveError::Yourself);
    }
    let member = deps.store.member(auth.account(), user).await?.ok_or(RemoveError::NotFound)?;
    auth.may_act_on(&member.access).map_err(RemoveError::Forbidden)?;
    // A member removed and re-added in between is not the one read: it stays.
    if !deps.store.remove_member(&member).await? {
        return Err(RemoveError::NotFound);
    }
    Ok(member)
}
