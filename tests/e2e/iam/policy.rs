//! What `template.yaml` grants a function: every statement of its `Policies`, each action on each
//! resource, with the intrinsic functions resolved to the ARNs the test's calls are written in.
use super::calls::{table_arn, Permission, ACCOUNT, REGION};
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Values for `!Ref`, `!GetAtt` and `${…}` in `!Sub`: the pseudo parameters, the table, and what the
/// test gives for parameters and resources (the sender identity, the configuration set's name).
pub fn values(table: &str, given: &BTreeMap<&str, String>) -> BTreeMap<String, String> {
    let mut v: BTreeMap<String, String> = given.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    v.insert("AWS::Partition".into(), "aws".into());
    v.insert("AWS::Region".into(), REGION.into());
    v.insert("AWS::AccountId".into(), ACCOUNT.into());
    v.insert("InvitationsTable".into(), table.into());
    v.insert("InvitationsTable.Arn".into(), table_arn(table));
    v
}

/// Everything the function's `Policies` grant; none for a function without (SAM's basic execution role,
/// its logs, is all it has).
pub fn granted(template: &Value, function: &str, values: &BTreeMap<String, String>) -> BTreeSet<Permission> {
    let policies = template["Resources"][function]["Properties"]["Policies"].as_sequence().cloned().unwrap_or_default();
    let mut out = BTreeSet::new();
    for policy in &policies {
        let statements = policy["Statement"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{function}: a policy that is not inline statements: {policy:?}"));
        for st in statements {
            assert_eq!(st["Effect"].as_str(), Some("Allow"), "{function}: only Allow statements are read");
            for action in strings(&st["Action"]) {
                for resource in list(&st["Resource"]).iter().map(|r| resolve(r, values)) {
                    out.insert((action.clone(), resource));
                }
            }
        }
    }
    out
}

fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::Sequence(s) => s.clone(),
        other => vec![other.clone()],
    }
}

fn strings(v: &Value) -> Vec<String> {
    list(v).iter().map(|a| a.as_str().expect("a plain action").to_owned()).collect()
}

fn lookup(name: &str, values: &BTreeMap<String, String>) -> String {
    values.get(name).cloned().unwrap_or_else(|| panic!("the test has no value for {name}"))
}

fn resolve(v: &Value, values: &BTreeMap<String, String>) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Tagged(t) if t.tag == "!Ref" || t.tag == "!GetAtt" => lookup(t.value.as_str().unwrap(), values),
        Value::Tagged(t) if t.tag == "!Sub" => {
            let mut text = t.value.as_str().expect("a one-string !Sub").to_owned();
            while let Some(start) = text.find("${") {
                let end = start + text[start..].find('}').unwrap();
                let value = lookup(&text[start + 2..end], values);
                text.replace_range(start..=end, &value);
            }
            text
        }
        // A grant that depends on a condition would hold in some deployments only.
        other => panic!("a resource this test cannot resolve: {other:?}"),
    }
}
