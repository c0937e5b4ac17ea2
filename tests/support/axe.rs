//! axe-core, the accessibility checker, run inside the page under test: `./scripts/test` installs it
//! from npm into `.cache/axe-core/`, and the test injects its one file over WebDriver, so the page as
//! served never carries it (and its Content-Security-Policy does not apply to what WebDriver runs).
use fantoccini::Client;
use serde_json::Value;

fn source() -> String {
    let path = crate::template::repo(".cache/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{}: {e}; run the tests through ./scripts/test, which installs axe-core", path.display())
    })
}

/// The serious and critical violations axe finds in the page as it stands, one line each: the rule, its
/// impact, and the markup of the first few elements it found.
pub async fn serious_violations(c: &Client) -> Vec<String> {
    c.execute(&source(), vec![]).await.expect("axe-core loads in the page");
    let run = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ["violations"] })
            .then((r) => done(r.violations))
            .catch((e) => done({ error: String(e) }));
    "#;
    let violations = c.execute_async(run, vec![]).await.expect("axe-core runs");
    let Value::Array(violations) = violations else { panic!("axe-core failed: {violations}") };
    violations
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v| {
            let nodes: Vec<&str> =
                v["nodes"].as_array().into_iter().flatten().take(3).filter_map(|n| n["html"].as_str()).collect();
            format!(
                "{} ({}): {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                nodes.join(" | ")
            )
        })
        .collect()
}
