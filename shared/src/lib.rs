//! The invitation service's core, in layers that only look down (docs/DESIGN.md):
//!
//! `domain` ← `rules` ← `ports` ← `service` ← `adapters` ← `http`, `schedule` ← `wiring` ← the binaries.
//!
//! `domain` holds values parsed at the edge and trusted inside; `rules` the state machine as data;
//! `ports` the traits the use cases need (store, mailer, clock); `service` the use cases; `adapters` the
//! ports on DynamoDB, SES v2, memory and an outbox folder; `http` the API Gateway edge and its route
//! table; `schedule` the sweep's entry; `sends` the paced sender's; `config` and `wiring` start-up. A test reads every `use` and
//! fails when a layer imports one above it.
pub mod adapters;
pub mod config;
pub mod domain;
pub mod http;
pub mod logging;
pub mod ports;
pub mod rules;
pub mod schedule;
pub mod sends;
pub mod service;
pub mod wiring;

#[cfg(test)]
mod layers;
#[cfg(test)]
mod template;
