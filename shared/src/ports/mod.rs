//! What the use cases need from the outside world, as traits: storage (invitations, members, account
//! settings), email, pacing, the clock and the event bus. Adapters implement them; nothing here names
//! DynamoDB, SES, SQS, EventBridge or HTTP.
pub mod bus;
pub mod clock;
pub mod due;
pub mod mail;
pub mod pace;
pub mod reputation;
pub mod settings;
pub mod store;

pub use bus::{BusError, ChangeListener, EventBus};
pub use clock::Clock;
pub use mail::{MailError, Mailer, OutgoingEmail};
pub use pace::{QueueError, QueuedSend, Reserved, Schedule, SendQueue, SendRate, SendSlots};
pub use store::StoreError;

use reputation::ReputationStore;
use settings::SettingsStore;
use store::{IdempotencyStore, InvitationStore, MemberStore};

/// Everything the use cases need of storage: one object in each deployment (one table, or one process).
pub trait Store:
    InvitationStore + IdempotencyStore + MemberStore + SettingsStore + SendSlots + ReputationStore
{
}

impl<T: InvitationStore + IdempotencyStore + MemberStore + SettingsStore + SendSlots + ReputationStore> Store for T {}
