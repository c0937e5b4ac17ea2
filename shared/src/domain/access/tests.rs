use super::*;
use serde_json::json;
use serde_json::Value;

fn full() -> Value {
    json!({
        "iam": [{"service": "cloud-object-storage", "resource_group": "default", "roles": ["Viewer", "Writer"]}],
        "cloud_foundry": {"org": "acme", "org_roles": ["Auditor"],
                          "spaces": [{"region": "us-south", "space": "dev", "roles": ["Developer"]}]},
        "infrastructure": {"permissions": "basic_user"}
    })
}

#[test]
fn parses_the_spec_example_and_round_trips() {
    let a = Access::parse(full()).unwrap();
    assert_eq!(a.options(), vec![AccessOption::Iam, AccessOption::CloudFoundry, AccessOption::Infrastructure]);
    assert_eq!(serde_json::to_value(&a).unwrap(), full());
    let back: Access = serde_json::from_value(serde_json::to_value(&a).unwrap()).unwrap();
    assert_eq!(back, a);
}

#[test]
fn every_name_a_form_offers_is_one_the_parser_takes() {
    let names = |v: Value| -> Vec<String> { serde_json::from_value(v).unwrap() };
    let iam = names(serde_json::to_value(IamRole::ALL).unwrap());
    assert_eq!(iam, ["Viewer", "Operator", "Editor", "Administrator", "Reader", "Writer", "Manager"]);
    assert_eq!(names(serde_json::to_value(OrgRole::ALL).unwrap()), ["Manager", "BillingManager", "Auditor"]);
    assert_eq!(names(serde_json::to_value(SpaceRole::ALL).unwrap()), ["Manager", "Developer", "Auditor"]);
    let levels: Vec<&str> = InfrastructurePermissions::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(levels, ["view_only", "basic_user", "super_user"]);
    let options: Vec<&str> = AccessOption::ALL.iter().map(|o| o.as_str()).collect();
    assert_eq!(options, ["iam", "cloud_foundry", "infrastructure"]);
    let every = json!({
        "iam": [{"service": "s", "roles": iam}],
        "cloud_foundry": {"org": "o", "org_roles": OrgRole::ALL, "spaces": [{"region": "r", "space": "s", "roles": SpaceRole::ALL}]},
        "infrastructure": {"permissions": "super_user"}
    });
    assert!(Access::parse(every).is_ok());
}

#[test]
fn unassigned_options_are_no_access() {
    let a = Access::parse(json!({"infrastructure": {"permissions": "view_only"}, "iam": "no_access"})).unwrap();
    let v = serde_json::to_value(&a).unwrap();
    assert_eq!(v["iam"], "no_access");
    assert_eq!(v["cloud_foundry"], "no_access");
    assert_eq!(a.options(), vec![AccessOption::Infrastructure]);
}

