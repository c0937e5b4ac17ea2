//! The samples in `events/ses/`, shaped as SES publishes them to EventBridge, read as reports; and the
//! events that must be dropped, or must not carry a word of what a mail server wrote.
use super::*;
use serde_json::{json, Value};

const SET: &str = "invitation-emails";

fn sample(name: &str) -> Value {
    let text = match name {
        "send" => include_str!("../../../../../events/ses/send.json"),
        "delivery" => include_str!("../../../../../events/ses/delivery.json"),
        "delivery-delay" => include_str!("../../../../../events/ses/delivery-delay.json"),
        "bounce" => include_str!("../../../../../events/ses/bounce.json"),
        "complaint" => include_str!("../../../../../events/ses/complaint.json"),
        "reject" => include_str!("../../../../../events/ses/reject.json"),
        "rendering-failure" => include_str!("../../../../../events/ses/rendering-failure.json"),
        other => panic!("no sample {other}"),
    };
    serde_json::from_str(text).unwrap()
}

fn read(event: &Value) -> Result<Reported, Dropped> {
    parse(event.to_string().as_bytes(), SET)
}

#[test]
fn every_sample_reads_as_its_status_for_the_tagged_send() {
    let cases = [
        ("send", DeliveryStatus::Sent, None, false, "2026-12-06T10:00:00.120Z"),
        ("delivery", DeliveryStatus::Delivered, None, false, "2026-12-06T10:00:01.830Z"),
        ("delivery-delay", DeliveryStatus::Delayed, Some("mailbox full"), false, "2026-12-06T10:04:59.001Z"),
        ("bounce", DeliveryStatus::Bounced, Some("permanent: general"), true, "2026-12-06T10:00:02.669Z"),
        ("complaint", DeliveryStatus::Complained, Some("complaint: abuse"), true, "2026-12-06T10:29:58Z"),
        ("reject", DeliveryStatus::Rejected, Some("bad content"), false, "2026-12-06T10:00:01Z"),
        ("rendering-failure", DeliveryStatus::Rejected, Some("rendering failure"), false, "2026-12-06T10:00:01Z"),
    ];
    for (name, status, detail, undeliverable, at) in cases {
        let r = read(&sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.about.account.as_str(), "acme", "{name}");
        assert_eq!(r.about.invitation.to_string(), "019ac3ef-0000-7000-8000-00000000de11", "{name}");
        assert_eq!(r.about.send, 1, "{name}");
        let want = Delivery {
            status,
            at: serde_json::from_value(json!(at)).unwrap(),
            detail: detail.map(str::to_owned),
            send: 1,
            undeliverable,
        };
        assert_eq!(r.delivery, want, "{name}");
    }
}

#[test]
fn suppression_and_transient_bounces_are_told_apart() {
    let mut e = sample("bounce");
    e["detail"]["bounce"]["bounceSubType"] = json!("OnAccountSuppressionList");
    let r = read(&e).unwrap().delivery;
    assert_eq!((r.status, r.undeliverable), (DeliveryStatus::Suppressed, true));
    assert_eq!(r.detail.as_deref(), Some("permanent: on account suppression list"));
    e["detail"]["bounce"]["bounceType"] = json!("Transient");
    e["detail"]["bounce"]["bounceSubType"] = json!("MailboxFull");
    let r = read(&e).unwrap().delivery;
    assert_eq!((r.status, r.undeliverable), (DeliveryStatus::Bounced, false));
    assert_eq!(r.detail.as_deref(), Some("transient: mailbox full"));
}

#[test]
fn events_this_service_cannot_use_are_dropped_for_what_they_are() {
    let mut foreign = sample("bounce");
    foreign["detail"]["mail"]["tags"]["ses:configuration-set"] = json!(["marketing"]);
    assert_eq!(read(&foreign).unwrap_err(), Dropped::ForeignSet);
    let mut untagged = sample("bounce");
    untagged["detail"]["mail"]["tags"].as_object_mut().unwrap().remove("invitation");
    assert_eq!(read(&untagged).unwrap_err(), Dropped::Untagged);
    let mut bad_send = sample("bounce");
    bad_send["detail"]["mail"]["tags"]["send"] = json!(["one"]);
    assert_eq!(read(&bad_send).unwrap_err(), Dropped::Untagged);
    let mut open = sample("delivery");
    open["detail"]["eventType"] = json!("Open");
    assert_eq!(read(&open).unwrap_err(), Dropped::Ignored);
    let mut other = sample("delivery");
    other["source"] = json!("invitations");
    assert!(matches!(read(&other).unwrap_err(), Dropped::NotSes(_)));
    assert!(matches!(parse(b"{\"detail\": [", SET).unwrap_err(), Dropped::Unreadable { .. }));
    let mut no_bounce = sample("bounce");
    no_bounce["detail"].as_object_mut().unwrap().remove("bounce");
    assert_eq!(read(&no_bounce).unwrap_err(), Dropped::Incomplete);
}

#[test]
fn a_hostile_report_carries_none_of_its_text_through() {
    let hostile = "smtp; 550 forward to mallory@evil.example token=c2VjcmV0LXRva2VuLXZhbHVl";
    let mut e = sample("bounce");
    e["detail"]["bounce"]["bounceSubType"] = json!(hostile);
    e["detail"]["bounce"]["bouncedRecipients"][0]["diagnosticCode"] = json!(hostile);
    e["detail"]["bounce"]["bouncedRecipients"][0]["emailAddress"] = json!("mallory@evil.example");
    e["detail"]["bounce"]["reportingMTA"] = json!(hostile);
    let r = read(&e).unwrap();
    assert_eq!(r.delivery.detail.as_deref(), Some("permanent"), "an unknown subtype is left out");
    let mut c = sample("complaint");
    c["detail"]["complaint"]["complaintFeedbackType"] = json!(hostile);
    assert_eq!(read(&c).unwrap().delivery.detail.as_deref(), Some("complaint"));
    let mut d = sample("delivery-delay");
    d["detail"]["deliveryDelay"]["delayType"] = json!(hostile);
    assert_eq!(read(&d).unwrap().delivery.detail, None);
    // A body that does not read names where it stopped, never what it held.
    let broken = format!("{{\"source\": \"aws.ses\", \"detail\": {{\"eventType\": 7, \"x\": \"{hostile}\"");
    let err = parse(broken.as_bytes(), SET).unwrap_err().to_string();
    assert!(!err.contains("mallory") && !err.contains("c2Vj"), "{err}");
}
