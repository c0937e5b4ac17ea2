use super::*;
use serde_json::json;

fn refused(body: Value) -> InvalidSettings {
    Settings::parse(&body).expect_err(&body.to_string())
}

#[test]
fn missing_and_null_fields_are_the_defaults() {
    assert_eq!(Settings::parse(&json!({})).unwrap(), Settings::default());
    let nulls = json!({"seat_limit": null, "allowed_domains": null, "invitation_ttl_days": null});
    assert_eq!(Settings::parse(&nulls).unwrap(), Settings::default());
}

#[test]
fn a_full_body_parses_with_domains_lower_cased() {
    let s = Settings::parse(&json!({
        "seat_limit": 25, "allowed_domains": ["Example.COM", "sub.example.org"], "invitation_ttl_days": 365
    }))
    .unwrap();
    assert_eq!(s.seat_limit, Some(25));
    let names: Vec<&str> = s.allowed_domains.as_ref().unwrap().iter().map(Domain::as_str).collect();
    assert_eq!(names, ["example.com", "sub.example.org"]);
    assert_eq!(s.ttl(Duration::from_secs(1)), Duration::from_secs(365 * 86_400));
}

#[test]
fn each_bad_field_is_named() {
    for (body, field) in [
        (json!([]), "body"),
        (json!({"seats": 3}), "body"),
        (json!({"seat_limit": 0}), "seat_limit"),
        (json!({"seat_limit": -1}), "seat_limit"),
        (json!({"seat_limit": 1.5}), "seat_limit"),
        (json!({"seat_limit": "3"}), "seat_limit"),
        (json!({"seat_limit": 100_001}), "seat_limit"),
        (json!({"invitation_ttl_days": 0}), "invitation_ttl_days"),
        (json!({"invitation_ttl_days": 366}), "invitation_ttl_days"),
        (json!({"allowed_domains": "example.com"}), "allowed_domains"),
        (json!({"allowed_domains": []}), "allowed_domains"),
        (json!({"allowed_domains": [1]}), "allowed_domains"),
        (json!({"allowed_domains": ["localhost"]}), "allowed_domains"),
        (json!({"allowed_domains": ["-x.com"]}), "allowed_domains"),
        (json!({"allowed_domains": ["a..com"]}), "allowed_domains"),
        (json!({"allowed_domains": ["*.example.com"]}), "allowed_domains"),
        (json!({"allowed_domains": ["ex ample.com"]}), "allowed_domains"),
        (json!({"allowed_domains": [" example.com"]}), "allowed_domains"),
        (json!({"allowed_domains": ["x@example.com"]}), "allowed_domains"),
        (json!({"allowed_domains": ["example.com", "EXAMPLE.com"]}), "allowed_domains"),
    ] {
        let e = refused(body.clone());
        assert_eq!(e.field, field, "{body}");
        assert!(e.to_string().starts_with(field), "{e}");
    }
    let many: Vec<String> = (0..=MAX_ALLOWED_DOMAINS).map(|i| format!("d{i}.example.com")).collect();
    assert_eq!(refused(json!({"allowed_domains": many})).field, "allowed_domains");
    let long = format!("{}.com", "a".repeat(64));
    assert_eq!(refused(json!({"allowed_domains": [long]})).field, "allowed_domains");
}

#[test]
fn only_the_exact_domains_are_allowed() {
    let s = Settings::parse(&json!({"allowed_domains": ["example.com"]})).unwrap();
    let email = |e: &str| Email::parse(e).unwrap();
    assert!(s.allows(&email("Ada@Example.com")));
    assert!(!s.allows(&email("ada@sub.example.com")));
    assert!(!s.allows(&email("ada@example.com.evil.io")));
    assert!(!s.allows(&email("ada@notexample.com")));
    assert!(Settings::default().allows(&email("ada@anything.io")));
}

#[test]
fn the_default_lifetime_is_the_deployments() {
    let d = Duration::from_secs(7200);
    assert_eq!(Settings::default().ttl(d), d);
}

#[test]
fn a_seat_is_free_only_below_the_limit() {
    let seats = |limit, active, pending| Seats { limit, active, pending };
    assert!(seats(None, 10_000, 10_000).has_room());
    assert!(seats(Some(3), 1, 1).has_room());
    assert!(!seats(Some(3), 2, 1).has_room());
    assert!(!seats(Some(3), 0, 3).has_room());
    // Lowered below what is taken: nothing more, nothing taken back.
    assert!(!seats(Some(1), 4, 2).has_room());
}
