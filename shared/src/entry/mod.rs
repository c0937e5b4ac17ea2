//! The four ways in: the HTTP API (`http`), the scheduled sweep (`sweep`), the paced sender draining the
//! send queue (`sender`) and the table's stream (`stream`). Each turns its event into calls of the use
//! cases and their results into its answer; none imports another, and what they share about an
//! invocation is in `invocation`.
pub mod http;
mod invocation;
pub mod sender;
pub mod stream;
pub mod sweep;
