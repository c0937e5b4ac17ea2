//! A stream record's image as the events see it: an invitation, a member, an account's settings, or an
//! item that makes no event (a slot, the send schedule, an idempotency record or part, a directory
//! entry, an account's sending record). Read as strictly as the store reads: an item of the first
//! three kinds that does not parse is an error, never guessed at.
use super::item::from_item;
use super::members::from_member_item;
use crate::events::Stored;
use crate::ports::store::StoreResult;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

pub fn stored(image: &HashMap<String, AttributeValue>) -> StoreResult<Option<Stored>> {
    let key = |k: &str| image.get(k).and_then(|v| v.as_s().ok()).map_or("", |v| v.as_str());
    if !key("pk").starts_with("ACCOUNT#") {
        return Ok(None);
    }
    let sk = key("sk");
    if sk.starts_with("INV#") {
        from_item(image).map(|inv| Some(Stored::Invitation(inv)))
    } else if sk.starts_with("MEMBER#") {
        from_member_item(image).map(|m| Some(Stored::Member(m)))
    } else if sk == super::SETTINGS_SK {
        // Seats alone (no owner's write yet) are no settings.
        if !super::settings::is_written(image) {
            return Ok(None);
        }
        super::settings::from_settings_item(image).map(|s| Some(Stored::Settings(s)))
    } else {
        Ok(None)
    }
}

/// The item's key, scrubbed of addresses, for a log line about an item that could not be read.
pub fn key_of(image: &HashMap<String, AttributeValue>) -> (String, String) {
    let key = |k: &str| image.get(k).and_then(|v| v.as_s().ok()).map_or("?", |v| v.as_str()).to_owned();
    (crate::logging::scrub(&key("pk")), crate::logging::scrub(&key("sk")))
}

#[cfg(test)]
mod tests;
