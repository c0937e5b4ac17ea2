//! The largest answers the invite route can give, kept for an `Idempotency-Key` retry: 100 invitees at
//! the longest address, each answered with the largest access object the parsers allow. Raw, such an
//! answer is far over a DynamoDB item (400 KB).
use super::idempotency::invite_with_key;
use e2e::{all_items, App};
use futures::future::join_all;
use invitations::entry::http::MAX_BODY_BYTES;
use serde_json::{json, Value};
use std::time::Duration;

/// A reproducible stream of pseudo-random values (xorshift64): content that compresses as little as a
/// client's could.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick(&mut self, n: usize, alphabet: &str) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..n).map(|_| chars[self.next() as usize % chars.len()]).collect()
    }

    /// `n` characters of four bytes each, outside the Basic Multilingual Plane: CJK ideographs of
    /// Extension B, all visible (an invisible or format character would be refused).
    fn wide(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from_u32(0x20000 + (self.next() % 0xA6E0) as u32).unwrap()).collect()
    }
}

const LOWER_DASH: &str = "abcdefghijklmnopqrstuvwxyz0123456789-";
const GROUP: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _-";
/// A local part's characters but the dot, both cases: the answer shows the address as given and as
/// stored (lower-cased), two different strings.
const ATEXT: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&*+-/=?^_`{|}~";

/// The largest access object `domain/access/` accepts: 20 IAM policies with every role and 64-character
/// fields, a Cloud Foundry org of 64 four-byte characters with every org role and 20 spaces likewise.
fn largest_access(noise: &mut Noise) -> Value {
    let iam: Vec<Value> = (0..20)
        .map(|_| {
            json!({"service": noise.pick(64, LOWER_DASH), "resource_group": noise.pick(64, GROUP),
                   "roles": ["Viewer", "Operator", "Editor", "Administrator", "Reader", "Writer", "Manager"]})
        })
        .collect();
    let spaces: Vec<Value> = (0..20)
        .map(|_| {
            json!({"region": noise.pick(32, LOWER_DASH), "space": noise.wide(64),
                   "roles": ["Manager", "Developer", "Auditor"]})
        })
        .collect();
    json!({
        "iam": iam,
        "cloud_foundry": {"org": noise.wide(64), "org_roles": ["Manager", "BillingManager", "Auditor"], "spaces": spaces},
        "infrastructure": {"permissions": "super_user"}
    })
}

/// 100 distinct addresses of 254 characters, the longest `domain/email.rs` accepts.
fn longest_addresses(noise: &mut Noise) -> Vec<String> {
    let domain = "@x.example.com";
    (0..100).map(|_| noise.pick(254 - domain.len(), ATEXT) + domain).collect()
}

/// The bytes the account's idempotency records keep (the answer as stored), and how many items hold it.
async fn stored(s: &App) -> (usize, usize) {
    let items = all_items(&s.backend.db, &s.backend.table).await;
    let records: Vec<_> =
        items.iter().filter(|i| i["pk"].as_s().is_ok_and(|pk| *pk == format!("IDEMP#{}", s.account))).collect();
    let bytes = records.iter().flat_map(|i| i.values()).filter_map(|v| v.as_b().ok()).map(|b| b.as_ref().len()).sum();
    (bytes, records.len())
}

#[tokio::test]
async fn the_largest_invite_is_kept_and_its_retry_gets_the_same_bytes() {
    let _turn = e2e::heavy_test().await;
    let s = App::new().await;
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let body = json!({"invitees": longest_addresses(&mut noise), "access": largest_access(&mut noise)});
    let size = body.to_string().len();
    assert!(size <= MAX_BODY_BYTES, "the request is one the API accepts: {size} bytes");
    let first = invite_with_key(&s, "largest", "user-1", &body).await;
    assert_eq!(first.0, 201, "{}", &first.1[..first.1.len().min(500)]);
    let sent = s.backend.ses.sent().await.len();
    assert_eq!(sent, 100);
    let (kept, items) = stored(&s).await;
    eprintln!(
        "largest request: {size} bytes; answer {} bytes raw, {kept} bytes stored in {items} item(s)",
        first.1.len()
    );

    s.backend.clock.advance(Duration::from_secs(3600));
    let again = invite_with_key(&s, "largest", "user-1", &body).await;
    assert!(again == first, "the same status and bytes (got {} with {} bytes)", again.0, again.1.len());
    assert_eq!(s.backend.ses.sent().await.len(), sent, "no second email");
}

/// Each invitee's open invitation carries an access object of its own, so the answer that finds them all
/// repeats nothing a compressor could fold: the largest answer, stored.
#[tokio::test]
async fn an_answer_over_an_item_even_compressed_is_kept_whole() {
    let _turn = e2e::heavy_test().await;
    let s = App::new().await;
    let mut noise = Noise(0x2545_f491_4f6c_dd1d);
    let addresses = longest_addresses(&mut noise);
    let firsts = addresses.iter().map(|a| json!({"invitees": a, "access": largest_access(&mut noise)}));
    let firsts: Vec<Value> = firsts.collect();
    for a in join_all(firsts.iter().map(|b| s.invite(b.clone()))).await {
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let body = json!({"invitees": addresses, "access": largest_access(&mut noise)});
    let first = invite_with_key(&s, "largest-answer", "user-1", &body).await;
    assert_eq!(first.0, 207, "{}", &first.1[..first.1.len().min(500)]);
    let (kept, items) = stored(&s).await;
    eprintln!("largest answer: {} bytes raw, {kept} bytes stored in {items} item(s)", first.1.len());
    assert!(kept > 400 * 1024, "compression alone would not fit one item ({kept} bytes)");

    // A re-run would now invite this address anew; a kept answer still says it was already invited.
    let answer: Value = serde_json::from_str(&first.1).unwrap();
    let cancelled = answer["results"][0]["invitation"]["id"].as_str().unwrap();
    assert_eq!(s.cancel(cancelled).await.status, 200);
    let sent = s.backend.ses.sent().await.len();
    s.backend.clock.advance(Duration::from_secs(3600));
    let again = invite_with_key(&s, "largest-answer", "user-1", &body).await;
    assert!(again == first, "the same status and bytes (got {} with {} bytes)", again.0, again.1.len());
    assert_eq!(s.backend.ses.sent().await.len(), sent, "no email");
}
