//! The dependency direction, checked: every source file's references to other modules of this crate
//! (`crate::…`) and to the outside world's SDKs are read, and a file that reaches above its layer fails
//! the test. The layers, lowest first, are in lib.rs and docs/DESIGN.md.
use std::path::{Path, PathBuf};

/// Each top-level module with its layer; a module may use its own layer and those below.
const LAYERS: &[(&str, u8)] = &[
    ("logging", 0),
    ("domain", 0),
    ("rules", 1),
    ("events", 1),
    ("ports", 2),
    ("service", 3),
    ("adapters", 4),
    ("config", 4),
    ("http", 5),
    ("schedule", 5),
    ("stream", 5),
    ("sends", 5),
    ("wiring", 6),
];

/// The layers below this one know nothing of AWS or HTTP: no SDK, no Lambda runtime.
const PURE_UP_TO: u8 = 3;
const OUTSIDE: &[&str] = &["aws_sdk_", "aws_config", "aws_smithy", "lambda_http", "lambda_runtime"];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/service/invite.rs` → `service`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_owned())
}

/// Every `crate::<module>` a source text names, and the outside crates of [`OUTSIDE`] it names.
fn references(text: &str) -> (Vec<String>, Vec<&'static str>) {
    let mut modules = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let before = text[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &text[i + "crate::".len()..];
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        modules.push(name);
    }
    let outside = OUTSIDE.iter().copied().filter(|o| text.contains(o)).collect();
    (modules, outside)
}

/// Where each violation is: the file, and the module or crate it should not reach.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let Some(module) = module_of(src, &file) else { continue };
        let Some(own) = layer(&module) else { continue };
        // This test names every layer; test modules (`tests.rs`, `tests/`, compiled only for tests) wire
        // adapters into the services they test.
        let in_tests = file.strip_prefix(src).unwrap().iter().any(|c| c == "tests" || c == "tests.rs");
        if module == "layers" || in_tests {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let (modules, outside) = references(&text);
        for m in modules {
            match layer(&m) {
                Some(l) if l > own => found.push(format!("{} ({module}) uses crate::{m}", file.display())),
                None => found.push(format!("{} ({module}) uses crate::{m}, which has no layer", file.display())),
                Some(_) => {}
            }
        }
        if own <= PURE_UP_TO {
            for o in outside {
                found.push(format!("{} ({module}) uses {o}", file.display()));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn no_layer_reaches_above_itself() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(found.is_empty(), "dependencies against the layering:\n{}", found.join("\n"));
}

#[test]
fn every_top_level_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    for line in lib.lines().filter_map(|l| l.strip_prefix("pub mod ")) {
        let name = line.trim_end_matches(';');
        assert!(layer(name).is_some(), "module {name} has no layer in LAYERS");
    }
}

#[test]
fn the_check_sees_a_violation() {
    // A service naming an adapter, and a rule naming the SDK, as a broken file would.
    let dir = std::env::temp_dir().join(format!("layers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("service")).unwrap();
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(
        dir.join("service/bad.rs"),
        "use crate::adapters::dynamo::DynamoStore;\nfn f() { crate::http::list; }",
    )
    .unwrap();
    std::fs::write(dir.join("rules/bad.rs"), "use aws_sdk_dynamodb::Client;\nuse crate::domain::Status;").unwrap();
    std::fs::write(dir.join("domain.rs"), "// mycrate::http is not ours\nuse crate::ports::Clock;").unwrap();
    let found = violations(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found.iter().any(|f| f.ends_with("uses crate::adapters")));
    assert!(found.iter().any(|f| f.ends_with("uses crate::http")));
    assert!(found.iter().any(|f| f.ends_with("uses aws_sdk_")));
    assert!(found.iter().any(|f| f.contains("(domain) uses crate::ports")));
}
