//! Batching and retries against a bus that answers as scripted: sizes, subjects, refusals.
use super::*;
use crate::events::EventType;
use crate::ports::bus::BusError;
use async_trait::async_trait;
use std::sync::Mutex;

/// A bus that records each request's events and answers by `refuse(request number, event)`.
struct ScriptedBus<F> {
    requests: Mutex<Vec<Vec<Event>>>,
    refuse: F,
}

impl<F: Fn(usize, &Event) -> Option<&'static str> + Send + Sync> ScriptedBus<F> {
    fn new(refuse: F) -> Self {
        ScriptedBus { requests: Mutex::new(Vec::new()), refuse }
    }

    fn requests(&self) -> Vec<Vec<String>> {
        let requests = self.requests.lock().unwrap();
        requests.iter().map(|r| r.iter().map(|e| e.event_id.clone()).collect()).collect()
    }
}

#[async_trait]
impl<F: Fn(usize, &Event) -> Option<&'static str> + Send + Sync> EventBus for ScriptedBus<F> {
    async fn put(&self, events: &[Event]) -> Result<Vec<Option<String>>, BusError> {
        assert!(
            events.len() <= MAX_ENTRIES
                && events.iter().map(entry_size).sum::<usize>() <= MAX_BYTES.max(entry_size(&events[0]))
        );
        let n = {
            let mut requests = self.requests.lock().unwrap();
            requests.push(events.to_vec());
            requests.len() - 1
        };
        if events.iter().any(|e| (self.refuse)(n, e) == Some("down")) {
            return Err(BusError("the bus is down".into()));
        }
        Ok(events.iter().map(|e| (self.refuse)(n, e).map(str::to_owned)).collect())
    }
}

fn event(id: &str, subject: &str, detail_bytes: usize) -> Event {
    Event {
        event_type: EventType::InvitationSent,
        event_id: id.to_owned(),
        time: None,
        subject: subject.to_owned(),
        detail: format!("\"{}\"", "x".repeat(detail_bytes.saturating_sub(2))),
    }
}

/// One record per event, each of its own subject.
fn distinct(n: usize) -> Vec<Vec<Event>> {
    (0..n).map(|i| vec![event(&format!("e{i}"), &format!("s{i}"), 100)]).collect()
}

fn all_ids(records: &[Vec<Event>]) -> Vec<String> {
    records.iter().flatten().map(|e| e.event_id.clone()).collect()
}

#[tokio::test(start_paused = true)]
async fn requests_hold_at_most_ten_events() {
    let records = distinct(25);
    let bus = ScriptedBus::new(|_, _| None);
    let done = publish(&bus, &records, Retry::default()).await;
    assert_eq!(done, Published { published: 25, refused: 0, failed_from: None });
    let sizes: Vec<usize> = bus.requests().iter().map(Vec::len).collect();
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(bus.requests().concat(), all_ids(&records));
}

#[tokio::test(start_paused = true)]
async fn requests_hold_at_most_256_kb() {
    // 60 KB each: four make 240 KB, a fifth would pass 256 KB.
    let records: Vec<Vec<Event>> = (0..10).map(|i| vec![event(&format!("e{i}"), &format!("s{i}"), 60_000)]).collect();
    let bus = ScriptedBus::new(|_, _| None);
    publish(&bus, &records, Retry::default()).await;
    let sizes: Vec<usize> = bus.requests().iter().map(Vec::len).collect();
    assert_eq!(sizes, [4, 4, 2]);
}

#[tokio::test(start_paused = true)]
async fn two_events_of_one_invitation_never_share_a_request() {
    let records = vec![
        vec![event("a1", "a", 100)],
        vec![event("b1", "b", 100)],
        vec![event("a2", "a", 100), event("a3", "a", 100)],
        vec![event("c1", "c", 100)],
    ];
    let bus = ScriptedBus::new(|_, _| None);
    publish(&bus, &records, Retry::default()).await;
    assert_eq!(bus.requests(), [vec!["a1", "b1", "c1"], vec!["a2"], vec!["a3"]]);
}

#[tokio::test(start_paused = true)]
async fn only_refused_events_are_retried_and_first() {
    let mut records = distinct(12);
    records[11].push(event("e3-later", "s3", 100));
    // The first request's e1 and e4 are refused once.
    let bus = ScriptedBus::new(|n, e| {
        (n == 0 && ["e1", "e4"].contains(&e.event_id.as_str())).then_some("ThrottlingException")
    });
    let done = publish(&bus, &records, Retry::default()).await;
    assert_eq!(done, Published { published: 13, refused: 2, failed_from: None });
    let requests = bus.requests();
    assert_eq!(requests[0], ["e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"]);
    assert_eq!(requests[1][..2], ["e1", "e4"], "the refused ones again, first, and nothing that went out");
    let sent: Vec<&String> = requests.iter().flatten().collect();
    assert_eq!(sent.len(), 15, "13 events, 2 of them twice: {requests:?}");
    let pos = |id: &str| requests.concat().iter().position(|x| x == id).unwrap();
    assert!(pos("e3") < pos("e3-later"));
}

#[tokio::test(start_paused = true)]
async fn an_event_still_refused_fails_its_record_and_holds_back_its_invitation() {
    let records = vec![
        vec![event("a1", "a", 100)],
        vec![event("b1", "b", 100)],
        vec![event("b2", "b", 100)],
        vec![event("c1", "c", 100)],
    ];
    let bus = ScriptedBus::new(|_, e| (e.event_id == "b1").then_some("InternalFailure"));
    let started = tokio::time::Instant::now();
    let done = publish(&bus, &records, Retry::default()).await;
    assert_eq!(done.failed_from, Some(1), "record 1 and after are read again");
    assert_eq!(done.refused, 4, "four attempts");
    assert!(!bus.requests().concat().contains(&"b2".to_owned()), "b2 never goes out before b1");
    // 200 + 400 + 800 ms between the four attempts.
    assert_eq!(started.elapsed(), Duration::from_millis(1400));
}

#[tokio::test(start_paused = true)]
async fn a_failed_request_is_retried_whole_and_then_fails_its_first_record() {
    let records = distinct(3);
    let bus = ScriptedBus::new(|n, _| (n < 2).then_some("down"));
    let done = publish(&bus, &records, Retry::default()).await;
    assert_eq!(done, Published { published: 3, refused: 6, failed_from: None }, "down twice, then up");

    let bus = ScriptedBus::new(|_, _| Some("down"));
    let done = publish(&bus, &records, Retry::default()).await;
    assert_eq!((done.published, done.failed_from), (0, Some(0)));
    assert_eq!(bus.requests().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn records_without_events_publish_nothing() {
    let bus = ScriptedBus::new(|_, _| None);
    let done = publish(&bus, &[vec![], vec![]], Retry::default()).await;
    assert_eq!(done, Published::default());
    assert!(bus.requests().is_empty());
}
