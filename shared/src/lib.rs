//! The invitation service's core, in layers that only look down (docs/DESIGN.md):
//!
//! `domain` ← `rules`, `events` ← `ports` ← `service` ← `adapters` ← `http`, `schedule`, `stream`, `sends`,
//! `delivery` ← `wiring` ← the binaries.
//!
//! `domain` holds values parsed at the edge and trusted inside; `rules` the state machine as data;
//! `events` the lifecycle events a stored change makes; `ports` the traits the use cases need (store,
//! mailer, pacing, clock, event bus); `service` the use cases; `adapters` the ports on DynamoDB, SES v2,
//! EventBridge, SQS, memory and an outbox folder; `http` the API Gateway edge and its route table;
//! `schedule` the sweep's entry; `stream` the entry of the table's stream; `sends` the paced sender's;
//! `delivery` the entry of SES's delivery events; `config` and `wiring` start-up. A test reads every
//! `use` and fails when a layer imports one above it.
pub mod adapters;
pub mod config;
pub mod delivery;
pub mod domain;
pub mod events;
pub mod http;
pub mod logging;
pub mod ports;
pub mod rules;
pub mod schedule;
pub mod sends;
pub mod service;
pub mod stream;
pub mod wiring;

#[cfg(test)]
mod layers;
#[cfg(test)]
mod template;
