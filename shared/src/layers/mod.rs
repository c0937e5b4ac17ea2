//! The dependency direction, checked: every source file's paths into this crate (`crate::`, `super::`,
//! `self::`, in braces too) and the outside crates it names are read, and a file that reaches above its
//! unit's rank or beside it fails; so do two files of one module that import each other, a declared
//! module without a rank, and an outside crate named below the rank it belongs to. The ranks, lowest
//! first, are in lib.rs and docs/DESIGN.md.
mod scan;

use scan::{reexports, sources, Source};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each unit of the core with its rank. A unit may use units of a lower rank only: not one above it,
/// and not one beside it, so the four entries never lean on one another.
const LAYERS: &[(&str, u8)] = &[
    ("domain", 0),
    ("rules", 1),
    ("events", 1),
    ("logging", 1),
    ("ports", 2),
    ("service", 3),
    ("adapters", 4),
    ("entry::invocation", 5),
    ("entry::http", 6),
    ("entry::sweep", 6),
    ("entry::sender", 6),
    ("entry::stream", 6),
    ("entry::delivery", 6),
    ("startup::config", 7),
    ("startup::wiring", 8),
];

/// Every outside crate the core depends on, with the lowest rank that may name it: the use cases and
/// below know nothing of AWS, Lambda, HTTP or the log's format. A new dependency fails the check until it
/// is placed here.
const OUTSIDE: &[(&str, u8)] = &[
    ("serde", 0),
    ("serde_json", 0),
    ("thiserror", 0),
    ("time", 0),
    ("uuid", 0),
    ("base64", 0),
    ("sha2", 0),
    ("hex", 0),
    ("rand", 0),
    ("url", 0),
    ("humantime", 0),
    ("html_escape", 0),
    ("tracing", 0),
    ("tracing_subscriber", 1),
    ("async_trait", 2),
    ("futures", 3),
    ("tokio", 3),
    ("mail_builder", 4),
    ("miniz_oxide", 4),
    ("aws_config", 4),
    ("aws_sdk_dynamodb", 4),
    ("aws_sdk_sesv2", 4),
    ("aws_sdk_eventbridge", 4),
    ("aws_sdk_sqs", 4),
    ("aws_smithy_types", 4),
    ("aws_smithy_http_client", 4),
    ("aws_smithy_runtime_api", 4),
    ("serde_dynamo", 4),
    ("aws_lambda_events", 5),
    ("lambda_http", 5),
    ("lambda_runtime_api_client", 8),
];

fn rank_of(unit: &str) -> Option<u8> {
    LAYERS.iter().find(|(u, _)| *u == unit).map(|(_, r)| *r)
}

/// The unit a module path belongs to: the longest unit that begins it.
fn unit_of(path: &[String]) -> Option<&'static str> {
    LAYERS
        .iter()
        .map(|(u, _)| *u)
        .filter(|u| {
            let parts: Vec<&str> = u.split("::").collect();
            path.len() >= parts.len() && parts.iter().zip(path).all(|(a, b)| a == b)
        })
        .max_by_key(|u| u.len())
}

/// Files the check reads: all but the test-only ones (`tests.rs`, `tests/`, and this check).
fn checked(src: &Path) -> Vec<Source> {
    sources(src)
        .into_iter()
        .filter(|s| !s.module.iter().any(|m| m == "tests" || m == "layers" || m == "template"))
        .collect()
}

/// A file naming a unit above or beside its own, or a path with no unit.
fn violations(src: &Path) -> Vec<String> {
    let mut found = BTreeSet::new();
    for source in checked(src) {
        let Some(own) = unit_of(&source.module) else { continue };
        let rank = rank_of(own).unwrap();
        for path in source.references() {
            match unit_of(&path) {
                Some(unit) if unit == own => {}
                Some(unit) if rank_of(unit).unwrap() > rank => {
                    found.insert(format!("{} ({own}) uses {unit}, above it", source.file.display()));
                }
                Some(unit) if rank_of(unit).unwrap() == rank => {
                    found.insert(format!("{} ({own}) uses {unit}, beside it", source.file.display()));
                }
                Some(_) => {}
                // `crate::entry` alone, as in `crate::entry::{http, sweep}`, is read through its items.
                None if path.is_empty()
                    || LAYERS.iter().any(|(u, _)| u.starts_with(&format!("{}::", path.join("::")))) => {}
                None => {
                    found.insert(format!(
                        "{} ({own}) uses {}, which has no rank",
                        source.file.display(),
                        path.join("::")
                    ));
                }
            }
        }
        for (name, lowest) in OUTSIDE {
            if rank < *lowest && source.names_crate(name) {
                found.insert(format!("{} ({own}) uses {name}, allowed from rank {lowest}", source.file.display()));
            }
        }
    }
    found.into_iter().collect()
}

