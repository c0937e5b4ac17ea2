//! Lifecycle events as JSON lines, for the local server: the in-memory store tells this listener of
//! each change, and it writes the events the one mapping makes of it, in the form a rule's target
//! receives them from EventBridge.
use crate::events::{events, Change};
use crate::ports::bus::ChangeListener;
use std::io::Write;
use std::sync::Mutex;

pub struct EventLog {
    out: Mutex<Box<dyn Write + Send>>,
}

impl EventLog {
    pub fn new(out: impl Write + Send + 'static) -> Self {
        Self { out: Mutex::new(Box::new(out)) }
    }

    /// Appends to `path`, creating it if needed.
    pub fn append(path: &std::path::Path) -> std::io::Result<Self> {
        Ok(Self::new(std::fs::OpenOptions::new().create(true).append(true).open(path)?))
    }
}

impl ChangeListener for EventLog {
    fn changed(&self, change: &Change) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        for event in events(change) {
            // Flushed line by line, so a developer watching the file sees each event as it happens.
            let written = writeln!(out, "{}", event.envelope()).and_then(|()| out.flush());
            if let Err(e) = written {
                tracing::warn!(error = %e, event_type = event.event_type.as_str(), "could not write an event");
            }
        }
    }
}
