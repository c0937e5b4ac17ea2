//! What a request body that does not read says about itself. serde's messages quote what they refuse
//! (`invalid type: string "…"`, ``unknown field `…` ``), and a body can hold a secret where another
//! value was expected (a bare token in place of `{"token": …}`); an answer and the log line of a refusal
//! would then carry it. So an error about a body names the rule it broke and never a value of it: only
//! the parts serde takes from the expected shape (field names, "expected …") pass.

/// `e`'s reason without any part of the input it was reading.
pub fn body_problem(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let text = e.to_string();
    match e.classify() {
        // The syntax errors are fixed texts and a position ("expected `,` or `}` at line 1 column 9").
        Category::Syntax | Category::Eof => text,
        Category::Data | Category::Io => {
            // serde_json appends the position when it read text; a `from_value` error has none.
            let position = format!(" at line {} column {}", e.line(), e.column());
            data_problem(text.strip_suffix(&position).filter(|_| e.line() > 0).unwrap_or(&text))
        }
    }
}

/// serde's data errors by their shape (serde::de::Error's provided messages); anything else is named
/// only as invalid. What follows the last ", expected " is the shape's own description (the input,
/// quoted before it, may hold that text too, never after it).
fn data_problem(text: &str) -> String {
    let expected = text.rsplit_once(", expected ").map(|(_, e)| e).filter(|e| !e.contains(['"', '\\']));
    let reason = |what: &str| match expected {
        Some(expected) => format!("{what}; expected {expected}"),
        None => what.to_owned(),
    };
    let names = |rest: &str| rest.strip_suffix('`').is_some_and(|name| !name.contains('`'));
    if text.strip_prefix("missing field `").is_some_and(names)
        || text.strip_prefix("duplicate field `").is_some_and(names)
    {
        // The field named is the shape's, not the input's.
        return text.to_owned();
    }
    let what = if text.starts_with("unknown field ") {
        "has a field it does not take"
    } else if text.starts_with("unknown variant ") {
        "has a value that is not one of the names allowed"
    } else if text.starts_with("invalid type: ") {
        "has a value of the wrong type"
    } else if text.starts_with("invalid value: ") {
        "has an invalid value"
    } else if text.starts_with("invalid length ") {
        "has the wrong number of items"
    } else {
        "is not valid"
    };
    reason(what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shape {
        token: String,
        kind: Kind,
        pair: (u8, u8),
    }

    #[derive(Deserialize, Debug)]
    enum Kind {
        Plain,
    }

    const SECRET: &str = "c2VjcmV0LXRva2VuLXRoYXQtbXVzdC1ub3QtbGVhaw";

    fn problem_of(value: serde_json::Value) -> String {
        body_problem(&serde_json::from_value::<Shape>(value).unwrap_err())
    }

    #[test]
    fn no_refusal_quotes_what_it_refused() {
        let good = || json!({"token": "t", "kind": "Plain", "pair": [1, 2]});
        let mut cases = vec![json!(SECRET), json!([SECRET]), json!(12345678901234567_u64)];
        for (field, bad) in [
            ("token", json!(12345678901234567_u64)),
            ("token", json!([SECRET])),
            ("kind", json!(SECRET)),
            ("pair", json!([SECRET, 1])),
            ("pair", json!([1, 2, 3])),
            ("pair", json!(SECRET)),
            (SECRET, json!(1)),
        ] {
            let mut v = good();
            v[field] = bad;
            cases.push(v);
        }
        for case in cases {
            let text = problem_of(case.clone());
            assert!(!text.contains(SECRET) && !text.contains("12345678901234567"), "{case}: {text}");
            assert!(!text.contains('"') && !text.is_empty(), "{case}: {text}");
        }
    }

    #[test]
    fn the_shape_is_still_named() {
        assert_eq!(problem_of(json!({"kind": "Plain", "pair": [1, 2]})), "missing field `token`");
        let text = problem_of(json!({"token": "t", "kind": "Plain", "pair": [1, 2], "extra": SECRET}));
        assert_eq!(text, "has a field it does not take; expected one of `token`, `kind`, `pair`");
        let quoting = problem_of(json!({"token": "t", "kind": "Plain", "pair": [1, 2], "a`, expected X": 1}));
        assert_eq!(quoting, "has a field it does not take; expected one of `token`, `kind`, `pair`");
        let text = problem_of(json!({"token": "t", "kind": SECRET, "pair": [1, 2]}));
        assert_eq!(text, "has a value that is not one of the names allowed; expected `Plain`");
        assert_eq!(problem_of(json!(SECRET)), "has a value of the wrong type; expected struct Shape");
    }

    #[test]
    fn syntax_errors_keep_their_fixed_text_and_position() {
        let e = serde_json::from_str::<serde_json::Value>(&format!("{{\"{SECRET}\" 1}}")).unwrap_err();
        let text = body_problem(&e);
        assert!(text.starts_with("expected `:` at line 1 column"), "{text}");
        let e = serde_json::from_str::<Shape>(&format!("\"{SECRET}\"")).unwrap_err();
        assert_eq!(body_problem(&e), "has a value of the wrong type; expected struct Shape");
    }
}
