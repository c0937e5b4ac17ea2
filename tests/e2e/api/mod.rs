//! The four handlers end to end in process: real DynamoDB Local and moto (SES v2) behind the production
//! adapters, requests as API Gateway HTTP API events through the route table, answers checked against
//! the API's documented statuses, bodies and error codes.
mod accept;
mod delivery;
mod domains;
mod expiry;
mod failures;
mod idempotency;
mod invite;
mod largest;
mod link;
mod manage;
mod seats;
mod settings;
mod update;
mod users;

use e2e::Answer;
use sha2::{Digest, Sha256};

/// Written out here rather than taken from the core, so a change of hash shows.
fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn assert_error(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.body["error"]["code"], code, "{}", a.body);
    assert!(a.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
}
