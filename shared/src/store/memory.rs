//! The in-memory twin of the DynamoDB store: the same semantics behind one lock, for the local run and
//! fast rule tests. The contract suite runs the same cases against both.
use super::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    invitations: BTreeMap<(AccountId, InvitationId), Invitation>,
    /// The latest invitation per (account, email), as DynamoDB's slot items.
    latest: HashMap<(AccountId, Email), InvitationId>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere cannot leave an invitation half-written: every write below is one insert.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl InvitationStore for MemoryStore {
    async fn create(&self, invitation: &Invitation) -> Result<CreateOutcome, StoreError> {
        let mut inner = self.lock();
        let slot = (invitation.account_id.clone(), invitation.email.clone());
        if let Some(prev) = inner
            .latest
            .get(&slot)
            .and_then(|id| inner.invitations.get(&(slot.0.clone(), *id)))
        {
            if prev.status.is_open() {
                return Ok(CreateOutcome::AlreadyOpen(prev.clone()));
            }
            if prev.status == Status::Accepted {
                return Ok(CreateOutcome::AlreadyMember(prev.clone()));
            }
        }
        inner.latest.insert(slot, invitation.id);
        inner.invitations.insert(
            (invitation.account_id.clone(), invitation.id),
            invitation.clone(),
        );
        Ok(CreateOutcome::Created)
    }

    async fn update(
        &self,
        account: &AccountId,
        id: InvitationId,
        expect: &Expect,
        change: &Change,
    ) -> Result<UpdateOutcome, StoreError> {
        let mut inner = self.lock();
        let Some(inv) = inner.invitations.get_mut(&(account.clone(), id)) else {
            return Ok(UpdateOutcome::NotFound);
        };
        if !expect.matches(inv) {
            return Ok(UpdateOutcome::Mismatch(inv.clone()));
        }
        change.apply(inv);
        Ok(UpdateOutcome::Updated(inv.clone()))
    }

    async fn list(&self, account: &AccountId, query: &ListQuery) -> Result<Page, StoreError> {
        let inner = self.lock();
        let limit = query.limit.max(1) as usize;
        let items: Vec<Invitation> = inner
            .invitations
            .range((account.clone(), InvitationId::MIN)..=(account.clone(), InvitationId::MAX))
            .rev()
            .map(|(_, inv)| inv)
            .filter(|inv| query.after.is_none_or(|after| inv.id < after))
            .filter(|inv| {
                query
                    .statuses
                    .as_ref()
                    .is_none_or(|s| s.contains(&inv.status))
            })
            .filter(|inv| query.email.as_ref().is_none_or(|e| *e == inv.email))
            .take(limit)
            .cloned()
            .collect();
        // Like DynamoDB with a limit: a full page says more may follow.
        let next_after = (items.len() == limit)
            .then(|| items.last().map(|i| i.id))
            .flatten();
        Ok(Page { items, next_after })
    }
}
