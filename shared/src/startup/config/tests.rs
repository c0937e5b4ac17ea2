//! Reading the environment: defaults, bad values named, every problem at once.
use super::*;
use std::collections::HashMap;

fn env(pairs: &[(&str, &str)]) -> Env<impl Fn(&str) -> Option<String>> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Env(move |k: &str| map.get(k).cloned())
}

#[test]
fn defaults_are_the_documented_ones() {
    let p = env(&[]).policy().unwrap();
    assert_eq!(p.invitation_ttl, Duration::from_secs(30 * 86_400));
    assert_eq!(p.resend_after, Duration::from_secs(72 * 3600));
    assert_eq!(p.max_sends, 3);
    assert_eq!(p.resend_min_interval, Duration::from_secs(60));
    assert_eq!(p.processing_timeout, Duration::from_secs(300));
}

#[test]
fn parses_durations_in_days_hours_seconds() {
    let p =
        env(&[("INVITATION_TTL", "7d"), ("RESEND_AFTER", "12h"), ("RESEND_MIN_INTERVAL", " 30s "), ("MAX_SENDS", "5")])
            .policy()
            .unwrap();
    assert_eq!(p.invitation_ttl, Duration::from_secs(7 * 86_400));
    assert_eq!(p.resend_after, Duration::from_secs(12 * 3600));
    assert_eq!(p.resend_min_interval, Duration::from_secs(30));
    assert_eq!(p.max_sends, 5);
}

#[test]
fn the_guard_reads_percentages_and_defaults_to_a_review_s_rates() {
    let d = env(&[]).policy().unwrap().guard;
    assert_eq!((d.bounce_pause.to_string(), d.complaint_pause.to_string()), ("5%".into(), "0.1%".into()));
    let g = env(&[("BOUNCE_PAUSE", "2.5%"), ("COMPLAINT_PAUSE", "0.05")]).policy().unwrap().guard;
    assert_eq!((g.bounce_pause.to_string(), g.complaint_pause.to_string()), ("2.5%".into(), "0.05%".into()));
}

#[test]
fn each_bad_value_names_its_variable_and_value() {
    let cases = [
        ("INVITATION_TTL", "soon"),
        ("RESEND_AFTER", "0s"),
        ("RESEND_MIN_INTERVAL", "-1s"),
        ("PROCESSING_TIMEOUT", "5 parsecs"),
        ("MAX_SENDS", "0"),
        ("MAX_SENDS", "three"),
        ("BOUNCE_PAUSE", "five"),
        ("BOUNCE_PAUSE", "0"),
        ("COMPLAINT_PAUSE", "101%"),
    ];
    for (var, value) in cases {
        let err = env(&[(var, value)]).policy().unwrap_err();
        assert_eq!(err.vars(), [var]);
        let text = err.to_string();
        assert!(text.contains(var) && (text.contains(value) || text.contains("longer than zero")), "{text}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let e = env(&[
        ("TABLE_NAME", "ab"),
        ("DUE_SHARDS", "0"),
        ("RESEND_AFTER", "soon"),
        ("MAX_SENDS", "0"),
        ("ACCEPT_URL", "ftp://x"),
    ]);
    let err = e.function(true).unwrap_err();
    assert_eq!(
        err.vars(),
        ["TABLE_NAME", "DUE_SHARDS", "RESEND_AFTER", "MAX_SENDS", "SENDER_EMAIL", "ACCEPT_URL", "SEND_QUEUE_URL"]
    );
    // A function that sends no mail does not read the mail variables.
    assert_eq!(e.function(false).unwrap_err().vars(), ["TABLE_NAME", "DUE_SHARDS", "RESEND_AFTER", "MAX_SENDS"]);
}

#[test]
fn the_event_bus_is_required_and_checked() {
    assert_eq!(env(&[]).event_bus().unwrap_err().var, "EVENT_BUS_NAME");
    let err = env(&[("EVENT_BUS_NAME", "a bus")]).event_bus().unwrap_err();
    assert!(err.to_string().contains("EVENT_BUS_NAME") && err.to_string().contains("a bus"), "{err}");
    assert_eq!(env(&[("EVENT_BUS_NAME", " prod-invitations ")]).event_bus().unwrap(), "prod-invitations");
    let arn = "arn:aws:events:us-east-1:123456789012:event-bus/prod-invitations";
    assert_eq!(env(&[("EVENT_BUS_NAME", arn)]).event_bus().unwrap(), arn);
}

