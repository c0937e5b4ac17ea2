//! List: one account's invitations, newest first, filtered and paged with a cursor bound to the account
//! and filter it came from.
use super::cursor;
use super::{Authorized, Deps};
use crate::domain::{AccountId, DeliveryStatus, Email, Invitation, InvitationId, Status};
use crate::ports::store::ListQuery;
use crate::ports::StoreError;

pub use crate::domain::limits::{DEFAULT_PAGE as DEFAULT_LIMIT, MAX_PAGE as MAX_LIMIT};

/// What the caller asked for, as parsed at the edge; the store gets a [`ListQuery`].
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub statuses: Option<Vec<Status>>,
    pub email: Option<Email>,
    pub deliveries: Option<Vec<DeliveryStatus>>,
    pub limit: u32,
    pub cursor: Option<String>,
}

#[derive(Debug)]
pub struct ListAnswer {
    pub invitations: Vec<Invitation>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("the cursor is not one this list gave out for this account and filter")]
    InvalidCursor,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn scoped(
    account: &AccountId,
    statuses: &Option<Vec<Status>>,
    email: &Option<Email>,
    deliveries: &Option<Vec<DeliveryStatus>>,
) -> String {
    let statuses = cursor::statuses_part(statuses.iter().flatten().map(|s| s.as_str()));
    let mut parts = vec![account.as_str(), &statuses, email.as_ref().map_or("", |e| e.as_str())];
    // Only a delivery filter adds a part, so cursors given out before it existed stay valid.
    let deliveries = deliveries.as_ref().map(|d| cursor::statuses_part(d.iter().map(|s| s.as_str())));
    parts.extend(deliveries.as_deref());
    cursor::scope(&parts)
}

fn encode(after: InvitationId, scope: String) -> String {
    cursor::encode(&after.to_string(), &scope)
}

fn decode(raw: &str, expected_scope: &str) -> Result<InvitationId, ListError> {
    let after = cursor::decode(raw, expected_scope).map_err(|_| ListError::InvalidCursor)?;
    // Only the canonical spelling of an id, so the cursor's text is the only one that works.
    InvitationId::parse(&after).map_err(|_| ListError::InvalidCursor)
}

pub async fn list(deps: &Deps, auth: &Authorized, req: ListParams) -> Result<ListAnswer, ListError> {
    let account = auth.account();
    let scope = scoped(account, &req.statuses, &req.email, &req.deliveries);
    let after = req.cursor.as_deref().map(|c| decode(c, &scope)).transpose()?;
    let limit = req.limit.clamp(1, MAX_LIMIT);
    let query = ListQuery { statuses: req.statuses, email: req.email, deliveries: req.deliveries, limit, after };
    // The stores' address filter leaves out invitations sent by user id (`ListQuery::email`).
    let page = deps.store.list(account, &query).await?;
    Ok(ListAnswer { invitations: page.items, next_cursor: page.next_after.map(|id| encode(id, scope)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(account: &AccountId, statuses: &Option<Vec<Status>>, email: &Option<Email>) -> String {
        scoped(account, statuses, email, &None)
    }

    #[test]
    fn cursors_are_bound_to_account_and_filter() {
        let a = AccountId::parse("a").unwrap();
        let b = AccountId::parse("b").unwrap();
        let id = InvitationId::new();
        let pending = Some(vec![Status::Pending]);
        let c = encode(id, scope(&a, &pending, &None));
        assert_eq!(decode(&c, &scope(&a, &pending, &None)).unwrap(), id);
        // The same filter written in another order is the same filter.
        let both = scope(&a, &Some(vec![Status::Pending, Status::Processing]), &None);
        assert_eq!(both, scope(&a, &Some(vec![Status::Processing, Status::Pending]), &None));
        for other in [
            scope(&b, &pending, &None),
            scope(&a, &None, &None),
            both,
            scope(&a, &pending, &Some(Email::parse("x@y.io").unwrap())),
            scoped(&a, &pending, &None, &Some(vec![DeliveryStatus::Bounced])),
        ] {
            assert!(matches!(decode(&c, &other), Err(ListError::InvalidCursor)));
        }
        use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
        let as_array = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(id.to_string(), scope(&a, &None, &None))).unwrap());
        let spaced =
            URL_SAFE_NO_PAD.encode(format!(r#"{{ "after": "{id}", "scope": "{}" }}"#, scope(&a, &None, &None)));
        for garbage in ["", "!!", "e30", &URL_SAFE_NO_PAD.encode(br#"{"after":"x","scope":"y"}"#), &as_array, &spaced] {
            assert!(matches!(decode(garbage, &scope(&a, &None, &None)), Err(ListError::InvalidCursor)), "{garbage}");
        }
    }
}
