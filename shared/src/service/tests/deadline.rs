//! The sweep against a deadline, on tokio's paused clock: a store whose writes and a mailer whose sends
//! take as long as each says it may, so every claim takes its worst case.
use super::owner_of;
use super::slow::{SlowMailer, SlowStore};
use crate::adapters::recording::Refusal;
use crate::service::claim::claim_margin;
use crate::service::sweep::sweep;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const WRITE: Duration = Duration::from_secs(10);
const SEND: Duration = Duration::from_secs(20);

#[tokio::test(start_paused = true)]
async fn the_sweep_claims_nothing_it_could_not_finish_before_the_deadline() {
    let mut w = super::world();
    let store = Arc::new(SlowStore::new(WRITE));
    w.deps.store = store.clone();
    w.notifier.mailer = Arc::new(SlowMailer(w.mailer.clone(), SEND));
    // 20 invitations stuck in `processing`: each retry is a claim, a send and the write that marks it sent.
    w.mailer.refuse(Some(Refusal::Unavailable));
    let auth = owner_of("acme");
    let invitees: Vec<String> = (0..20).map(|i| format!("stuck{i}@x.io")).collect();
    w.invite(&auth, json!(invitees)).await;
    w.mailer.refuse(None);
    w.clock.advance(Duration::from_secs(6 * 60));
    store.writes_done.lock().unwrap().clear();

    assert_eq!(claim_margin(&w.deps, &w.notifier), Duration::from_secs(45), "10 + 20 + 10 s and the slack");
    // Eight claims at once take 40 s; 35 s are left after them, too little for another 40.
    let deadline = Instant::now() + Duration::from_secs(75);
    let s = sweep(&w.deps, &w.notifier, Some(deadline)).await.unwrap();
    assert!(s.retried > 0 && !s.complete, "{s:?}");
    let done = store.writes_done.lock().unwrap().clone();
    assert_eq!(done.len(), 2 * s.retried as usize, "a claim and a mark for each retry");
    let last = done.iter().max().unwrap();
    assert!(*last <= deadline, "a write ended {:?} after the deadline", *last - deadline);
}
