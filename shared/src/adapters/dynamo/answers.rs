//! An idempotent answer as DynamoDB keeps it: zlib-compressed, cut into parts that each fit an item.
//!
//! The largest answer the invite route gives is about 1.34 MB (100 invitees at 254 characters, each
//! with an access object of about 13 KB). One request's access repeats in every result and compresses
//! away (58 KB stored); but the invitations an answer finds (`already_invited`) may each carry an access
//! object of its own, and then even compressed the answer is about 800 KB (`tests/e2e/api/largest.rs`):
//! more than one item (400 KB, names and keys included) holds. So it is stored in as many parts as it
//! needs: at most four, since compressing never grows it by more than a few bytes.
use crate::ports::store::{StoreError, StoreResult};

/// The bytes of one part: the rest of an item (keys, names, the record's other fields) is far below the
/// 16 KB this leaves of DynamoDB's 400 KB.
pub(super) const PART_BYTES: usize = 384 * 1024;

/// Far above any answer the API gives; a record that inflates past it is not one this code wrote.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// zlib's default: most of the gain of the slowest level at a fraction of its time.
const LEVEL: u8 = 6;

/// The answer, compressed, in parts of at most [`PART_BYTES`].
pub(super) fn pack(body: &str) -> Vec<Vec<u8>> {
    let z = miniz_oxide::deflate::compress_to_vec_zlib(body.as_bytes(), LEVEL);
    z.chunks(PART_BYTES).map(<[u8]>::to_vec).collect()
}

/// The answer the parts were packed from; zlib's checksum tells a part missing or out of place.
pub(super) fn unpack(parts: &[Vec<u8>]) -> StoreResult<String> {
    let z = parts.concat();
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&z, MAX_ANSWER_BYTES)
        .map_err(|e| StoreError::Corrupt(format!("a kept answer does not inflate: {:?}", e.status)))?;
    String::from_utf8(raw).map_err(|_| StoreError::Corrupt("a kept answer is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printable ASCII from xorshift64: about as incompressible as text gets.
    fn noise(len: usize) -> String {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b'!' + (x % 94) as u8)
            })
            .collect()
    }

    #[test]
    fn answers_come_back_whole_in_parts_that_fit_an_item() {
        for body in ["".to_owned(), "{}".to_owned(), "{\"invitee\":\"ann@x.io\"}".repeat(50_000), noise(1_400_000)] {
            let parts = pack(&body);
            assert!(parts.iter().all(|p| !p.is_empty() && p.len() <= PART_BYTES));
            assert_eq!(unpack(&parts).unwrap(), body);
        }
        assert_eq!(pack(&"{}".repeat(500_000)).len(), 1, "a repetitive megabyte is one part");
        assert_eq!(pack(&noise(1_400_000)).len(), 3, "1.4 MB of noise is 1.15 MB compressed: three parts");
    }

    #[test]
    fn a_part_missing_or_out_of_place_is_corrupt() {
        let parts = pack(&noise(1_000_000));
        assert!(parts.len() >= 3);
        let missing = [parts[0].clone(), parts[2].clone()];
        let swapped = [parts[1].clone(), parts[0].clone(), parts[2].clone()];
        for broken in [&missing[..], &swapped[..], &parts[..1]] {
            assert!(matches!(unpack(broken), Err(StoreError::Corrupt(_))));
        }
    }
}
