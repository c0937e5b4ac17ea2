pub mod access;
pub mod caller;
pub mod email;
pub mod id;
pub mod invitees;
pub mod status;
pub mod time;
pub mod token;

pub use access::{Access, AccessOption};
pub use caller::{AccountId, Caller};
pub use email::Email;
pub use id::InvitationId;
pub use status::Status;
pub use time::Timestamp;
pub use token::{Token, TokenHash};
