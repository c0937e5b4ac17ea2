//! Adapters: the ports implemented on DynamoDB, SES v2, EventBridge, SQS (the send queue), memory
//! (optionally a file), an `.eml` outbox with SES's mailbox simulator in front of it, JSON lines of
//! events and a recording mailer for tests, and the shared AWS SDK configuration.
pub mod aws;
pub mod dynamo;
pub mod event_log;
pub mod eventbridge;
pub mod memory;
pub mod outbox;
#[cfg(any(test, feature = "test-support"))]
pub mod recording;
pub mod ses;
pub mod simulator;
pub mod sqs;
