//! The send queue on SQS. Each message names one invitation and its slot, and is delayed until about
//! the slot (SQS delays at most 900 s; the sender hands a message whose slot is further on again). Its
//! message group is its account: on a standard queue that makes SQS's fair queueing serve an account
//! with a small backlog ahead of one with a large backlog, so one account's bulk invite does not hold
//! back the others' emails behind it, and share out receives among up to nine accounts sending at
//! once (docs/DESIGN.md, "The queue's order").
use crate::domain::Timestamp;
use crate::ports::{QueueError, QueuedSend, SendQueue};
use async_trait::async_trait;
use aws_sdk_sqs::{types::SendMessageBatchRequestEntry, Client};

/// SQS's longest message delay.
pub const MAX_DELAY_SECS: i64 = 900;
/// SendMessageBatch takes at most ten messages.
const BATCH: usize = 10;

pub struct SqsQueue {
    client: Client,
    url: String,
}

impl SqsQueue {
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        Self { client, url: url.into() }
    }
}

/// Whole seconds until the slot, less one, so the message arrives a second or two before it whatever
/// the poller's latency (the sender waits the rest); at most SQS's limit.
pub fn delay_seconds(slot: Timestamp, now: Timestamp) -> i32 {
    (now.until(slot).as_secs() as i64 - 1).clamp(0, MAX_DELAY_SECS) as i32
}

#[async_trait]
impl SendQueue for SqsQueue {
    async fn hand_on(&self, sends: &[QueuedSend], now: Timestamp) -> Result<(), QueueError> {
        let batches = sends.chunks(BATCH).map(|chunk| async move {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, send)| {
                    let body = serde_json::to_string(send).expect("a queued send serializes");
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(body)
                        .message_group_id(send.account.as_str())
                        .delay_seconds(delay_seconds(send.at(), now))
                        .build()
                        .expect("id and body are set")
                })
                .collect();
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| QueueError::Unavailable(Box::new(e)))?;
            match out.failed().first() {
                None => Ok(()),
                Some(f) => Err(QueueError::Unavailable(
                    format!(
                        "{} of {} messages refused: {} {}",
                        out.failed().len(),
                        chunk.len(),
                        f.code(),
                        f.message().unwrap_or_default()
                    )
                    .into(),
                )),
            }
        });
        futures::future::join_all(batches).await.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_delayed_to_a_second_or_two_before_its_slot_and_at_most_900_s() {
        let now = Timestamp::from_millis(1_800_000_000_000);
        let delay = |ms: u64| delay_seconds(now.plus(std::time::Duration::from_millis(ms)), now);
        assert_eq!([delay(0), delay(999), delay(1_500), delay(10_700)], [0, 0, 0, 9]);
        assert_eq!(delay(3_600_000), 900, "further slots are queued again by the sender");
        assert_eq!(delay_seconds(now, now.plus(std::time::Duration::from_secs(5))), 0, "a slot past is now");
    }
}
