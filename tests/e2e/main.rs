//! The end-to-end suite, one test binary (each binary would link the whole AWS SDK again): the core
//! against DynamoDB Local and moto (SES v2), the built Lambda binaries under a Runtime API emulator,
//! and the local server. Fixtures live in `support/` (the `e2e` library).
mod api;
mod aws_local;
mod binaries;
mod browser;
mod cargo_lambda;
mod cli;
mod console;
mod delivery;
mod due_shards;
mod events;
mod faults;
mod folders;
mod hostile;
mod iam;
mod lifecycle;
mod local_run;
mod lost_answers;
mod openapi;
mod pacing;
mod poison;
mod readme;
mod round_trips;
mod security;
mod sends;
mod store_contract;
mod sweep;
