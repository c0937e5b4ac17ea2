//! `openapi.yaml` held to the code: its operations are the route table's and the template's, each
//! operation's error codes are the ones its handler can answer (`codes.rs`), its bounds are
//! `domain::limits`, and every body it describes has an example.
use super::codes::{codes, Code};
use super::routes::{tests::template_routes, ROUTES};
use crate::domain::limits;
use serde_json::Value;
use std::collections::BTreeSet;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn description() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let yaml: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    serde_json::to_value(yaml).unwrap()
}

/// Follows a local `$ref` (`#/components/...`) until the value is not one.
fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(r) = v.get("$ref").and_then(Value::as_str) {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("only local references: {r}"));
        v = doc.pointer(pointer).unwrap_or_else(|| panic!("{r} points nowhere"));
    }
    v
}

/// (METHOD, path, operation) of every operation described.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push((method.to_ascii_uppercase(), path.clone(), op));
            }
        }
    }
    out
}

/// Every `error.code` enum value a schema allows, through references and `allOf`/`anyOf`/`oneOf`.
fn error_codes(doc: &Value, schema: &Value, out: &mut BTreeSet<String>) {
    let schema = resolve(doc, schema);
    let code = &schema["properties"]["error"]["properties"]["code"];
    for c in code["enum"].as_array().into_iter().flatten() {
        out.insert(c.as_str().unwrap().to_owned());
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for branch in schema[key].as_array().into_iter().flatten() {
            error_codes(doc, branch, out);
        }
    }
}

#[test]
fn every_route_is_described_and_nothing_else() {
    let doc = description();
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.1")), Some(true));
    let mut described: Vec<(String, String)> = operations(&doc).into_iter().map(|(m, p, _)| (m, p)).collect();
    described.sort();
    let mut table: Vec<(String, String)> = ROUTES.iter().map(|d| (d.method.to_owned(), d.path.to_owned())).collect();
    table.sort();
    assert_eq!(described, table, "the description's operations against the route table");
    let mut deployed: Vec<(String, String)> = template_routes().into_iter().map(|(_, m, p)| (m, p)).collect();
    deployed.sort();
    assert_eq!(described, deployed, "the description's operations against template.yaml");
}

#[test]
fn each_operation_describes_exactly_the_error_codes_its_handler_gives() {
    let doc = description();
    for (method, path, op) in operations(&doc) {
        let route = ROUTES.iter().find(|d| d.method == method && d.path == path).unwrap().route;
        let mut described: BTreeSet<Code> = BTreeSet::new();
        for (status, response) in op["responses"].as_object().unwrap() {
            let status: u16 = status.parse().unwrap_or_else(|_| panic!("{method} {path}: status {status}"));
            let response = resolve(&doc, response);
            let Some(schema) = response.pointer("/content/application~1json/schema") else { continue };
            let mut found = BTreeSet::new();
            error_codes(&doc, schema, &mut found);
            for code in found {
                let code: &'static str = Box::leak(code.into_boxed_str());
                described.insert((status, code));
            }
        }
        assert_eq!(described, codes(route), "{method} {path}: described error codes against the handler's");
    }
}

#[test]
fn every_body_has_an_example() {
    let doc = description();
    for (method, path, op) in operations(&doc) {
        let mut bodies = vec![("request".to_owned(), op.get("requestBody"))];
        for (status, r) in op["responses"].as_object().unwrap() {
            bodies.push((status.clone(), Some(r)));
        }
        for (what, body) in bodies {
            let Some(body) = body.map(|b| resolve(&doc, b)) else { continue };
            for (media, content) in body["content"].as_object().into_iter().flatten() {
                let has =
                    content.get("example").is_some() || content["examples"].as_object().is_some_and(|e| !e.is_empty());
                assert!(has, "{method} {path} {what} {media}: no example");
            }
        }
    }
}

