//! `openapi.yaml` as the judge of answers: every answer the suites get from the handlers (`app.rs`) and
//! from the local server (`local_server.rs`) is checked against its operation: its status is described,
//! its content type is the one described for that status, its body matches that status's schema and its
//! described headers theirs. So an answer that drifts from the description fails the test that got it.
use jsonschema::Validator;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub struct Description {
    doc: Value,
    /// Compiled schemas by their JSON pointer into the description.
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

/// The repository's `openapi.yaml`, read once.
pub fn description() -> &'static Description {
    static DESCRIPTION: OnceLock<Description> = OnceLock::new();
    DESCRIPTION.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
        let yaml: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        Description { doc: serde_json::to_value(yaml).unwrap(), validators: Mutex::default() }
    })
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// An answer as a client receives it.
pub struct Received<'a> {
    pub method: &'a str,
    /// The request's path, without the query.
    pub path: &'a str,
    pub status: u16,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

impl Description {
    pub fn doc(&self) -> &Value {
        &self.doc
    }

    /// The pointer to the operation `method path` matches, by the description's path templates.
    pub fn operation(&self, method: &str, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.split('/').collect();
        let method = method.to_ascii_lowercase();
        self.doc["paths"].as_object()?.iter().find_map(|(template, item)| {
            let pattern: Vec<&str> = template.split('/').collect();
            let fits = pattern.len() == segments.len()
                && pattern.iter().zip(&segments).all(|(p, s)| {
                    if p.starts_with('{') && p.ends_with('}') {
                        !s.is_empty()
                    } else {
                        p == s
                    }
                });
            (fits && item.get(&method).is_some()).then(|| format!("/paths/{}/{method}", escape(template)))
        })
    }

    /// Follows `$ref`s from `pointer` to the pointer of what it finally names.
    fn resolve(&self, mut pointer: String) -> String {
        while let Some(r) = self.doc.pointer(&pointer).and_then(|v| v["$ref"].as_str()) {
            pointer = r.strip_prefix('#').expect("local references").to_owned();
        }
        pointer
    }

    /// The errors of `instance` against the schema at `pointer`, none when it matches.
    pub fn errors(&self, pointer: &str, instance: &Value) -> Vec<String> {
        let validator = {
            let mut cache = self.validators.lock().unwrap();
            cache
                .entry(pointer.to_owned())
                .or_insert_with(|| {
                    // The whole description as the root, so its `#/components/...` references resolve;
                    // the root's `$ref` names the schema, its other members are not keywords.
                    let mut root = self.doc.clone();
                    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
                    // A URI fragment: the path templates' braces are percent-encoded.
                    root["$ref"] = json!(format!("#{}", pointer.replace('{', "%7B").replace('}', "%7D")));
                    let built = jsonschema::options().should_validate_formats(true).build(&root);
                    Arc::new(built.unwrap_or_else(|e| panic!("the schema at {pointer} does not compile: {e}")))
                })
                .clone()
        };
        validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
    }

    /// Whether the answer is one the description allows; `Ok` for a request no operation describes.
    pub fn check(&self, got: &Received) -> Result<(), String> {
        let Some(op) = self.operation(got.method, got.path) else { return Ok(()) };
        let status = got.status.to_string();
        let response = format!("{op}/responses/{status}");
        if self.doc.pointer(&response).is_none() {
            return Err(format!("status {status} is not described"));
        }
        let response = self.resolve(response);
        let header = |name: &str| got.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let described = self.doc.pointer(&response).unwrap();
        for (name, spec) in described["headers"].as_object().into_iter().flatten() {
            let spec_at = self.resolve(format!("{response}/headers/{}", escape(name)));
            let spec_value = self.doc.pointer(&spec_at).unwrap_or(spec);
            match header(&name.to_ascii_lowercase()) {
                Some(value) => {
                    let errors = self.errors(&format!("{spec_at}/schema"), &json!(value));
                    if !errors.is_empty() {
                        return Err(format!("header {name}: {}", errors.join("; ")));
                    }
                }
                None if spec_value["required"] == json!(true) => return Err(format!("header {name} is missing")),
                None => {}
            }
        }
        let Some(content) = described["content"].as_object() else {
            return if got.body.is_empty() { Ok(()) } else { Err("a body where none is described".into()) };
        };
        let media = header("content-type").map(|c| c.split(';').next().unwrap_or_default().trim().to_owned());
        let media = media.ok_or("no content type")?;
        if !content.contains_key(&media) {
            return Err(format!("content type {media} is not described (only {:?})", content.keys()));
        }
        let body: Value =
            serde_json::from_slice(got.body).map_err(|e| format!("the body is not JSON ({e}): {:?}", got.body))?;
        let errors = self.errors(&format!("{response}/content/{}/schema", escape(&media)), &body);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

/// Fails the test when the answer breaks the description.
pub fn assert_described(got: &Received) {
    if let Err(e) = description().check(got) {
        let body = String::from_utf8_lossy(got.body);
        panic!("{} {} answered {} against openapi.yaml: {e}\nbody: {body}", got.method, got.path, got.status);
    }
}

/// Fails the test when a function's answer to API Gateway (payload 2.0) breaks the description.
pub fn assert_event_answer(method: &str, path: &str, answer: &Value) {
    let headers = answer["headers"].as_object().into_iter().flatten();
    let headers = headers.map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or_default().to_owned())).collect();
    let status = answer["statusCode"].as_u64().unwrap_or_default() as u16;
    let body = answer["body"].as_str().unwrap_or_default().as_bytes();
    assert_described(&Received { method, path, status, headers, body });
}

/// The headers of a `lambda_http` answer, lower-case names.
pub fn header_pairs(headers: &lambda_http::http::HeaderMap) -> Vec<(String, String)> {
    headers.iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned())).collect()
}
