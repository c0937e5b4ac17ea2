//! Property tests of the parsers that take client input: whatever arrives, they return a value or an
//! error, never panic, and what they accept keeps its invariants.
use invitations::domain::invitees::{parse_invitees, MAX_INVITEES};
use invitations::domain::{Access, Email};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::HashSet;

const WORDS: &[&str] = &[
    "iam",
    "cloud_foundry",
    "infrastructure",
    "service",
    "resource_group",
    "roles",
    "org",
    "org_roles",
    "spaces",
    "region",
    "space",
    "permissions",
    "Viewer",
    "Writer",
    "Manager",
    "Auditor",
    "Developer",
    "BillingManager",
    "basic_user",
    "view_only",
    "super_user",
    "no_access",
    "us-south",
    "default",
    "cloud-object-storage",
    "",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![prop::sample::select(WORDS).prop_map(str::to_owned), "\\PC{0,12}", "[a-z0-9-]{1,70}"]
}

/// JSON shaped like access options often enough to reach the deep rules.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        word().prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(word(), inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn address_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9][A-Za-z0-9_+-]{0,15}@[A-Za-z0-9]{1,10}\\.[A-Za-z]{2,6}",
        "\\PC{0,30}",
        "[a-z@. ,\t\n<>\"]{0,30}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn email_parse_never_panics_and_accepts_only_canonical_addresses(raw in address_like()) {
        if let Ok(e) = Email::parse(&raw) {
            let s = e.as_str();
            prop_assert!(s.is_ascii() && s.len() <= 254);
            prop_assert_eq!(s, raw.to_ascii_lowercase());
            prop_assert_eq!(s.matches('@').count(), 1);
            prop_assert!(!s.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"'".contains(c)));
            prop_assert_eq!(Email::parse(s).unwrap(), e.clone());
            // The mask keeps the domain and the first character and hides the rest of the local part,
            // whatever the domain repeats of it; a one-character local part is hidden whole. Log lines
            // are scrubbed to the same form.
            let (local, domain) = e.as_str().split_once('@').unwrap();
            let masked = e.masked();
            let (shown, masked_domain) = masked.split_once('@').unwrap();
            prop_assert_eq!(masked_domain, domain);
            let want = if local.len() == 1 { "***".to_owned() } else { format!("{}***", &local[..1]) };
            prop_assert_eq!(shown, want);
            prop_assert_eq!(invitations::logging::scrub(s), masked.clone());
            prop_assert_eq!(invitations::logging::scrub(&masked), masked);
        }
    }

    #[test]
    fn plain_addresses_are_accepted(raw in "[A-Za-z0-9][A-Za-z0-9_+-]{0,15}@[A-Za-z0-9]{1,10}\\.[A-Za-z]{2,6}") {
        prop_assert!(Email::parse(&raw).is_ok());
    }

    #[test]
    fn invitees_parse_never_panics_and_keeps_its_bounds(
        list in prop::collection::vec(address_like(), 0..120),
        joined in prop::bool::ANY,
        separator in prop::sample::select(vec![",", " ", "\t", "\n", "\r\n", ", "]),
    ) {
        let value = if joined { Value::from(list.join(separator)) } else { Value::from(list.clone()) };
        if let Ok(invitees) = parse_invitees(&value) {
            prop_assert!((1..=MAX_INVITEES).contains(&invitees.len()));
            // Addresses are the same in any ASCII case; user ids (no `@`) only exactly.
            let identity = |g: &str| if g.contains('@') { g.to_ascii_lowercase() } else { g.to_owned() };
            let distinct: HashSet<String> = invitees.iter().map(|i| identity(&i.given)).collect();
            prop_assert_eq!(distinct.len(), invitees.len(), "duplicates collapse");
            for i in &invitees {
                prop_assert!(!i.given.is_empty());
                if let Ok(invitations::domain::invitees::Target::Email(e)) = &i.parsed {
                    prop_assert_eq!(e.as_str(), i.given.to_ascii_lowercase());
                }
            }
        }
    }

    #[test]
    fn access_parse_never_panics_and_round_trips(value in json()) {
        if let Ok(access) = Access::parse(value) {
            prop_assert!(!access.options().is_empty());
            let stored = serde_json::to_value(&access).unwrap();
            prop_assert_eq!(Access::parse(stored.clone()).unwrap(), access.clone());
            let back: Access = serde_json::from_value(stored).unwrap();
            prop_assert_eq!(back, access);
        }
    }

    #[test]
    fn access_names_never_carry_invisible_or_format_characters(
        name in "\\PC{0,20}",
        hidden in prop::sample::select(vec!['\u{00AD}', '\u{200B}', '\u{200D}', '\u{200F}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{FEFF}', '\u{E0041}']),
        at in 0usize..21,
    ) {
        let mut chars: Vec<char> = name.chars().collect();
        chars.insert(at.min(chars.len()), hidden);
        let name: String = chars.into_iter().collect();
        let org = serde_json::json!({"cloud_foundry": {"org": name, "org_roles": ["Auditor"]}});
        prop_assert!(Access::parse(org).is_err());
        let space = serde_json::json!({"cloud_foundry": {"org": "a", "spaces": [{"region": "r", "space": name, "roles": ["Developer"]}]}});
        prop_assert!(Access::parse(space).is_err());
    }

    #[test]
    fn access_parse_accepts_generated_valid_options(
        service in "[a-z0-9-]{1,64}",
        roles in prop::sample::subsequence(vec!["Viewer", "Operator", "Editor", "Administrator", "Reader", "Writer", "Manager"], 1..7),
        org in "[A-Za-z0-9 &._-]{1,64}",
        permissions in prop::sample::select(vec!["view_only", "basic_user", "super_user"]),
    ) {
        let v = serde_json::json!({
            "iam": [{"service": service, "roles": roles}],
            "cloud_foundry": {"org": org, "org_roles": ["Auditor"]},
            "infrastructure": {"permissions": permissions}
        });
        prop_assert!(Access::parse(v).is_ok());
    }
}

