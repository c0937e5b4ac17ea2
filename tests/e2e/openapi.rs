//! `openapi.yaml` against the running code: its examples match its own schemas, the local server serves
//! it, and the check every suite's answers pass (`support/described.rs`) refuses an answer that drifts
//! from it. The route, error-code and bound comparisons are in the core's fast tier
//! (`shared/src/http/description.rs`).
use e2e::described::{description, header_pairs, Received};
use e2e::local_server::{temp_dir, LocalServer};
use e2e::{access_infra, App};
use serde_json::{json, Value};

fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// The drifts a client would notice, each made to an answer the handlers really gave.
#[tokio::test]
async fn an_answer_that_drifts_from_the_description_fails_the_check() {
    let app = App::new().await;
    let resp = app
        .respond(app.event(
            "POST",
            "",
            &[],
            Some(&json!({"invitees": "ann@example.com", "access": access_infra()}).to_string()),
        ))
        .await;
    let path = app.path("");
    let (status, headers) = (resp.status().as_u16(), header_pairs(resp.headers()));
    let body: Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
    let check = |status: u16, headers: &[(String, String)], body: &Value| {
        let bytes = body.to_string().into_bytes();
        description().check(&Received { method: "POST", path: &path, status, headers: headers.to_vec(), body: &bytes })
    };
    assert_eq!(check(status, &headers, &body), Ok(()), "the answer as given");

    let err = check(200, &headers, &body).unwrap_err();
    assert!(err.contains("status 200 is not described"), "{err}");
    let mut leaked = body.clone();
    leaked["results"][0]["invitation"]["token"] = json!("secret");
    assert!(check(status, &headers, &leaked).unwrap_err().contains("token"), "a field the description lacks");
    let mut typed = body.clone();
    typed["results"][0]["invitation"]["send_count"] = json!("1");
    assert!(check(status, &headers, &typed).is_err(), "a count as a string");
    let mut renamed = body.clone();
    renamed["results"][0]["outcome"] = json!("sent");
    assert!(check(status, &headers, &renamed).is_err(), "an outcome the description does not list");
    let mut dated = body.clone();
    dated["results"][0]["invitation"]["expires_at"] = json!("next month");
    assert!(check(status, &headers, &dated).is_err(), "a time that is not RFC 3339");
    let text = [("content-type".to_owned(), "text/plain".to_owned())];
    assert!(check(status, &text, &body).unwrap_err().contains("content type text/plain"));

    let error = json!({"error": {"code": "conflict", "message": "x"}});
    let err = check(409, &headers, &error).unwrap_err();
    assert!(err.contains("conflict"), "an error code the operation does not list: {err}");
    let resend = format!("{}/{}/resend", app.path(""), body["results"][0]["invitation"]["id"].as_str().unwrap());
    let too_soon = json!({"error": {"code": "resend_too_soon", "message": "x"}}).to_string().into_bytes();
    let retry = |value: &str| {
        let headers = vec![("content-type".into(), "application/json".into()), ("retry-after".into(), value.into())];
        description().check(&Received { method: "POST", path: &resend, status: 429, headers, body: &too_soon })
    };
    assert_eq!(retry("60"), Ok(()));
    assert!(retry("soon").unwrap_err().contains("Retry-After"), "Retry-After in seconds");
}

fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(r) = v["$ref"].as_str() {
        v = doc.pointer(&r[1..]).unwrap();
    }
    v
}

/// Each example of a body, with the pointer to the schema it shows.
fn examples(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap().iter().filter(|(k, _)| *k != "parameters") {
            let at = format!("/paths/{}/{method}", escape(path));
            let mut bodies = vec![(format!("{at}/requestBody"), &op["requestBody"])];
            for (status, _) in op["responses"].as_object().unwrap() {
                bodies.push((format!("{at}/responses/{status}"), &op["responses"][status]));
            }
            for (mut pointer, body) in bodies {
                let mut body = body;
                while let Some(r) = body["$ref"].as_str() {
                    pointer = r[1..].to_owned();
                    body = doc.pointer(&pointer).unwrap();
                }
                for (media, content) in body["content"].as_object().into_iter().flatten() {
                    let schema = format!("{pointer}/content/{}/schema", escape(media));
                    let mut shown: Vec<Value> = content.get("example").cloned().into_iter().collect();
                    for e in content["examples"].as_object().into_iter().flatten().map(|(_, e)| e) {
                        shown.push(resolve(doc, e)["value"].clone());
                    }
                    out.extend(shown.into_iter().map(|v| (format!("{method} {path}"), schema.clone(), v)));
                }
            }
        }
    }
    out
}

#[test]
fn every_example_matches_its_schema() {
    let d = description();
    let all = examples(d.doc());
    assert!(all.len() >= 40, "{} examples", all.len());
    for (operation, schema, example) in all {
        let errors = d.errors(&schema, &example);
        assert!(errors.is_empty(), "{operation}: the example at {schema} does not match: {errors:?}\n{example}");
    }
}

#[tokio::test]
async fn the_local_server_serves_the_description() {
    let server = LocalServer::start(temp_dir("openapi"), &[], &[]).await;
    let resp = reqwest::get(server.url("/openapi.yaml")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/yaml");
    let served = resp.text().await.unwrap();
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap();
    assert_eq!(served, file, "the repository's openapi.yaml, as it is");
    let _ = std::fs::remove_dir_all(&server.dir);
    server.stop().await;
}

/// A body that is not UTF-8 reaches a function base64-encoded in AWS, and the function refuses it as
/// malformed JSON; the local server answered its own `{"message": "Bad Request"}` instead, an answer
/// the description does not have for a 400 (the checking proxy fails the test at its end).
#[tokio::test]
async fn the_local_server_refuses_a_body_that_is_not_utf8_as_the_function_does() {
    let server = LocalServer::start(temp_dir("openapi-bytes"), &[], &[]).await;
    let resp = reqwest::Client::new()
        .post(server.url("/accounts/acme/invitations"))
        .bearer_auth(&server.token)
        .body(vec![b'{', 0xff, 0xfe, b'}'])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(server.violations().is_empty(), "{:?}", server.violations());
    assert_eq!(body["error"]["code"], "invalid_request", "{body}");
    let _ = std::fs::remove_dir_all(&server.dir);
    server.stop().await;
}
