//! Publishing the events of a batch of stream records: requests of at most 10 events and 256 KB, only
//! the refused events retried, an event of one invitation or member never sent before the earlier ones
//! were taken. When an
//! event still cannot be published, its record is the first the caller must report as failed, so the
//! stream is read again from there: nothing is lost, and what comes again is only what the at-least-once
//! contract allows (events of that record and after, which consumers deduplicate on `event_id`).
use crate::events::Event;
use crate::ports::bus::{entry_size, EventBus, MAX_BYTES, MAX_ENTRIES};
use std::collections::HashSet;
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
    /// Its place in the batch: the queue stays in this order.
    seq: usize,
    record: usize,
    event: &'a Event,
    tries: u32,
}

/// Publishes the events of `records` (each record's events, records in stream order).
pub async fn publish(bus: &dyn EventBus, records: &[Vec<Event>], retry: Retry) -> Published {
    let mut queue: Vec<Entry> = records
        .iter()
        .enumerate()
        .flat_map(|(record, events)| events.iter().map(move |event| (record, event)))
        .enumerate()
        .map(|(seq, (record, event))| Entry { seq, record, event, tries: 0 })
        .collect();
    let mut done = Published::default();
    while !queue.is_empty() {
        let picked = next_request(&queue);
        let (mut request, mut rest) = (Vec::with_capacity(picked.len()), Vec::with_capacity(queue.len()));
        for (i, entry) in queue.into_iter().enumerate() {
            if picked.contains(&i) {
                request.push(entry);
            } else {
                rest.push(entry);
            }
        }
        queue = rest;
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
            // Every record before the first one still holding an unpublished event is done.
            done.failed_from = refused.iter().chain(&queue).map(|e| e.record).min();
            return done;
        }
        if let Some(tries) = refused.iter().map(|e| e.tries).max() {
            tokio::time::sleep(retry.first_pause * 2u32.pow(tries - 1)).await;
        }
        // Back in their places: before every later event of their invitation or member.
        queue.extend(refused);
        queue.sort_by_key(|e| e.seq);
    }
    done
}

/// Which queued events make the next request: in order, at most [`MAX_ENTRIES`] and [`MAX_BYTES`] (but
/// at least one), and only the earliest waiting event of each invitation or member, so a refused event
/// is retried before any later event of its subject goes out.
fn next_request(queue: &[Entry]) -> Vec<usize> {
    let (mut bytes, mut seen, mut picked) = (0, HashSet::new(), Vec::new());
    for (i, entry) in queue.iter().enumerate() {
        if picked.len() == MAX_ENTRIES {
            break;
        }
        // The first event of a subject met decides for the subject: taken, or left for a later request.
        if !seen.insert(&entry.event.subject) {
            continue;
        }
        let size = entry_size(entry.event);
        if picked.is_empty() || bytes + size <= MAX_BYTES {
            bytes += size;
            picked.push(i);
        }
    }
    picked
}

#[cfg(test)]
mod tests;
