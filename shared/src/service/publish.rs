//! Publishing the events of a batch of stream records: requests of at most 10 events and 256 KB, only
//! the refused events retried, events of one invitation or member never ahead of an earlier one. When an
//! event still cannot be published, its record is the first the caller must report as failed, so the
//! stream is read again from there: nothing is lost, and what comes again is only what the at-least-once
//! contract allows (events of that record and after, which consumers deduplicate on `event_id`).
use crate::events::Event;
use crate::ports::bus::{entry_size, EventBus, MAX_BYTES, MAX_ENTRIES};
use std::collections::{HashSet, VecDeque};
use std::time::Duration;

/// How hard one invocation tries before it hands a record back to the stream.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Requests that may carry one event, the first included.
    pub attempts: u32,
    /// The pause before the second request; it doubles each time.
    pub first_pause: Duration,
}

impl Default for Retry {
    /// 4 attempts over about 1.4 s, on top of the SDK's own retries of a failed request: a bus that
    /// refuses an event this long is down for longer than is worth holding the invocation for.
    fn default() -> Self {
        Retry { attempts: 4, first_pause: Duration::from_millis(200) }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Published {
    /// Events the bus took.
    pub published: usize,
    /// Events the bus refused at least once (each refusal counted).
    pub refused: usize,
    /// The first record (by its index) with an event that could not be published: it and every
    /// record after it must be read again.
    pub failed_from: Option<usize>,
}

struct Entry<'a> {
    record: usize,
    event: &'a Event,
    tries: u32,
}

/// Publishes the events of `records` (each record's events, records in stream order).
pub async fn publish(bus: &dyn EventBus, records: &[Vec<Event>], retry: Retry) -> Published {
    let mut queue: VecDeque<Entry> = records
        .iter()
        .enumerate()
        .flat_map(|(record, events)| events.iter().map(move |event| Entry { record, event, tries: 0 }))
        .collect();
    let mut done = Published::default();
    while !queue.is_empty() {
        let take = request_len(&queue);
        let request: Vec<Entry> = queue.drain(..take).collect();
        let events: Vec<Event> = request.iter().map(|e| e.event.clone()).collect();
        let answers = match bus.put(&events).await {
            Ok(answers) if answers.len() == events.len() => answers,
            Ok(answers) => vec![Some(format!("{} answers for {} events", answers.len(), events.len())); events.len()],
            Err(e) => vec![Some(crate::logging::chain(&e)); events.len()],
        };
        let mut refused = Vec::new();
        for (mut entry, answer) in request.into_iter().zip(answers) {
            match answer {
                None => done.published += 1,
                Some(reason) => {
                    entry.tries += 1;
                    done.refused += 1;
                    let (event_type, event_id) = (entry.event.event_type.as_str(), &entry.event.event_id);
                    let reason = crate::logging::scrub(&reason);
                    tracing::warn!(event_type, event_id, tries = entry.tries, reason, "the bus refused an event");
                    refused.push(entry);
                }
            }
        }
        if refused.iter().any(|e| e.tries >= retry.attempts) {
            done.failed_from = refused.iter().map(|e| e.record).min();
            return done;
        }
        if let Some(tries) = refused.iter().map(|e| e.tries).max() {
            tokio::time::sleep(retry.first_pause * 2u32.pow(tries - 1)).await;
        }
        // Back to the front, in their order: nothing of their subjects went out after them.
        for entry in refused.into_iter().rev() {
            queue.push_front(entry);
        }
    }
    done
}

/// How many events from the front make the next request: at most [`MAX_ENTRIES`] and [`MAX_BYTES`] (but
/// at least one), and never two of one subject, so a refused event is retried before any later event of
/// its invitation or member goes out.
fn request_len(queue: &VecDeque<Entry>) -> usize {
    let (mut bytes, mut subjects) = (0, HashSet::new());
    let mut len = 0;
    for entry in queue.iter().take(MAX_ENTRIES) {
        let size = entry_size(entry.event);
        if len > 0 && (bytes + size > MAX_BYTES || subjects.contains(&entry.event.subject)) {
            break;
        }
        bytes += size;
        subjects.insert(&entry.event.subject);
        len += 1;
    }
    len
}

#[cfg(test)]
mod tests;
