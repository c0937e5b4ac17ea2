//! moto's EventBridge and SQS as a subscriber sees them: a bus of the test's own, a rule on it that
//! targets a queue, and the events read back from the queue. Set up with plain JSON calls (moto checks
//! no signature), so the tests need no SQS client.
use serde_json::{json, Value};

/// One JSON-protocol call to moto: `target` like `AWSEvents.PutRule` or `AmazonSQS.ReceiveMessage`.
pub async fn moto(endpoint: &str, service: &str, target: &str, body: Value) -> Value {
    let protocol = if service == "sqs" { "application/x-amz-json-1.0" } else { "application/x-amz-json-1.1" };
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/{}/{service}/aws4_request, SignedHeaders=host, Signature=0",
        crate::endpoint("AWS_REGION")
    );
    let resp = reqwest::Client::new()
        .post(endpoint)
        .header("x-amz-target", target)
        .header("content-type", protocol)
        .header("authorization", auth)
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{target}: {e}"));
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "{target}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// A bus of this test's own whose every event a rule delivers to a queue.
pub struct Bus {
    pub name: String,
    pub arn: String,
    queue_url: String,
}

impl Bus {
    pub async fn new() -> Self {
        let events = crate::endpoint("AWS_ENDPOINT_URL_EVENTBRIDGE");
        let sqs = crate::endpoint("AWS_ENDPOINT_URL_SQS");
        let name = crate::unique("bus");
        let queue = moto(&sqs, "sqs", "AmazonSQS.CreateQueue", json!({"QueueName": name})).await;
        let queue_url = queue["QueueUrl"].as_str().unwrap().to_owned();
        let attrs = json!({"QueueUrl": queue_url, "AttributeNames": ["QueueArn"]});
        let attrs = moto(&sqs, "sqs", "AmazonSQS.GetQueueAttributes", attrs).await;
        let bus = moto(&events, "events", "AWSEvents.CreateEventBus", json!({"Name": name})).await;
        let pattern = json!({"source": ["invitations"]}).to_string();
        let rule = json!({"Name": "all", "EventBusName": name, "EventPattern": pattern});
        moto(&events, "events", "AWSEvents.PutRule", rule).await;
        let target = json!({"Id": "queue", "Arn": attrs["Attributes"]["QueueArn"]});
        let targets = json!({"Rule": "all", "EventBusName": name, "Targets": [target]});
        moto(&events, "events", "AWSEvents.PutTargets", targets).await;
        Bus { name, arn: bus["EventBusArn"].as_str().unwrap().to_owned(), queue_url }
    }

    /// Every event the queue holds, in the order the bus delivered them, each as the target receives it.
    pub async fn received(&self) -> Vec<Value> {
        let sqs = crate::endpoint("AWS_ENDPOINT_URL_SQS");
        let mut out = Vec::new();
        loop {
            let body = json!({"QueueUrl": self.queue_url, "MaxNumberOfMessages": 10, "VisibilityTimeout": 300});
            let page = moto(&sqs, "sqs", "AmazonSQS.ReceiveMessage", body).await;
            let messages = page["Messages"].as_array().cloned().unwrap_or_default();
            if messages.is_empty() {
                return out;
            }
            out.extend(messages.iter().map(|m| serde_json::from_str(m["Body"].as_str().unwrap()).unwrap()));
        }
    }
}
