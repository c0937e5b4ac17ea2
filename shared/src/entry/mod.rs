//! The ways in: the HTTP API (`http`), the scheduled sweep (`sweep`), the paced sender draining the
//! send queue (`sender`), the table's stream (`stream`) and SES's reports of each email (`delivery`). Each turns its event into calls of the use
//! cases and their results into its answer; none imports another, and what they share about an
//! invocation is in `invocation`.
pub mod delivery;
pub mod http;
mod invocation;
pub mod sender;
pub mod stream;
pub mod sweep;
