//! The hostile-request corpus (`tests/hostile/cases`, written by `tests/hostile/generate.py`) through
//! the real handlers: each request gets the 4xx JSON answer its file names (or, for bad invitees, a 207
//! whose every result is `invalid`), never a 5xx or a panic, and nothing is stored or sent.
use e2e::{all_items, App};
use local::gateway::event;
use serde_json::{Map, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_request_is_refused_cleanly_and_changes_nothing() {
    let app = App::new().await;

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/hostile/cases");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 300, "the corpus has {} requests", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let name = case["name"].as_str().unwrap().to_owned();
        let claims: Option<Map<String, Value>> = case["claims"].as_object().cloned();
        let body = case["body"].as_str().unwrap_or_default();
        let (method, path, query) =
            (case["method"].as_str().unwrap(), case["path"].as_str().unwrap(), case["query"].as_str().unwrap());
        let (_, mut ev) =
            event(method, path, query, claims.as_ref(), body).unwrap_or_else(|| panic!("{name}: no route"));
        for (k, v) in case["headers"].as_object().unwrap() {
            ev["headers"][k] = v.clone();
        }
        let (deps, notifier) = (app.backend.deps.clone(), app.backend.notifier.clone());
        // Each request in a task of its own, so a panic is caught and reported, not fatal. The event goes
        // the way the Lambda functions take it, conversion included.
        let handled = tokio::spawn(async move { e2e::app::serve(&deps, &notifier, ev).await }).await;
        let resp = match handled {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: panicked: {e}"));
                continue;
            }
        };
        let status = resp["statusCode"].as_u64().unwrap() as u16;
        let answer: Value = match serde_json::from_str(resp["body"].as_str().unwrap_or_default()) {
            Ok(v) => v,
            Err(_) => {
                failures.push(format!("{name}: {status} with a body that is not JSON"));
                continue;
            }
        };
        let ok = match &case["expect"] {
            Value::String(s) if s == "invalid" => {
                status == 207
                    && answer["results"].as_array().is_some_and(|r| r.iter().all(|x| x["outcome"] == "invalid"))
            }
            expected => {
                Some(status as u64) == expected.as_u64()
                    && answer["error"]["code"].as_str().is_some_and(|c| !c.is_empty())
                    && answer["error"]["message"].is_string()
            }
        };
        if !ok {
            failures.push(format!(
                "{name}: expected {}, got {status} {}",
                case["expect"],
                answer.to_string().chars().take(300).collect::<String>()
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} requests misbehaved:\n{}", failures.len(), files.len(), failures.join("\n"));
    assert!(all_items(&app.backend.db, &app.backend.table).await.is_empty(), "no stored item");
    assert!(app.backend.ses.sent().await.is_empty(), "no email");
}
