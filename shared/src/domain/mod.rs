//! Values parsed at the edge and trusted inside: an `Email`, an `InvitationId`, a `Status` or an
//! `Access` exists only if it is valid. Nothing here knows about storage, email or HTTP.
pub mod access;
pub mod caller;
pub mod delivery;
pub mod email;
pub mod id;
pub mod idempotency;
pub mod invitation;
pub mod invitees;
pub mod limits;
pub mod member;
pub mod public;
pub mod refusal;
pub mod reputation;
pub mod settings;
pub mod status;
pub mod time;
pub mod token;

pub use access::{Access, AccessOption};
pub use caller::{AccountId, Caller, ClaimedEmail};
pub use delivery::{Delivery, DeliveryStatus, SendRef};
pub use email::{Email, EmailPrefix};
pub use id::InvitationId;
pub use idempotency::IdempotencyKey;
pub use invitation::Invitation;
pub use member::{Claimant, Member, UserId, UserStatus};
pub use reputation::{Cause, Counted, Hour, Pause, Rate, Tally};
pub use settings::{AccountSettings, Domain, Seats, Settings};
pub use status::Status;
pub use time::Timestamp;
pub use token::{Token, TokenHash};