#[test]
fn due_shards_default_to_16_within_1_to_32() {
    assert_eq!(env(&[]).due_shards(), Ok(DueShards::DEFAULT));
    assert_eq!(env(&[("DUE_SHARDS", "16")]).due_shards(), Ok(DueShards::DEFAULT));
    assert_eq!(env(&[("DUE_SHARDS", " 32 ")]).due_shards(), Ok(DueShards::new(32).unwrap()));
    assert_eq!(env(&[("DUE_SHARDS", "1")]).due_shards(), Ok(DueShards::new(1).unwrap()));
    for bad in ["0", "33", "-1", "sixteen", "1.5", "65536"] {
        let err = env(&[("DUE_SHARDS", bad)]).due_shards().unwrap_err();
        assert_eq!(err.var, "DUE_SHARDS");
        assert!(err.problem.contains(bad) && err.problem.contains("1 to 32"), "{err}");
    }
}

#[test]
fn table_and_mail_settings_are_checked() {
    assert_eq!(env(&[]).table_name().unwrap_err().var, "TABLE_NAME");
    assert_eq!(env(&[("TABLE_NAME", "ab")]).table_name().unwrap_err().var, "TABLE_NAME");
    assert_eq!(env(&[("TABLE_NAME", "invitations")]).table_name().unwrap(), "invitations");
    assert_eq!(env(&[("ACCEPT_URL", "https://x.io/a")]).mail().unwrap_err().vars(), ["SENDER_EMAIL"]);
    assert_eq!(env(&[("SENDER_EMAIL", "no")]).mail().unwrap_err().vars(), ["SENDER_EMAIL", "ACCEPT_URL"]);
    assert_eq!(env(&[("SENDER_EMAIL", "a@x.io")]).mail().unwrap_err().vars(), ["ACCEPT_URL"]);
    let ftp = env(&[("SENDER_EMAIL", "a@x.io"), ("ACCEPT_URL", "ftp://x.io")]);
    assert_eq!(ftp.mail().unwrap_err().vars(), ["ACCEPT_URL"]);
    let m = env(&[("SENDER_EMAIL", "a@x.io"), ("ACCEPT_URL", "https://x.io/accept"), ("SES_CONFIGURATION_SET", "cs")])
        .mail()
        .unwrap();
    assert_eq!(m.from, "a@x.io");
    assert_eq!(m.configuration_set.as_deref(), Some("cs"));
    let ok = env(&[
        ("TABLE_NAME", "invitations"),
        ("SENDER_EMAIL", "a@x.io"),
        ("ACCEPT_URL", "https://x.io/a"),
        ("SEND_QUEUE_URL", "https://sqs.x/1/q"),
    ]);
    assert_eq!(ok.function(true).unwrap().mail.unwrap().from, "a@x.io");
    assert_eq!(ok.function(true).unwrap().due_shards, DueShards::DEFAULT);
    assert_eq!(ok.function(false).unwrap().mail, None);
    assert_eq!(ok.function(true).unwrap().pacing.unwrap().rate, None);
}

#[test]
fn a_send_rate_is_one_ses_can_grant() {
    let with = |rate: &str| env(&[("SEND_QUEUE_URL", "https://sqs.x/1/q"), ("SEND_RATE", rate)]).pacing();
    assert_eq!(with("14").unwrap().rate, SendRate::new(14.0));
    assert_eq!(with(" 1 ").unwrap().rate, Some(SendRate::SANDBOX));
    assert_eq!(with("2.5").unwrap().rate, SendRate::new(2.5));
    assert_eq!(with("1000").unwrap().rate, Some(SendRate::MAX));
    for bad in ["0", "-1", "fast", "NaN", "inf", "1e-300", "0.5", "0.999", "1000.5", "1e300"] {
        let err = with(bad).unwrap_err();
        assert_eq!(err.vars(), ["SEND_RATE"], "{bad}");
        assert!(err.to_string().contains(bad) && err.to_string().contains("from 1 "), "{err}");
    }
    assert_eq!(env(&[]).pacing().unwrap_err().vars(), ["SEND_QUEUE_URL"]);
}
