//! The event bus port: put a few events in one request and learn, event by event, which the bus took;
//! and the in-memory store's stand-in for a table's stream, told of each committed change.
use super::store::BoxError;
use crate::events::{Change, Event, SOURCE};
use async_trait::async_trait;

/// The most events one request may carry (EventBridge's `PutEvents`).
pub const MAX_ENTRIES: usize = 10;
/// The most bytes one request's events may add up to, as [`entry_size`] counts them.
pub const MAX_BYTES: usize = 256 * 1024;

/// An event's size as EventBridge counts it against [`MAX_BYTES`]: its time (14 bytes when set), the
/// UTF-8 bytes of its source, detail type and detail.
pub fn entry_size(event: &Event) -> usize {
    let time = if event.time.is_some() { 14 } else { 0 };
    time + SOURCE.len() + event.event_type.as_str().len() + event.detail.len()
}

#[derive(Debug, thiserror::Error)]
#[error("the event bus is unavailable")]
pub struct BusError(#[source] pub BoxError);

#[async_trait]
pub trait EventBus: Send + Sync {
    /// Puts `events` (at most [`MAX_ENTRIES`], at most [`MAX_BYTES`]) in one request. `Ok` holds one
    /// answer per event in order: `None` when the bus took it, else why it did not; `Err` is a request
    /// that failed as a whole.
    async fn put(&self, events: &[Event]) -> Result<Vec<Option<String>>, BusError>;
}

/// Told of every committed change of an invitation or a member, in commit order.
pub trait ChangeListener: Send + Sync {
    fn changed(&self, change: &Change);
}
