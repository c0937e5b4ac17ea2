//! The send queue on moto's SQS, and what Lambda's event source mapping does with it: polls it, hands
//! each batch of up to ten messages to the paced sender as an SQS event, and deletes the messages the
//! function did not report as failed.
use crate::runtime::{Function, Reply};
use aws_sdk_sqs::types::DeleteMessageBatchRequestEntry;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// A queue of the test's own.
pub struct Queue {
    pub client: aws_sdk_sqs::Client,
    pub url: String,
    pub arn: String,
}

impl Queue {
    pub async fn new(sdk: &aws_config::SdkConfig) -> Self {
        let client = aws_sdk_sqs::Client::new(sdk);
        let name = crate::unique("sends");
        let url = client.create_queue().queue_name(&name).send().await.unwrap().queue_url.unwrap();
        let arn = format!("arn:aws:sqs:us-east-1:123456789012:{name}");
        Queue { client, url, arn }
    }

    /// Messages waiting or delayed.
    pub async fn depth(&self) -> usize {
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(A::ApproximateNumberOfMessages)
            .attribute_names(A::ApproximateNumberOfMessagesDelayed)
            .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap();
        out.attributes().map_or(0, |a| a.values().filter_map(|v| v.parse::<usize>().ok()).sum())
    }

    /// One poll as the mapping makes it: up to ten messages, each as a record of an SQS event.
    pub async fn poll(&self) -> Option<(Value, Vec<(String, String)>)> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .visibility_timeout(120)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId)
            .send()
            .await
            .unwrap();
        let messages = out.messages();
        if messages.is_empty() {
            return None;
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                json!({
                    "messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(),
                    "attributes": m.attributes().map(|a| a.iter().map(|(k, v)| (k.as_str().to_owned(), json!(v))).collect::<serde_json::Map<_, _>>()).unwrap_or_default(),
                    "messageAttributes": {}, "md5OfBody": m.md5_of_body(),
                    "eventSource": "aws:sqs", "eventSourceARN": self.arn, "awsRegion": "us-east-1"
                })
            })
            .collect();
        let handles = messages
            .iter()
            .map(|m| (m.message_id().unwrap().to_owned(), m.receipt_handle().unwrap().to_owned()))
            .collect();
        Some((json!({ "Records": records }), handles))
    }

    /// Drains the queue into `function` until `done` says so: each batch invoked, then its messages
    /// deleted but for the batch's reported failures. Answers the batches' replies.
    pub async fn drain(&self, function: &mut Function, done: impl Fn() -> bool) -> Vec<Value> {
        let mut replies = Vec::new();
        while !done() {
            let Some((event, handles)) = self.poll().await else { continue };
            let reply = match function.invoke(event).await {
                Reply::Response(r) => r,
                other => panic!("the sender failed its batch: {other:?}"),
            };
            let failed: BTreeSet<&str> = reply["batchItemFailures"]
                .as_array()
                .expect("a batch response")
                .iter()
                .map(|f| f["itemIdentifier"].as_str().unwrap())
                .collect();
            let entries: Vec<DeleteMessageBatchRequestEntry> = handles
                .iter()
                .filter(|(id, _)| !failed.contains(id.as_str()))
                .enumerate()
                .map(|(i, (_, handle))| {
                    DeleteMessageBatchRequestEntry::builder().id(i.to_string()).receipt_handle(handle).build().unwrap()
                })
                .collect();
            if !entries.is_empty() {
                self.client
                    .delete_message_batch()
                    .queue_url(&self.url)
                    .set_entries(Some(entries))
                    .send()
                    .await
                    .unwrap();
            }
            replies.push(reply);
        }
        replies
    }
}