proptest! {
    /// Whatever rate is accepted (configured or the account's), the pacing arithmetic holds: a slot
    /// interval from 1 ms to the sandbox's, and any number of slots after any instant stays in range.
    #[test]
    fn every_accepted_send_rate_paces_without_overflow(
        raw in prop_oneof![any::<f64>(), 0.0..2000.0f64, (-320i32..320).prop_map(|e| 10f64.powi(e))],
        n in any::<u32>(),
    ) {
        use invitations::domain::Timestamp;
        use invitations::ports::SendRate;
        use invitations::service::pace::{Pacing, REQUEST_BUDGET};
        use std::time::Duration;
        let queue = std::sync::Arc::new(invitations::adapters::memory::queue::MemoryQueue::new());
        for rate in [SendRate::new(raw), SendRate::of_account(raw)].into_iter().flatten() {
            prop_assert!((1.0..=1000.0).contains(&rate.per_second()), "{raw}");
            let pacing = Pacing { rate, queue: queue.clone() };
            let interval = pacing.interval();
            prop_assert!((Duration::from_millis(1)..=Duration::from_millis(1076)).contains(&interval), "{raw}: {interval:?}");
            let span = interval.checked_mul(n);
            prop_assert!(span.is_some(), "{raw}: {n} slots overflow");
            let last = Timestamp::from_millis(253_402_300_799_999).plus(span.unwrap());
            prop_assert!(last.millis() > 0);
            prop_assert!(pacing.slots_within(REQUEST_BUDGET) >= 1);
        }
    }
}

proptest! {
    /// The stored JSON of an access holds an option's unassigned text exactly when the option is not
    /// assigned, whatever names it holds: the stores' grant condition reads the access by this alone.
    #[test]
    fn the_stored_access_shows_which_options_are_unassigned(
        iam in prop::option::of("[a-z0-9-]{1,20}"),
        org in prop::option::of(prop_oneof![
            "\\PC{1,30}",
            Just(r#"x","iam":"no_access","y":""#.to_owned()),
            Just(r#""infrastructure":"no_access""#.to_owned()),
        ]),
        infra in prop::option::of(prop::sample::select(vec!["view_only", "basic_user", "super_user"])),
    ) {
        use invitations::domain::AccessOption;
        let mut v = serde_json::json!({});
        if let Some(service) = &iam { v["iam"] = serde_json::json!([{"service": service, "roles": ["Viewer"]}]); }
        if let Some(org) = &org { v["cloud_foundry"] = serde_json::json!({"org": org, "org_roles": ["Auditor"]}); }
        if let Some(p) = infra { v["infrastructure"] = serde_json::json!({"permissions": p}); }
        if let Ok(access) = Access::parse(v) {
            let stored = serde_json::to_string(&access).unwrap();
            for option in AccessOption::ALL {
                let shown = stored.contains(&Access::unassigned_text(option));
                prop_assert_eq!(shown, !access.options().contains(&option), "{:?} in {}", option, stored);
            }
        }
    }
}
