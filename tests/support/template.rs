//! `template.yaml` as the tests read it: the environment it gives each function, and its resources.
use std::collections::BTreeMap;

pub fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

pub fn template() -> serde_yaml::Value {
    serde_yaml::from_str(&std::fs::read_to_string(repo("template.yaml")).unwrap()).unwrap()
}

/// The variables the template sets for `function`, with `!Ref`s resolved: the table to the test's
/// table, parameters and resources to the test's values in `params`, else parameters to their defaults.
pub fn template_env(function: &str, table: &str, params: &BTreeMap<&str, String>) -> Vec<(String, String)> {
    let yaml = template();
    let resolve = |v: &serde_yaml::Value| -> String {
        match v {
            serde_yaml::Value::Tagged(t) if t.tag == "!Ref" => {
                let name = t.value.as_str().unwrap();
                if name == "InvitationsTable" {
                    return table.to_owned();
                }
                if let Some(v) = params.get(name) {
                    return v.clone();
                }
                // A queue the test did not make: moto's URL for it, which nothing created, so a hand-on
                // fails and leaves its invitations to the sweep.
                if yaml["Resources"][name]["Type"].as_str() == Some("AWS::SQS::Queue") {
                    return format!("{}/123456789012/{name}", crate::endpoint("AWS_ENDPOINT_URL_SQS"));
                }
                let default = &yaml["Parameters"][name]["Default"];
                match default {
                    serde_yaml::Value::String(s) => s.clone(),
                    serde_yaml::Value::Number(n) => n.to_string(),
                    _ => panic!("{name} is no parameter with a default, and the test gives no value"),
                }
            }
            serde_yaml::Value::String(s) => s.clone(),
            other => panic!("unexpected variable value {other:?}"),
        }
    };
    let mut env = Vec::new();
    for vars in [
        &yaml["Globals"]["Function"]["Environment"]["Variables"],
        &yaml["Resources"][function]["Properties"]["Environment"]["Variables"],
    ] {
        for (k, v) in vars.as_mapping().into_iter().flatten() {
            env.push((k.as_str().unwrap().to_owned(), resolve(v)));
        }
    }
    assert!(env.iter().any(|(k, _)| k == "TABLE_NAME"), "{function} gets TABLE_NAME from the template");
    env.extend(crate::aws_env().into_iter().map(|(k, v)| (k.to_owned(), v)));
    env
}

/// The logical id of the function whose build makes `binary`.
pub fn function_of(binary: &str) -> String {
    let yaml = template();
    let resources = yaml["Resources"].as_mapping().unwrap();
    let found = resources.iter().find(|(_, r)| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(binary));
    found.unwrap_or_else(|| panic!("no function builds {binary}")).0.as_str().unwrap().to_owned()
}

/// The invocation timeout the template gives the function that `binary` is built for (its own, else the
/// global one): what Lambda puts in each invocation's deadline.
pub fn timeout_of(binary: &str) -> std::time::Duration {
    let yaml = template();
    let own = &yaml["Resources"][function_of(binary).as_str()]["Properties"]["Timeout"];
    let secs = own.as_u64().or_else(|| yaml["Globals"]["Function"]["Timeout"].as_u64());
    std::time::Duration::from_secs(secs.unwrap_or_else(|| panic!("no Timeout for {binary}")))
}
