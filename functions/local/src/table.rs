//! The invitations table exactly as `template.yaml` declares it (keys, every index, the stream when it
//! has one, TTL), read from the template so a local table and the deployed one cannot drift apart.
//! `local setup` creates it in DynamoDB Local; the end-to-end tests create one per test with it.
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use serde_yaml::Value;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The properties of the template's one `AWS::DynamoDB::Table`.
#[derive(Debug, Clone)]
pub struct TableSpec(Value);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    Created,
    /// A table of that name was there already; it is left as it is.
    Existed,
}

impl TableSpec {
    pub fn from_template(template: &str) -> Result<Self, Error> {
        let yaml: Value = serde_yaml::from_str(template)?;
        let resources = yaml.get("Resources").and_then(Value::as_mapping).ok_or("the template has no Resources")?;
        let mut tables = resources.values().filter(|r| r["Type"].as_str() == Some("AWS::DynamoDB::Table"));
        let table = tables.next().ok_or("the template declares no AWS::DynamoDB::Table")?;
        if tables.next().is_some() {
            return Err("the template declares more than one table".into());
        }
        let props = table.get("Properties").ok_or("the table has no Properties")?;
        if props["BillingMode"].as_str() != Some("PAY_PER_REQUEST") {
            return Err("only an on-demand (PAY_PER_REQUEST) table is supported".into());
        }
        Ok(Self(props.clone()))
    }

    pub fn from_template_file(path: &std::path::Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_template(&text)
    }

    fn attributes(&self) -> Result<Vec<AttributeDefinition>, Error> {
        seq(&self.0["AttributeDefinitions"])
            .map(|a| {
                Ok(AttributeDefinition::builder()
                    .attribute_name(text(&a["AttributeName"])?)
                    .attribute_type(ScalarAttributeType::from(text(&a["AttributeType"])?))
                    .build()?)
            })
            .collect()
    }

    fn indexes(&self) -> Result<Vec<GlobalSecondaryIndex>, Error> {
        seq(&self.0["GlobalSecondaryIndexes"])
            .map(|g| {
                let projection = &g["Projection"];
                Ok(GlobalSecondaryIndex::builder()
                    .index_name(text(&g["IndexName"])?)
                    .set_key_schema(Some(key_schema(&g["KeySchema"])?))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::from(text(&projection["ProjectionType"])?))
                            .set_non_key_attributes(
                                projection["NonKeyAttributes"]
                                    .as_sequence()
                                    .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
                            )
                            .build(),
                    )
                    .build()?)
            })
            .collect()
    }

    fn stream(&self) -> Result<Option<StreamSpecification>, Error> {
        let Some(view) = self.0["StreamSpecification"].get("StreamViewType") else { return Ok(None) };
        let view = StreamViewType::from(text(view)?);
        Ok(Some(StreamSpecification::builder().stream_enabled(true).stream_view_type(view).build()?))
    }

    /// The TTL attribute, when the template turns TTL on.
    pub fn ttl_attribute(&self) -> Option<&str> {
        let ttl = &self.0["TimeToLiveSpecification"];
        (ttl["Enabled"].as_bool() == Some(true)).then(|| ttl["AttributeName"].as_str()).flatten()
    }

    pub fn index_names(&self) -> Vec<&str> {
        seq(&self.0["GlobalSecondaryIndexes"]).filter_map(|g| g["IndexName"].as_str()).collect()
    }

    /// Creates the table `name` as declared, with its TTL, or leaves an existing one alone.
    pub async fn create(&self, client: &Client, name: &str) -> Result<Created, Error> {
        let indexes = self.indexes()?;
        let created = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(self.attributes()?))
            .set_key_schema(Some(key_schema(&self.0["KeySchema"])?))
            .set_global_secondary_indexes(Some(indexes).filter(|g| !g.is_empty()))
            .set_stream_specification(self.stream()?)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(SdkError::ServiceError(e)) if e.err().is_resource_in_use_exception() => return Ok(Created::Existed),
            Err(e) => return Err(Box::new(e)),
        }
        if let Some(attribute) = self.ttl_attribute() {
            let spec = TimeToLiveSpecification::builder().attribute_name(attribute).enabled(true).build()?;
            client.update_time_to_live().table_name(name).time_to_live_specification(spec).send().await?;
        }
        Ok(Created::Created)
    }
}

fn seq(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_sequence().into_iter().flatten()
}

fn text(v: &Value) -> Result<&str, Error> {
    v.as_str().ok_or_else(|| format!("expected a string in the table's definition, found {v:?}").into())
}

fn key_schema(v: &Value) -> Result<Vec<KeySchemaElement>, Error> {
    seq(v)
        .map(|k| {
            Ok(KeySchemaElement::builder()
                .attribute_name(text(&k["AttributeName"])?)
                .key_type(KeyType::from(text(&k["KeyType"])?))
                .build()?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = include_str!("../../../template.yaml");

    #[test]
    fn reads_the_templates_keys_indexes_and_ttl() {
        let spec = TableSpec::from_template(TEMPLATE).unwrap();
        let keys: Vec<_> =
            key_schema(&spec.0["KeySchema"]).unwrap().iter().map(|k| k.attribute_name().to_owned()).collect();
        assert_eq!(keys, ["pk", "sk"]);
        assert_eq!(spec.index_names(), ["by_email", "due", "users"]);
        assert_eq!(spec.ttl_attribute(), Some("ttl"));
    }

    #[test]
    fn a_declared_stream_is_created_with_its_view() {
        let table = |extra: &str| {
            format!(
                "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: PAY_PER_REQUEST\n{extra}"
            )
        };
        let spec = TableSpec::from_template(&table(
            "      StreamSpecification:\n        StreamViewType: NEW_AND_OLD_IMAGES\n",
        ));
        let stream = spec.unwrap().stream().unwrap().expect("a stream");
        assert_eq!(
            (stream.stream_enabled(), stream.stream_view_type()),
            (true, Some(&StreamViewType::NewAndOldImages))
        );
        assert!(TableSpec::from_template(&table("")).unwrap().stream().unwrap().is_none());
    }

    #[test]
    fn a_template_without_a_table_is_refused() {
        assert!(TableSpec::from_template("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n").is_err());
    }
}