#[test]
fn rejects_each_violation() {
    let cases: Vec<(&str, Value)> = vec![
        ("not an object", json!([])),
        ("nothing assigned", json!({})),
        ("all no_access", json!({"iam": "no_access", "cloud_foundry": null})),
        ("unknown option", json!({"infrastructure": {"permissions": "basic_user"}, "billing": {}})),
        ("unknown iam field", json!({"iam": [{"service": "s", "roles": ["Viewer"], "x": 1}]})),
        ("empty iam", json!({"iam": []})),
        ("21 policies", json!({"iam": vec![json!({"service": "s", "roles": ["Viewer"]}); 21]})),
        ("service upper", json!({"iam": [{"service": "Bad", "roles": ["Viewer"]}]})),
        ("service empty", json!({"iam": [{"service": "", "roles": ["Viewer"]}]})),
        ("service long", json!({"iam": [{"service": "a".repeat(65), "roles": ["Viewer"]}]})),
        ("rg chars", json!({"iam": [{"service": "s", "resource_group": "a/b", "roles": ["Viewer"]}]})),
        ("rg empty", json!({"iam": [{"service": "s", "resource_group": "", "roles": ["Viewer"]}]})),
        ("no roles", json!({"iam": [{"service": "s", "roles": []}]})),
        ("repeat role", json!({"iam": [{"service": "s", "roles": ["Viewer", "Viewer"]}]})),
        ("unknown role", json!({"iam": [{"service": "s", "roles": ["Root"]}]})),
        ("lower role", json!({"iam": [{"service": "s", "roles": ["viewer"]}]})),
        ("missing service", json!({"iam": [{"roles": ["Viewer"]}]})),
        ("cf no roles no spaces", json!({"cloud_foundry": {"org": "acme"}})),
        ("cf org empty", json!({"cloud_foundry": {"org": "", "org_roles": ["Auditor"]}})),
        ("cf org control", json!({"cloud_foundry": {"org": "a\nb", "org_roles": ["Auditor"]}})),
        ("cf org role", json!({"cloud_foundry": {"org": "a", "org_roles": ["Developer"]}})),
        (
            "cf space role",
            json!({"cloud_foundry": {"org": "a", "spaces": [{"region": "r", "space": "s", "roles": ["BillingManager"]}]}}),
        ),
        (
            "cf space no roles",
            json!({"cloud_foundry": {"org": "a", "spaces": [{"region": "r", "space": "s", "roles": []}]}}),
        ),
        (
            "cf region",
            json!({"cloud_foundry": {"org": "a", "spaces": [{"region": "US", "space": "s", "roles": ["Developer"]}]}}),
        ),
        (
            "cf 21 spaces",
            json!({"cloud_foundry": {"org": "a", "spaces": vec![json!({"region": "r", "space": "s", "roles": ["Developer"]}); 21]}}),
        ),
        ("cf unknown", json!({"cloud_foundry": {"org": "a", "org_roles": ["Auditor"], "extra": true}})),
        ("infra value", json!({"infrastructure": {"permissions": "admin"}})),
        ("infra missing", json!({"infrastructure": {}})),
        ("infra string", json!({"infrastructure": "basic_user"})),
        ("wrong type", json!({"iam": 5})),
        // serde reads a struct from an array of its fields in order; the API's shapes are objects.
        ("infra as array", json!({"infrastructure": ["basic_user"]})),
        ("iam policy as array", json!({"iam": [["s", null, ["Viewer"]]]})),
        ("cf as array", json!({"cloud_foundry": ["acme", ["Auditor"], []]})),
        ("space as array", json!({"cloud_foundry": {"org": "a", "spaces": [["r", "s", ["Developer"]]]}})),
    ];
    for (name, v) in cases {
        assert!(Access::parse(v).is_err(), "accepted: {name}");
    }
}

#[test]
fn describes_each_assigned_option() {
    let lines = Access::parse(full()).unwrap().describe();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].contains("cloud-object-storage"));
    assert!(lines[3].contains("basic_user"));
}

/// Invisible and text-direction characters: each would reach the email unseen or reorder what the
/// invitee reads around it.
const FORMAT: &[char] = &[
    '\u{00AD}',
    '\u{061C}',
    '\u{180E}',
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{200E}',
    '\u{200F}',
    '\u{202A}',
    '\u{202B}',
    '\u{202C}',
    '\u{202D}',
    '\u{202E}',
    '\u{2060}',
    '\u{2066}',
    '\u{2067}',
    '\u{2068}',
    '\u{2069}',
    '\u{FEFF}',
    '\u{FFF9}',
    '\u{110BD}',
    '\u{1D173}',
    '\u{E0001}',
    '\u{E0041}',
    '\u{2028}',
    '\u{2029}',
];

#[test]
fn names_refuse_invisible_and_text_direction_characters() {
    for c in FORMAT {
        let name = format!("ac{c}me");
        let org = json!({"cloud_foundry": {"org": name, "org_roles": ["Auditor"]}});
        let err = Access::parse(org).expect_err(&format!("org with U+{:04X}", *c as u32));
        assert_eq!(
            err.to_string(),
            "access: cloud_foundry org may only contain visible characters: no control, invisible or \
             text-direction characters"
        );
        let space =
            json!({"cloud_foundry": {"org": "a", "spaces": [{"region": "r", "space": name, "roles": ["Developer"]}]}});
        assert!(Access::parse(space).is_err(), "space with U+{:04X}", *c as u32);
    }
    // Letters of any script, and marks that combine with them, are names.
    let org = json!({"cloud_foundry": {"org": "Ｃafé אבג e\u{301} 東京", "org_roles": ["Auditor"]}});
    assert!(Access::parse(org).is_ok());
}
