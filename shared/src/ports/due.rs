//! The due index, spread over shards. A GSI partition key value takes about 1,000 write units a second
//! and a throttled index throttles the table's writes, so due entries are spread over `DUE_SHARDS`
//! partition values (docs/DESIGN.md, "The sweep"). An invitation's shard follows from its id alone and
//! is stored with it, so it never moves; the sweep reads every shard any allowed count writes, and the
//! one partition used before shards, so changing the count or upgrading a table loses nothing.
use crate::domain::{AccountId, Invitation, InvitationId, Timestamp};
use sha2::{Digest, Sha256};

/// A position in one shard of the due index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DueKey {
    pub due_at: Timestamp,
    pub account: AccountId,
    pub id: InvitationId,
}

#[derive(Debug, Default)]
pub struct DuePage {
    pub items: Vec<Invitation>,
    /// Set when more may follow in this shard.
    pub next: Option<DueKey>,
    /// Index entries the store read for this page (DynamoDB's ScannedCount).
    pub read: usize,
    /// Entries skipped because they do not read as invitations (logged by the store).
    pub unreadable: usize,
}

/// One partition of the due index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DueShard {
    /// The single partition every due entry had before shards; entries written then stay in it until
    /// their invitation closes.
    Legacy,
    Shard(u16),
}

impl DueShard {
    /// Every partition the sweep reads: the legacy one and each shard of the largest allowed count, so
    /// an entry written under any count is read whatever the count is now.
    pub fn all() -> impl Iterator<Item = DueShard> {
        std::iter::once(DueShard::Legacy).chain((0..DueShards::MAX).map(DueShard::Shard))
    }
}

/// How many shards new due entries are spread over (`DUE_SHARDS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueShards(u16);

impl DueShards {
    pub const DEFAULT: DueShards = DueShards(16);
    /// 32 shards take about 32,000 index write units a second, near the 40,000 a table takes on demand
    /// by default: past that the table, not the index, is the limit. Every sweep reads this many.
    pub const MAX: u16 = 32;

    /// `None` unless `1 <= count <= MAX`.
    pub fn new(count: u16) -> Option<Self> {
        (1..=Self::MAX).contains(&count).then_some(DueShards(count))
    }

    /// The shard of an invitation: the first 8 bytes of the SHA-256 of its id's text, modulo the count.
    /// A fixed, portable hash, so another release or a migration script computes the same shard.
    pub fn of(self, id: InvitationId) -> DueShard {
        let digest = Sha256::digest(id.to_string().as_bytes());
        let head = u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"));
        DueShard::Shard((head % u64::from(self.0)) as u16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_thousand_ids_spread_evenly_over_the_default_shards() {
        let mut counts = [0usize; 16];
        for _ in 0..10_000 {
            match DueShards::DEFAULT.of(InvitationId::new()) {
                DueShard::Shard(i) => counts[i as usize] += 1,
                DueShard::Legacy => panic!("new entries never go to the legacy partition"),
            }
        }
        // 625 a shard on average; a binomial standard deviation is about 24, so 20% is over 5 of them.
        assert!(counts.iter().all(|c| (500..=750).contains(c)), "{counts:?}");
    }

    #[test]
    fn an_id_has_one_shard_in_every_release() {
        let id = InvitationId::parse("0192f3a0-7b1c-7d2e-8f3a-4b5c6d7e8f90").unwrap();
        // Pinned, as Python's hashlib computes it: a change of the hash would move new entries of old
        // invitations away from where their stored shard says they are.
        assert_eq!(DueShards::DEFAULT.of(id), DueShard::Shard(7));
        assert_eq!(DueShards::DEFAULT.of(id), DueShards::DEFAULT.of(InvitationId::parse(&id.to_string()).unwrap()));
        assert_eq!(DueShards::new(1).unwrap().of(id), DueShard::Shard(0));
    }

    #[test]
    fn counts_are_bounded_and_the_sweep_reads_every_shard_of_the_largest() {
        assert_eq!(DueShards::new(0), None);
        assert_eq!(DueShards::new(DueShards::MAX + 1), None);
        assert_eq!(DueShards::new(16), Some(DueShards::DEFAULT));
        let all: Vec<DueShard> = DueShard::all().collect();
        assert_eq!(all.len(), 1 + DueShards::MAX as usize);
        assert_eq!(all[0], DueShard::Legacy);
        for count in 1..=DueShards::MAX {
            let shards = DueShards::new(count).unwrap();
            for _ in 0..50 {
                assert!(all.contains(&shards.of(InvitationId::new())), "a shard of count {count} is read");
            }
        }
    }
}
