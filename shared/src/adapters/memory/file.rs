//! The file the local server keeps the in-memory store in: a snapshot of its invitations, members,
//! directory and settings, read once at start and written whole after each change (to a temporary file,
//! then renamed over the old one).
use super::{Inner, MemoryStore};
use crate::domain::{AccountSettings, Email, Invitation, Member, Status, UserId};
use crate::ports::store::{StoreError, StoreResult};
use std::path::Path;
use std::sync::Mutex;

#[derive(serde::Serialize, serde::Deserialize)]
struct Snapshot {
    invitations: Vec<Invitation>,
    #[serde(default)]
    members: Vec<Member>,
    #[serde(default)]
    directory: Vec<(UserId, Email)>,
    #[serde(default)]
    settings: Vec<AccountSettings>,
}

impl MemoryStore {
    /// A store kept in `path`, loaded from it when it exists.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let mut inner = Inner::default();
        match std::fs::read(path) {
            Ok(bytes) => {
                let snapshot: Snapshot = serde_json::from_slice(&bytes)
                    .map_err(|e| StoreError::Corrupt(format!("{}: {e}", path.display())))?;
                for inv in snapshot.invitations {
                    // Ids grow with creation time, so the greatest id per address is its latest.
                    let slot = inner.latest.entry((inv.account_id.clone(), inv.email.clone())).or_insert(inv.id);
                    *slot = (*slot).max(inv.id);
                    inner.invitations.insert((inv.account_id.clone(), inv.id), inv);
                }
                for m in snapshot.members {
                    inner.members.insert((m.account_id.clone(), m.user_id.clone()), m);
                }
                inner.directory.extend(snapshot.directory);
                inner.settings.extend(snapshot.settings.into_iter().map(|s| (s.account_id.clone(), s)));
                // An accepted invitation holds its address only while its member stays; a removal freed it.
                let Inner { latest, invitations, members, .. } = &mut inner;
                latest.retain(|(account, _), id| {
                    let Some(inv) = invitations.get(&(account.clone(), *id)) else { return false };
                    inv.status != Status::Accepted
                        || inv.accepted_by.as_ref().is_none_or(|user| {
                            members.get(&(account.clone(), user.clone())).is_some_and(|m| m.invitation_id == inv.id)
                        })
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::Unavailable(Box::new(e))),
        }
        Ok(Self { inner: Mutex::new(inner), file: Some(path.to_owned()), listener: None })
    }

    /// Called with the lock held, so snapshots are written in the order of the changes.
    pub(super) fn persist(&self, inner: &Inner) -> StoreResult<()> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let snapshot = Snapshot {
            invitations: inner.invitations.values().cloned().collect(),
            members: inner.members.values().cloned().collect(),
            directory: inner.directory.iter().map(|(u, e)| (u.clone(), e.clone())).collect(),
            settings: inner.settings.values().cloned().collect(),
        };
        let bytes = serde_json::to_vec_pretty(&snapshot).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes)
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| StoreError::Unavailable(Box::new(e)))
    }
}
