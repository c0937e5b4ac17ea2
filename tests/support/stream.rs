//! A table's stream as Lambda would hand it to the `events` function: DynamoDB Local's own stream
//! (`DescribeStream`, `GetShardIterator`, `GetRecords`, in plain JSON calls), its records turned into
//! DynamoDB stream events.
use serde_json::{json, Value};

async fn streams(target: &str, body: Value) -> Value {
    let endpoint = crate::endpoint("AWS_ENDPOINT_URL_DYNAMODB");
    // DynamoDB Local keeps one database per access key and region, read from the credential scope.
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={}/20260101/{}/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
        crate::endpoint("AWS_ACCESS_KEY_ID"),
        crate::endpoint("AWS_REGION")
    );
    let resp = reqwest::Client::new()
        .post(endpoint)
        .header("x-amz-target", format!("DynamoDBStreams_20120810.{target}"))
        .header("content-type", "application/x-amz-json-1.0")
        .header("authorization", auth)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "{target}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

/// The table's stream ARN.
pub async fn stream_arn(client: &aws_sdk_dynamodb::Client, table: &str) -> String {
    let table = client.describe_table().table_name(table).send().await.unwrap();
    table.table.and_then(|t| t.latest_stream_arn).expect("the table has a stream")
}

/// Every record of every shard of the stream so far, oldest first, as Lambda's event records.
pub async fn records(stream: &str) -> Vec<Value> {
    let description = streams("DescribeStream", json!({"StreamArn": stream})).await;
    let mut out = Vec::new();
    for shard in description["StreamDescription"]["Shards"].as_array().unwrap() {
        let body = json!({"StreamArn": stream, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"});
        let mut iterator = streams("GetShardIterator", body).await["ShardIterator"].clone();
        while let Some(it) = iterator.as_str().map(str::to_owned) {
            let page = streams("GetRecords", json!({"ShardIterator": it})).await;
            let records = page["Records"].as_array().cloned().unwrap_or_default();
            if records.is_empty() {
                break;
            }
            out.extend(records.into_iter().map(|mut r| {
                r["eventSourceARN"] = json!(stream);
                r
            }));
            iterator = page["NextShardIterator"].clone();
        }
    }
    out
}

/// Lambda's events for `records`, `batch` records each.
pub fn batches(records: &[Value], batch: usize) -> Vec<Value> {
    records.chunks(batch).map(|c| json!({"Records": c})).collect()
}
