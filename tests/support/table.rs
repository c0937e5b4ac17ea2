//! A DynamoDB Local table per test, created from `template.yaml` so the code and the deployment cannot
//! drift apart, and a scan for assertions about what is stored.
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use serde_json::Value;
use std::collections::HashMap;

/// The table resource of `template.yaml`.
fn template_table() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let yaml: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(path).expect("template.yaml")).unwrap();
    let resources = yaml.get("Resources").expect("Resources").as_mapping().unwrap();
    let table = resources
        .values()
        .find(|r| r.get("Type").and_then(|t| t.as_str()) == Some("AWS::DynamoDB::Table"))
        .expect("a table in template.yaml");
    // Intrinsic functions (tags) are not needed for the keys and indexes; drop them.
    let props = table.get("Properties").unwrap().clone();
    serde_json::to_value(strip_tags(props)).unwrap()
}

fn strip_tags(v: serde_yaml::Value) -> serde_yaml::Value {
    use serde_yaml::Value as Y;
    match v {
        Y::Tagged(_) => Y::Null,
        Y::Mapping(m) => Y::Mapping(m.into_iter().map(|(k, v)| (k, strip_tags(v))).collect()),
        Y::Sequence(s) => Y::Sequence(s.into_iter().map(strip_tags).collect()),
        other => other,
    }
}

fn key_schema(v: &Value) -> Vec<KeySchemaElement> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(k["AttributeName"].as_str().unwrap())
                .key_type(KeyType::from(k["KeyType"].as_str().unwrap()))
                .build()
                .unwrap()
        })
        .collect()
}

/// Creates a fresh table from the template's definition; each test gets its own.
pub async fn new_table(client: &aws_sdk_dynamodb::Client) -> String {
    let props = template_table();
    let name = crate::unique("invitations");
    let attrs = props["AttributeDefinitions"].as_array().unwrap().iter().map(|a| {
        AttributeDefinition::builder()
            .attribute_name(a["AttributeName"].as_str().unwrap())
            .attribute_type(ScalarAttributeType::from(a["AttributeType"].as_str().unwrap()))
            .build()
            .unwrap()
    });
    let gsis = props["GlobalSecondaryIndexes"].as_array().into_iter().flatten().map(|g| {
        GlobalSecondaryIndex::builder()
            .index_name(g["IndexName"].as_str().unwrap())
            .set_key_schema(Some(key_schema(&g["KeySchema"])))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::from(g["Projection"]["ProjectionType"].as_str().unwrap()))
                    .build(),
            )
            .build()
            .unwrap()
    });
    assert_eq!(props["BillingMode"], "PAY_PER_REQUEST");
    // The stream the `events` function reads, as the template turns it on.
    let stream = props["StreamSpecification"]["StreamViewType"].as_str().map(|view| {
        StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(StreamViewType::from(view))
            .build()
            .unwrap()
    });
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(attrs.collect()))
        .set_key_schema(Some(key_schema(&props["KeySchema"])))
        .set_global_secondary_indexes(Some(gsis.collect::<Vec<_>>()).filter(|g| !g.is_empty()))
        .set_stream_specification(stream)
        .send()
        .await
        .expect("create table in DynamoDB Local");
    name
}

/// Every item of a table, for assertions about what is stored (tests may scan; the service never does).
pub async fn all_items(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<HashMap<String, AttributeValue>> {
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = client.scan().table_name(table).set_exclusive_start_key(start).send().await.unwrap();
        out.extend(page.items().iter().cloned());
        start = page.last_evaluated_key;
        if start.is_none() {
            return out;
        }
    }
}
