//! The table `local setup` (and so `./scripts/aws-local up`) creates in DynamoDB Local is the one the
//! template declares: its keys, every index with its keys, TTL, and a stream once the template has one.
use e2e::template::repo;
use e2e::{sdk, unique};
use local::table::{Created, TableSpec};
use std::collections::BTreeMap;

fn keys(schema: &[aws_sdk_dynamodb::types::KeySchemaElement]) -> Vec<String> {
    schema.iter().map(|k| format!("{}:{}", k.attribute_name(), k.key_type().as_str())).collect()
}

#[tokio::test]
async fn the_table_is_created_as_the_template_declares_it() {
    let db = aws_sdk_dynamodb::Client::new(&sdk().await);
    let template = std::fs::read_to_string(repo("template.yaml")).unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(&template).unwrap();
    let declared =
        yaml["Resources"].as_mapping().unwrap().values().find(|r| r["Type"] == "AWS::DynamoDB::Table").unwrap()
            ["Properties"]
            .clone();
    let key_list = |v: &serde_yaml::Value| -> Vec<String> {
        let keys = v.as_sequence().unwrap().iter();
        keys.map(|k| format!("{}:{}", k["AttributeName"].as_str().unwrap(), k["KeyType"].as_str().unwrap())).collect()
    };
    // With a stream whether or not the template has one yet, so that part is tried too.
    let with_stream = if declared["StreamSpecification"].is_null() {
        template.replacen(
            "      TimeToLiveSpecification:",
            "      StreamSpecification:\n        StreamViewType: NEW_AND_OLD_IMAGES\n      TimeToLiveSpecification:",
            1,
        )
    } else {
        template.clone()
    };

    for (text, stream) in [
        (&template, declared["StreamSpecification"]["StreamViewType"].as_str()),
        (&with_stream, Some("NEW_AND_OLD_IMAGES")),
    ] {
        let name = unique("declared");
        let spec = TableSpec::from_template(text).unwrap();
        assert_eq!(spec.create(&db, &name).await.unwrap(), Created::Created);
        assert_eq!(spec.create(&db, &name).await.unwrap(), Created::Existed, "a second run leaves it alone");

        let table = db.describe_table().table_name(&name).send().await.unwrap().table.unwrap();
        assert_eq!(keys(table.key_schema()), key_list(&declared["KeySchema"]));
        let indexes: BTreeMap<String, Vec<String>> = table
            .global_secondary_indexes()
            .iter()
            .map(|g| (g.index_name().unwrap().to_owned(), keys(g.key_schema())))
            .collect();
        let want: BTreeMap<String, Vec<String>> = declared["GlobalSecondaryIndexes"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|g| (g["IndexName"].as_str().unwrap().to_owned(), key_list(&g["KeySchema"])))
            .collect();
        assert_eq!(indexes, want);
        let view = table.stream_specification().and_then(|s| s.stream_view_type()).map(|v| v.as_str().to_owned());
        assert_eq!(view.as_deref(), stream);
        assert_eq!(table.latest_stream_arn().is_some(), stream.is_some());

        let ttl = db.describe_time_to_live().table_name(&name).send().await.unwrap();
        let ttl = ttl.time_to_live_description().unwrap();
        assert_eq!(ttl.attribute_name(), declared["TimeToLiveSpecification"]["AttributeName"].as_str());
        assert_eq!(ttl.time_to_live_status().map(|s| s.as_str()), Some("ENABLED"));
    }
}
