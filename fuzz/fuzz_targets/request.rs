//! Whole requests through the real handlers (routing by the route table, claims, path, query, headers,
//! body), on the in-memory store with the recording mailer: no input may panic or answer 500, and no
//! answer may carry the token of an email the request sent.
#![no_main]
use invitations::adapters::memory::MemoryStore;
use invitations::adapters::recording::RecordingMailer;
use invitations::entry::http::{self, Route, ROUTES};
use invitations::ports::clock::SystemClock;
use invitations::rules::Policy;
use invitations::service::{Deps, MailSettings, Notifier};
use libfuzzer_sys::fuzz_target;
use local::gateway::event;
use std::sync::{Arc, OnceLock};

struct World {
    runtime: tokio::runtime::Runtime,
    deps: Deps,
    notifier: Notifier,
    mailer: Arc<RecordingMailer>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let mailer = Arc::new(RecordingMailer::new());
        let settings = MailSettings {
            from: "fuzz@example.com".into(),
            accept_url: "https://example.com/accept".parse().unwrap(),
            configuration_set: None,
        };
        World {
            runtime: tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap(),
            deps: Deps { store: Arc::new(MemoryStore::new()), clock: Arc::new(SystemClock), policy: Policy::default() },
            notifier: Notifier { mailer: mailer.clone(), settings, pacing: None },
            mailer,
        }
    })
}

/// The token of an email's link.
fn token(text: &str) -> &str {
    let start = text.find("token=").expect("a link with a token") + "token=".len();
    text[start..].split_whitespace().next().expect("a token")
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    // Fields separated by 0x1f: id, query, roles, idempotency key, body.
    let mut parts = text.splitn(5, '\u{1f}');
    let (id, query, roles, key, body) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    // The low bits pick a route of the table (in its order), whose path gets the fuzzed id for its
    // invitation or user; the top bit drops the authorizer. Claims carry an account and roles, which
    // the invitee's accept route ignores, and no email, so accepts are judged on token and id alone.
    let def = &ROUTES[(selector & 0x7f) as usize % ROUTES.len()];
    let path = def.path.replace("{account_id}", "acme").replace("{id}", id).replace("{user_id}", id);
    let Some((route, _)) = Route::matching(def.method, &path) else { return };
    let claims = serde_json::json!({"sub": "fuzz", "account_id": "acme", "roles": roles});
    let Some((_, mut ev)) = event(def.method, &path, query, claims.as_object(), body) else { return };
    if selector & 0x80 != 0 {
        ev["requestContext"]["authorizer"] = serde_json::Value::Null;
    }
    if !key.is_empty() {
        ev["headers"]["idempotency-key"] = key.into();
    }
    let w = world();
    let resp = w.runtime.block_on(http::serve_event(ev, |req| http::dispatch(route, &w.deps, &w.notifier, req)));
    let status = resp["statusCode"].as_u64().expect("a status");
    assert!(status < 500, "{status} for {resp}");
    let body = resp["body"].as_str().expect("a body");
    serde_json::from_str::<serde_json::Value>(body).expect("a JSON answer");
    for mail in w.mailer.take() {
        assert!(!body.contains(token(&mail.text)), "an answer carries an email's token");
    }
});
