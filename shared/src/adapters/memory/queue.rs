//! The send queue's in-memory twin: keeps what was handed on, for the fast tests to deliver by hand.
use crate::domain::Timestamp;
use crate::ports::{QueueError, QueuedSend, SendQueue};
use async_trait::async_trait;
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryQueue {
    messages: Mutex<Vec<QueuedSend>>,
}

impl MemoryQueue {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every message handed on since the last `take`, in order.
    pub fn take(&self) -> Vec<QueuedSend> {
        std::mem::take(&mut *self.messages.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[async_trait]
impl SendQueue for MemoryQueue {
    async fn hand_on(&self, sends: &[QueuedSend], _now: Timestamp) -> Result<(), QueueError> {
        self.messages.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(sends);
        Ok(())
    }
}
