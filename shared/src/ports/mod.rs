//! What the use cases need from the outside world, as traits: storage, email, pacing and the clock. Adapters
//! implement them; nothing here names DynamoDB, SES or HTTP.
pub mod clock;
pub mod due;
pub mod mail;
pub mod pace;
pub mod store;

pub use clock::Clock;
pub use mail::{MailError, Mailer, OutgoingEmail};
pub use pace::{QueueError, QueuedSend, SendQueue, SendRate, SendSlots};
pub use store::{Store, StoreError};
