//! Accepting, members, the directory and the Users list, under the same lock as the invitations.
use super::MemoryStore;
use crate::domain::{AccountId, Email, InvitationId, Member, UserId};
use crate::events::Stored;
use crate::ports::store::{JoinOutcome, MemberStore, StoreResult, UserRow, UsersPage, UsersQuery};
use crate::rules::Transition;
use async_trait::async_trait;

#[async_trait]
impl MemberStore for MemoryStore {
    async fn join(&self, write: &Transition, member: &Member, directory: Option<&Email>) -> StoreResult<JoinOutcome> {
        let mut inner = self.lock();
        let key = (member.account_id.clone(), member.invitation_id);
        let Some(before) = inner.invitations.get(&key).filter(|inv| write.expect.matches(inv)).cloned() else {
            return Ok(JoinOutcome::Changed);
        };
        let member_key = (member.account_id.clone(), member.user_id.clone());
        if inner.members.contains_key(&member_key) {
            return Ok(JoinOutcome::AlreadyMember);
        }
        let mut accepted = before.clone();
        write.change.apply(&mut accepted);
        inner.invitations.insert(key.clone(), accepted.clone());
        inner.members.insert(member_key.clone(), member.clone());
        let known =
            directory.map(|e| (member.user_id.clone(), inner.directory.insert(member.user_id.clone(), e.clone())));
        if let Err(e) = self.persist(&inner) {
            inner.invitations.insert(key, before);
            inner.members.remove(&member_key);
            match known {
                Some((user, Some(previous))) => inner.directory.insert(user, previous),
                Some((user, None)) => inner.directory.remove(&user),
                None => None,
            };
            return Err(e);
        }
        self.changed(Some(Stored::Invitation(before)), Some(Stored::Invitation(accepted)));
        self.changed(None, Some(Stored::Member(member.clone())));
        Ok(JoinOutcome::Joined)
    }

    async fn member(&self, account: &AccountId, user: &UserId) -> StoreResult<Option<Member>> {
        Ok(self.lock().members.get(&(account.clone(), user.clone())).cloned())
    }

    async fn remove_member(&self, member: &Member) -> StoreResult<bool> {
        let mut inner = self.lock();
        let key = (member.account_id.clone(), member.user_id.clone());
        if inner.members.get(&key).is_none_or(|m| m.invitation_id != member.invitation_id) {
            return Ok(false);
        }
        let removed = inner.members.remove(&key);
        let slot = (member.account_id.clone(), member.email.clone());
        let freed = match inner.latest.get(&slot) {
            Some(id) if *id == member.invitation_id => inner.latest.remove(&slot),
            _ => None,
        };
        if let Err(e) = self.persist(&inner) {
            inner.members.extend(removed.map(|m| (key, m)));
            inner.latest.extend(freed.map(|id| (slot, id)));
            return Err(e);
        }
        self.changed(removed.map(Stored::Member), None);
        Ok(true)
    }

    async fn directory(&self, user: &UserId) -> StoreResult<Option<Email>> {
        Ok(self.lock().directory.get(user).cloned())
    }

    async fn users(&self, account: &AccountId, query: &UsersQuery) -> StoreResult<UsersPage> {
        let inner = self.lock();
        let this_account = (account.clone(), InvitationId::MIN)..=(account.clone(), InvitationId::MAX);
        let invited = inner.invitations.range(this_account).map(|(_, i)| i).filter(|i| i.status.is_open());
        let members = inner.members.values().filter(|m| m.account_id == *account);
        let mut rows: Vec<(String, UserRow)> = invited
            .map(|i| UserRow::Invited(i.clone()))
            .chain(members.map(|m| UserRow::Member(m.clone())))
            .map(|row| (row.sort_key(), row))
            .filter(|(key, _)| query.after.as_ref().is_none_or(|after| key > after))
            .filter(|(key, _)| query.email_prefix.as_ref().is_none_or(|p| key.starts_with(p.as_str())))
            .filter(|(_, row)| query.statuses.as_ref().is_none_or(|s| row.status().is_some_and(|st| s.contains(&st))))
            .filter(|(_, row)| {
                query.deliveries.as_ref().is_none_or(|ds| match row {
                    UserRow::Invited(i) => i.delivery.as_ref().is_some_and(|d| ds.contains(&d.status)),
                    UserRow::Member(_) => false,
                })
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let limit = query.limit.max(1) as usize;
        // Like DynamoDB with a limit: a full page says more may follow.
        let next_after = (rows.len() > limit).then(|| rows[limit - 1].0.clone());
        rows.truncate(limit);
        Ok(UsersPage { rows: rows.into_iter().map(|(_, row)| row).collect(), next_after })
    }
}
