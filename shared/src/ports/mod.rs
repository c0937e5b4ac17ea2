//! What the use cases need from the outside world, as traits: storage, email, the clock and the event
//! bus. Adapters implement them; nothing here names DynamoDB, SES, EventBridge or HTTP.
pub mod bus;
pub mod clock;
pub mod due;
pub mod mail;
pub mod store;

pub use bus::{BusError, ChangeListener, EventBus};
pub use clock::Clock;
pub use mail::{MailError, Mailer, OutgoingEmail};
pub use store::{Store, StoreError};
