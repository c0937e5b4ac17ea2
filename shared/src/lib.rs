//! The invitation service's core: domain types parsed at the edge, the rules of each use case, the ports
//! they need (store, mailer, clock) and the adapters for DynamoDB and SES v2. The Lambda binaries only
//! read configuration, build clients once and hand each request to [`api`].
pub mod api;
pub mod aws;
pub mod clock;
pub mod config;
pub mod domain;
pub mod logging;
pub mod mail;
pub mod rules;
pub mod service;
pub mod store;
pub mod wiring;
