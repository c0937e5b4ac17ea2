//! Every SDK operation the adapters' sources can make, read from the text: a call on a client
//! (`client.get_item()`, the warm-up's `db.describe_table()` and `ses.get_account()`) and each kind of
//! transaction item built (`Put::builder()`). Each SDK call ends in `.send()`, so the count of those must
//! match the calls named, or a call slipped past this reading.
use std::collections::BTreeSet;
use std::path::Path;

const CLIENTS: [&str; 3] = ["client", "db", "ses"];
const ITEM_KINDS: [(&str, &str); 5] = [
    ("Put", "TransactWriteItems.Put"),
    ("Update", "TransactWriteItems.Update"),
    ("Delete", "TransactWriteItems.Delete"),
    ("ConditionCheck", "TransactWriteItems.ConditionCheck"),
    ("Get", "TransactGetItems.Get"),
];

pub fn adapter_operations() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/src/adapters");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let mut ops = BTreeSet::new();
    let (mut calls, mut sends) = (0, 0);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // Code only, and without layout, so a call split over lines reads as one.
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .flat_map(str::chars)
            .filter(|c| !c.is_whitespace())
            .collect();
        sends += code.matches(".send()").count();
        for client in CLIENTS {
            for (i, _) in code.match_indices(&format!("{client}.")) {
                if code[..i].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = &code[i + client.len() + 1..];
                let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                if rest[name.len()..].starts_with("()") && !name.is_empty() {
                    calls += 1;
                    ops.insert(pascal(&name));
                }
            }
        }
        for (kind, op) in ITEM_KINDS {
            let built = code
                .match_indices(&format!("{kind}::builder()"))
                .any(|(i, _)| !code[..i].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_'));
            if built {
                ops.insert(op.to_owned());
            }
        }
    }
    assert_eq!(calls, sends, "SDK calls named {ops:?}; some `.send()` is on a client this reading does not know");
    ops
}

fn pascal(snake: &str) -> String {
    snake.split('_').map(|w| w[..1].to_ascii_uppercase() + &w[1..]).collect()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
