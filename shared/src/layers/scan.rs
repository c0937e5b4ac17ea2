//! Reading a crate's sources for the layering check: each file's module path, the paths of this crate
//! it names (through `crate::`, `super::` and `self::` alike, braces included), the outside crates it
//! names, and the modules it declares. Inline test modules are left out: they wire every layer.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One source file as the check sees it.
pub struct Source {
    pub file: PathBuf,
    /// Its module path: `src/entry/http/routes.rs` → `entry::http::routes`, a `mod.rs` its folder's.
    pub module: Vec<String>,
    /// The code, without an inline `#[cfg(test)] mod tests` at its end.
    pub code: String,
}

impl Source {
    /// The file's own name among its siblings (`routes`), or `None` for a `mod.rs`, `lib.rs` or `main.rs`.
    pub fn stem(&self) -> Option<&str> {
        let name = self.file.file_stem()?.to_str()?;
        (!["mod", "lib", "main"].contains(&name)).then_some(name)
    }

    /// The module whose files are this one's siblings.
    pub fn parent(&self) -> &[String] {
        match self.stem() {
            Some(_) => &self.module[..self.module.len() - 1],
            None => &self.module,
        }
    }

    /// Every path of this crate the code names, made absolute.
    pub fn references(&self) -> Vec<Vec<String>> {
        let mut found = Vec::new();
        for (i, _) in self.code.match_indices("::") {
            let start =
                self.code[..i].char_indices().rev().find(|(_, c)| !is_ident(*c)).map_or(0, |(p, c)| p + c.len_utf8());
            let head = &self.code[start..i];
            // Only the first segment of a path: `a::b::c` is read once, from `a`.
            if self.code[..start].ends_with("::") {
                continue;
            }
            let base: Vec<String> = match head {
                "crate" => Vec::new(),
                "self" => self.parent_or_self(0),
                "super" => self.parent_or_self(1),
                _ => continue,
            };
            let mut base = base;
            let mut rest = &self.code[i + 2..];
            // `super::super::x`
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
            for tail in tails(rest) {
                let mut path = base.clone();
                path.extend(tail);
                found.push(path);
            }
        }
        found
    }

    /// The module `self` means in this file (`up` = 0) or `super` (`up` = 1).
    fn parent_or_self(&self, up: usize) -> Vec<String> {
        self.module[..self.module.len().saturating_sub(up)].to_vec()
    }

    /// Whether the code names the outside crate `name` (`name::…` as a path's first segment).
    pub fn names_crate(&self, name: &str) -> bool {
        self.code.match_indices(&format!("{name}::")).any(|(i, _)| {
            let before = self.code[..i].chars().last();
            !before.is_some_and(|c| is_ident(c) || c == ':')
        })
    }

    /// The modules the file declares (`mod x;`, public or not), except those only compiled for tests.
    pub fn declared(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut test_only = false;
        for line in self.code.lines().map(str::trim) {
            let decl = line.strip_prefix("pub ").or(line.strip_prefix("pub(crate) ")).unwrap_or(line);
            if let Some(name) = decl.strip_prefix("mod ").and_then(|d| d.strip_suffix(';')) {
                if !test_only {
                    out.push(name.to_owned());
                }
            }
            test_only = line.starts_with("#[cfg(test)]");
        }
        out
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The paths after a prefix: `a::b::C` → [a, b, C]; `{a, b::c}` → [a], [b, c]; `a::{B, C}` → [a, B], [a, C].
fn tails(text: &str) -> Vec<Vec<String>> {
    let mut path = Vec::new();
    let mut rest = text;
    loop {
        let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        if name.is_empty() {
            break;
        }
        rest = &rest[name.len()..];
        path.push(name);
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => return vec![path],
        }
    }
    let Some(inner) = rest.strip_prefix('{') else { return vec![path] };
    let mut depth = 0;
    let end = inner
        .char_indices()
        .find(|(_, c)| {
            depth += match c {
                '{' => 1,
                '}' => -1,
                _ => 0,
            };
            depth < 0
        })
        .map_or(inner.len(), |(i, _)| i);
    let mut items = Vec::new();
    let (mut depth, mut from) = (0, 0);
    for (i, c) in inner[..end].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[from..end]);
    items
        .into_iter()
        .flat_map(|item| tails(item.trim()))
        .filter(|t| !t.is_empty() && t[0] != "self")
        .map(|t| path.iter().cloned().chain(t).collect())
        .collect()
}

/// Every `.rs` file under `src`, read.
pub fn sources(src: &Path) -> Vec<Source> {
    let mut files = Vec::new();
    walk(src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let rel = file.strip_prefix(src).unwrap();
            let mut module: Vec<String> =
                rel.iter().map(|c| c.to_str().unwrap().trim_end_matches(".rs").to_owned()).collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                module.pop();
            }
            let text = std::fs::read_to_string(&file).unwrap();
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(at) => text[..at].to_owned(),
                None => text,
            };
            Source { file, module, code }
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The names a module file re-exports from its children (`pub use invite::{invite, Invited};`), so that
/// a sibling's `super::Invited` is seen as naming `invite`.
pub fn reexports(module_file: &Source) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in module_file.code.lines().map(str::trim) {
        let Some(used) = line.strip_prefix("pub use ").or(line.strip_prefix("pub(crate) use ")) else { continue };
        let used = used.trim_end_matches(';');
        let Some((child, _)) = used.split_once("::") else { continue };
        for t in tails(used) {
            if let Some(name) = t.last() {
                out.insert(name.clone(), child.to_owned());
            }
        }
    }
    out
}
