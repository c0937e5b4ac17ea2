//! What a request the functions made needs from IAM. The SDK operation is read off the wire (DynamoDB's
//! and EventBridge's `X-Amz-Target`, SES v2's REST route, SQS's target) and turned into the actions and resource ARNs IAM authorizes it
//! against: a transaction needs the action of each item on that item's table, a query on an index the
//! index's ARN, a send both the sender identity and the configuration set it names.
use e2e::http1::RawRequest;
use serde_json::Value;
use std::collections::BTreeSet;

/// The account and region the test's ARNs are written in, on both sides of the comparison.
pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";

/// An IAM action on a resource ARN (or `*`).
pub type Permission = (String, String);

pub fn table_arn(table: &str) -> String {
    format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}")
}

fn ses_arn(kind: &str, name: &str) -> String {
    format!("arn:aws:ses:{REGION}:{ACCOUNT}:{kind}/{name}")
}

/// One request: the SDK operations it is (a transaction also names each item's kind, as
/// `TransactWriteItems.Put`) and the permissions it needs.
#[derive(Debug, Default)]
pub struct Needs {
    pub operations: BTreeSet<String>,
    pub permissions: BTreeSet<Permission>,
}

impl Needs {
    fn add(&mut self, action: &str, resource: String) {
        self.permissions.insert((action.to_owned(), resource));
    }
}

pub fn dynamodb(req: &RawRequest) -> Needs {
    let target = header(req, "x-amz-target").unwrap_or_else(|| panic!("a DynamoDB request without a target"));
    let op = target.strip_prefix("DynamoDB_20120810.").unwrap_or_else(|| panic!("unknown target {target}"));
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    let mut needs = Needs { operations: BTreeSet::from([op.to_owned()]), ..Needs::default() };
    match op {
        // IAM has no action for a transaction: each item needs its own kind's action on its table.
        "TransactWriteItems" | "TransactGetItems" => {
            for item in body["TransactItems"].as_array().unwrap() {
                let (kind, inner) = item.as_object().unwrap().iter().next().unwrap();
                let action = match kind.as_str() {
                    "Put" => "dynamodb:PutItem",
                    "Update" => "dynamodb:UpdateItem",
                    "Delete" => "dynamodb:DeleteItem",
                    "ConditionCheck" => "dynamodb:ConditionCheckItem",
                    "Get" => "dynamodb:GetItem",
                    other => panic!("a transaction item of kind {other}: teach calls.rs its action"),
                };
                needs.operations.insert(format!("{op}.{kind}"));
                needs.add(action, table_arn(inner["TableName"].as_str().unwrap()));
            }
        }
        _ => {
            let table = body["TableName"].as_str().unwrap_or_else(|| panic!("{op} names no table: teach calls.rs"));
            let resource = match body["IndexName"].as_str() {
                Some(index) => format!("{}/index/{index}", table_arn(table)),
                None => table_arn(table),
            };
            needs.add(&format!("dynamodb:{op}"), resource);
        }
    }
    needs
}

pub fn sesv2(req: &RawRequest) -> Needs {
    let path = req.path.split('?').next().unwrap();
    let mut needs = Needs::default();
    match (req.method.as_str(), path) {
        ("POST", "/v2/email/outbound-emails") => {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            needs.operations.insert("SendEmail".into());
            needs.add("ses:SendEmail", ses_arn("identity", body["FromEmailAddress"].as_str().unwrap()));
            if let Some(set) = body["ConfigurationSetName"].as_str() {
                needs.add("ses:SendEmail", ses_arn("configuration-set", set));
            }
        }
        // GetAccount has no resource-level permissions.
        ("GET", "/v2/email/account") => {
            needs.operations.insert("GetAccount".into());
            needs.add("ses:GetAccount", "*".into());
        }
        (method, path) => panic!("an SES v2 request {method} {path}: teach calls.rs its operation and action"),
    }
    needs
}

pub fn eventbridge(req: &RawRequest) -> Needs {
    let target = header(req, "x-amz-target").unwrap_or_else(|| panic!("an EventBridge request without a target"));
    let op = target.strip_prefix("AWSEvents.").unwrap_or_else(|| panic!("unknown target {target}"));
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    let mut needs = Needs { operations: BTreeSet::from([op.to_owned()]), ..Needs::default() };
    let arn = |bus: &str| if bus.starts_with("arn:") { bus.to_owned() } else { bus_arn(bus) };
    if op == "DescribeEventBus" {
        needs.add("events:DescribeEventBus", arn(body["Name"].as_str().unwrap_or("default")));
        return needs;
    }
    assert_eq!(op, "PutEvents", "an EventBridge call {op}: teach calls.rs its action");
    // Each entry is authorized on the bus it names (a name, or the bus's ARN).
    for entry in body["Entries"].as_array().unwrap() {
        needs.add("events:PutEvents", arn(entry["EventBusName"].as_str().unwrap_or("default")));
    }
    needs
}

pub fn bus_arn(name: &str) -> String {
    format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}")
}

/// SQS's JSON protocol: the operation in `X-Amz-Target`, the queue by its URL in the body. A batch send
/// is authorized as `sqs:SendMessage`.
pub fn sqs(req: &RawRequest) -> Needs {
    let target = header(req, "x-amz-target").unwrap_or_else(|| panic!("an SQS request without a target"));
    let op = target.strip_prefix("AmazonSQS.").unwrap_or_else(|| panic!("unknown target {target}"));
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    let url = body["QueueUrl"].as_str().unwrap_or_else(|| panic!("{op} names no queue"));
    let queue = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{}", url.rsplit('/').next().unwrap());
    let action = match op {
        "SendMessage" | "SendMessageBatch" => "sqs:SendMessage",
        other => panic!("an SQS request {other}: teach calls.rs its action"),
    };
    let mut needs = Needs { operations: BTreeSet::from([op.to_owned()]), ..Needs::default() };
    needs.add(action, queue);
    needs
}

fn header(req: &RawRequest, name: &str) -> Option<String> {
    req.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}