fn number(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn the_described_bounds_are_the_codes() {
    let doc = description();
    let schemas = &doc["components"]["schemas"];
    let params = &doc["components"]["parameters"];
    let invite = &doc["paths"]["/accounts/{account_id}/invitations"]["post"];
    let accept = &doc["paths"]["/accounts/{account_id}/invitations/{id}/accept"]["post"];

    assert_eq!(
        number(&schemas["InviteRequest"]["properties"]["invitees"]["x-max-invitees"]),
        limits::MAX_INVITEES as u64
    );
    assert_eq!(number(&schemas["InviteResults"]["properties"]["results"]["maxItems"]), limits::MAX_INVITEES as u64);
    for body in [invite, accept] {
        assert_eq!(number(&body["requestBody"]["x-max-body-bytes"]), limits::MAX_BODY_BYTES as u64);
    }
    let limit = &params["Limit"]["schema"];
    assert_eq!(number(&limit["maximum"]), limits::MAX_PAGE as u64);
    assert_eq!(number(&limit["default"]), limits::DEFAULT_PAGE as u64);
    assert_eq!(number(&limit["minimum"]), 1);
    for path in ["/accounts/{account_id}/invitations", "/accounts/{account_id}/users"] {
        let refs: Vec<&str> = doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["$ref"].as_str())
            .collect();
        assert!(refs.contains(&"#/components/parameters/Limit"), "{path} pages by the shared limit");
    }
    assert_eq!(number(&params["IdempotencyKey"]["schema"]["maxLength"]), limits::MAX_IDEMPOTENCY_KEY as u64);
    assert_eq!(
        number(&schemas["AcceptRequest"]["properties"]["token"]["maxLength"]),
        limits::MAX_PRESENTED_TOKEN as u64
    );
    let users_params = doc["paths"]["/accounts/{account_id}/users"]["get"]["parameters"].as_array().unwrap();
    let prefix = users_params.iter().find(|p| p["name"] == "email_prefix").expect("the Users search");
    assert_eq!(number(&prefix["schema"]["maxLength"]), limits::MAX_EMAIL as u64);
    let user_id = schemas["UserId"]["pattern"].as_str().unwrap();
    assert!(user_id.ends_with(&format!("{{1,{}}}$", limits::MAX_USER_ID)), "{user_id}");
    let account = params["AccountId"]["schema"]["pattern"].as_str().unwrap();
    assert!(account.ends_with(&format!("{{1,{}}}$", limits::MAX_ACCOUNT_ID)), "{account}");
    let text = schemas["InviteRequest"]["properties"]["invitees"]["description"].as_str().unwrap();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains(&format!("1 to {} distinct", limits::MAX_INVITEES)), "{text}");
    assert!(text.contains(&format!("at most {} characters", limits::MAX_EMAIL)), "{text}");
}

/// The cursor's described shape is the one `service::cursor` gives: its prefix (the encoded start of
/// `{"after":"`), and lengths from the shortest to the longest position each list can name.
#[test]
fn the_described_cursors_are_the_ones_the_lists_give() {
    use crate::service::cursor::{encode, scope};
    let doc = description();
    let schemas = &doc["components"]["schemas"];
    let scope = scope(&["acme", "users", ""]);
    let fits = |name: &str, cursors: &[String]| {
        let schema = &schemas[name];
        let pattern = schema["pattern"].as_str().unwrap();
        let prefix = pattern.strip_prefix('^').and_then(|p| p.strip_suffix("[A-Za-z0-9_-]+$")).unwrap();
        let lengths: Vec<usize> = cursors.iter().map(String::len).collect();
        assert_eq!(
            (number(&schema["minLength"]) as usize, number(&schema["maxLength"]) as usize),
            (*lengths.iter().min().unwrap(), *lengths.iter().max().unwrap()),
            "{name}"
        );
        for c in cursors {
            assert!(c.starts_with(prefix) && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        }
    };
    // The invitation list names an invitation id, always 36 characters.
    let ids = [crate::domain::InvitationId::MIN, crate::domain::InvitationId::new(), crate::domain::InvitationId::MAX];
    fits("ListCursor", &ids.map(|id| encode(&id.to_string(), &scope)));
    // The Users list names a row's sort key: `#<user>#MEMBER#<user>` at its shortest, an address of
    // the longest with the longest user id at its longest.
    let longest_address = format!("{}@{}.io", "a".repeat(64), "b".repeat(limits::MAX_EMAIL - 68));
    let keys = [
        "#a#MEMBER#a".to_owned(),
        format!("ann@example.com#INV#{}", crate::domain::InvitationId::new()),
        format!("{longest_address}#MEMBER#{}", "u".repeat(limits::MAX_USER_ID)),
    ];
    for key in &keys {
        assert!(crate::ports::store::is_user_sort_key(key), "{key}");
    }
    fits("UsersCursor", &keys.map(|k| encode(&k, &scope)));
}
