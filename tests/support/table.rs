//! A DynamoDB Local table per test, created from `template.yaml` as `local setup` creates it (so the code
//! and the deployment cannot drift apart), and a scan for assertions about what is stored.
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

/// Creates a fresh table from the template's definition (keys, indexes, stream, TTL); each test gets its own.
pub async fn new_table(client: &aws_sdk_dynamodb::Client) -> String {
    let spec = local::table::TableSpec::from_template_file(&crate::template::repo("template.yaml")).unwrap();
    let name = crate::unique("invitations");
    // The name is new, so a table by that name is this call's own: `Existed` when the SDK retried a
    // creation whose first answer was slow to come.
    spec.create(client, &name).await.expect("create table in DynamoDB Local");
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
