//! The event bus on EventBridge: one `PutEvents` per request of events, on the bus the function was
//! given, each entry's answer read back in order.
use crate::events::{Event, SOURCE};
use crate::ports::bus::{BusError, EventBus};
use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;

pub struct EventBridgeBus {
    client: Client,
    bus: String,
}

impl EventBridgeBus {
    pub fn new(client: Client, bus: impl Into<String>) -> Self {
        Self { client, bus: bus.into() }
    }
}

#[async_trait]
impl EventBus for EventBridgeBus {
    async fn put(&self, events: &[Event]) -> Result<Vec<Option<String>>, BusError> {
        let entries = events
            .iter()
            .map(|e| {
                PutEventsRequestEntry::builder()
                    .event_bus_name(&self.bus)
                    .source(SOURCE)
                    .detail_type(e.event_type.as_str())
                    .detail(&e.detail)
                    .set_time(e.time.map(|t| aws_smithy_types::DateTime::from_millis(t.millis())))
                    .build()
            })
            .collect();
        let out =
            self.client.put_events().set_entries(Some(entries)).send().await.map_err(|e| BusError(Box::new(e)))?;
        // One answer per entry, in order: an error code for each refused one.
        Ok(out
            .entries()
            .iter()
            .map(|entry| {
                entry.error_code().map(|code| format!("{code}: {}", entry.error_message().unwrap_or_default()))
            })
            .collect())
    }
}