/// Files of one module that import each other, directly or round a longer loop.
fn cycles(src: &Path) -> Vec<String> {
    let all = sources(src);
    let mut found = Vec::new();
    let modules: BTreeSet<Vec<String>> = all.iter().map(|s| s.parent().to_vec()).collect();
    for module in modules {
        let files: Vec<&Source> =
            all.iter().filter(|s| s.stem().is_some() && s.parent() == module.as_slice()).collect();
        let names: BTreeSet<&str> = files.iter().filter_map(|s| s.stem()).collect();
        let exported = all.iter().find(|s| s.stem().is_none() && s.module == module).map(reexports).unwrap_or_default();
        let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for file in &files {
            let me = file.stem().unwrap();
            for path in file.references() {
                let Some(rest) = path.strip_prefix(module.as_slice()) else { continue };
                let Some(first) = rest.first() else { continue };
                let sibling =
                    if names.contains(first.as_str()) { Some(first.clone()) } else { exported.get(first).cloned() };
                if let Some(sibling) = sibling.filter(|s| s != me && names.contains(s.as_str())) {
                    edges.entry(me).or_default().insert(sibling);
                }
            }
        }
        for a in &names {
            for b in names.iter().filter(|b| a < *b) {
                if reaches(&edges, a, b) && reaches(&edges, b, a) {
                    found.push(format!("{}: {a}.rs and {b}.rs import each other", module.join("::")));
                }
            }
        }
    }
    found
}

fn reaches(edges: &BTreeMap<&str, BTreeSet<String>>, from: &str, to: &str) -> bool {
    let (mut seen, mut todo) = (BTreeSet::new(), vec![from.to_owned()]);
    while let Some(at) = todo.pop() {
        for next in edges.get(at.as_str()).into_iter().flatten() {
            if next == to {
                return true;
            }
            if seen.insert(next.clone()) {
                todo.push(next.clone());
            }
        }
    }
    false
}

/// Modules declared where units are laid out (the crate root, `entry`, `startup`) that have no rank,
/// and ranks naming no module.
fn unranked(src: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut declared = BTreeSet::new();
    let own = |s: &Source| !s.module.first().is_some_and(|m| m == "layers" || m == "template");
    for source in sources(src).iter().filter(|s| unit_of(&s.module).is_none() && own(s)) {
        for name in source.declared() {
            let path = [source.module.clone(), vec![name]].concat().join("::");
            let holds_units = LAYERS.iter().any(|(u, _)| u.starts_with(&format!("{path}::")));
            if rank_of(&path).is_none() && !holds_units && !["layers", "template"].contains(&path.as_str()) {
                found.push(format!("{} declares {path}, which has no rank", source.file.display()));
            }
            declared.insert(path);
        }
    }
    found.extend(
        LAYERS.iter().filter(|(u, _)| !declared.contains(*u)).map(|(u, _)| format!("{u} is ranked but not declared")),
    );
    found
}

fn src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_unit_reaches_above_or_beside_itself() {
    let found = violations(&src());
    assert!(found.is_empty(), "dependencies against the layering:\n{}", found.join("\n"));
}

#[test]
fn no_two_files_of_a_module_import_each_other() {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/src");
    let found: Vec<String> = cycles(&src()).into_iter().chain(cycles(&cli)).collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn every_declared_module_has_a_rank() {
    let found = unranked(&src());
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn every_dependency_has_a_rank() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let section = manifest.split("[dependencies]").nth(1).unwrap().split("\n[").next().unwrap();
    for line in section.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let name = line.split(['.', ' ', '=']).next().unwrap().replace('-', "_");
        assert!(OUTSIDE.iter().any(|(o, _)| *o == name), "{name} has no rank in OUTSIDE");
    }
}

#[test]
fn the_check_sees_each_kind_of_violation() {
    let dir = std::env::temp_dir().join(format!("layers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "pub mod domain;\nmod stray;\n#[cfg(test)]\nmod layers;\n");
    write("service/bad.rs", "use crate::adapters::dynamo::DynamoStore;\nfn f() { crate::entry::http::list; }");
    write("rules/bad.rs", "use aws_sdk_dynamodb::Client;\nuse crate::domain::Status;");
    write("domain/mod.rs", "// mycrate::entry is not ours\nuse crate::ports::Clock;");
    write("entry/sender.rs", "use super::{invocation, sweep::run};");
    write("entry/stream.rs", "use super::super::service::Deps;\nuse crate::startup::wiring;");
    write("service/a.rs", "use super::b::B;");
    write("service/b.rs", "use super::A;");
    write("service/mod.rs", "mod a;\nmod b;\npub use a::A;");
    let (found, loops, stray) = (violations(&dir), cycles(&dir), unranked(&dir));
    let _ = std::fs::remove_dir_all(&dir);
    let has = |list: &[String], end: &str| assert!(list.iter().any(|f| f.ends_with(end)), "{end}: {list:#?}");
    has(&found, "(service) uses adapters, above it");
    has(&found, "(service) uses entry::http, above it");
    has(&found, "(rules) uses aws_sdk_dynamodb, allowed from rank 4");
    has(&found, "(domain) uses ports, above it");
    has(&found, "(entry::sender) uses entry::sweep, beside it");
    has(&found, "(entry::stream) uses startup::wiring, above it");
    assert_eq!(found.len(), 6, "a path up two levels to a lower unit is allowed: {found:#?}");
    assert_eq!(loops, ["service: a.rs and b.rs import each other"]);
    has(&stray, "declares stray, which has no rank");
}
