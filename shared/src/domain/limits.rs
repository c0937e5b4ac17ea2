//! Every bound a client can run into, in one place: the parsers and the edge read them from here, and a
//! test holds `openapi.yaml` to the same numbers, so the description and the code cannot drift apart.

/// Distinct invitees in one invite request.
pub const MAX_INVITEES: usize = 100;
/// A request body, in bytes: anything larger is `413 payload_too_large`.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Rows on one page of the invitation list and of the Users list, at most and by default.
pub const MAX_PAGE: u32 = 100;
pub const DEFAULT_PAGE: u32 = 50;
/// Printable ASCII characters of an `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY: usize = 64;
/// Characters of an accept token as presented (the service's own are 43).
pub const MAX_PRESENTED_TOKEN: usize = 256;
/// Characters of an email address.
pub const MAX_EMAIL: usize = 254;
/// Characters of a user id (a token's `sub`).
pub const MAX_USER_ID: usize = 128;
/// Characters of an account id.
pub const MAX_ACCOUNT_ID: usize = 128;
/// Domains an account's settings may allow.
pub const MAX_ALLOWED_DOMAINS: usize = 100;
/// The largest seat limit an account may set.
pub const MAX_SEAT_LIMIT: u32 = 100_000;
/// The longest an account may let its invitations live, in days.
pub const MAX_TTL_DAYS: u32 = 365;
