//! The invitation service's core, in layers that only look down (docs/DESIGN.md):
//!
//! `domain` ← `rules`, `events`, `logging` ← `ports` ← `service` ← `adapters` ← `entry` ← `startup` ←
//! the binaries.
//!
//! `domain` holds values parsed at the edge and trusted inside; `rules` the state machine as data;
//! `events` the lifecycle events a stored change makes; `logging` the log lines and what they mask;
//! `ports` the traits the use cases need (store, mailer, pacing, clock, event bus); `service` the use
//! cases; `adapters` the ports on DynamoDB, SES v2, EventBridge, SQS, memory and an outbox folder;
//! `entry` the ways in (the HTTP API and its route table, the scheduled sweep, the paced sender, the
//! table's stream, SES's delivery reports), which never import one another; `startup` the configuration and the wiring a
//! function's `main` calls. A test reads every path and `use` and fails when a module imports one above
//! it or beside it.
pub mod adapters;
pub mod domain;
pub mod entry;
pub mod events;
pub mod logging;
pub mod ports;
pub mod rules;
pub mod service;
pub mod startup;

#[cfg(test)]
mod layers;
#[cfg(test)]
mod template;
