//! Whole requests through the real handlers (routing, claims, path, query, headers, body), on the
//! in-memory store with a mailer that accepts everything: no input may panic or answer 500.
#![no_main]
use invitations::api;
use invitations::clock::SystemClock;
use invitations::config::{MailSettings, Policy};
use invitations::mail::{MailError, Mailer, OutgoingEmail};
use invitations::service::{Deps, Sender};
use invitations::store::memory::MemoryStore;
use libfuzzer_sys::fuzz_target;
use local::gateway::{event, Route};
use std::sync::{Arc, OnceLock};

struct Accepting;

#[async_trait::async_trait]
impl Mailer for Accepting {
    async fn send(&self, _: &OutgoingEmail) -> Result<(), MailError> {
        Ok(())
    }
}

struct World {
    runtime: tokio::runtime::Runtime,
    deps: Deps,
    sender: Sender,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| World {
        runtime: tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap(),
        deps: Deps { store: Arc::new(MemoryStore::new()), clock: Arc::new(SystemClock), policy: Policy::default() },
        sender: Sender {
            mailer: Arc::new(Accepting),
            settings: MailSettings {
                sender: "fuzz@example.com".into(),
                accept_url: "https://example.com/accept".parse().unwrap(),
                configuration_set: None,
            },
        },
    })
}

const ROUTES: [(&str, &str); 4] = [
    ("POST", "/accounts/acme/invitations"),
    ("GET", "/accounts/acme/invitations"),
    ("DELETE", "/accounts/acme/invitations/"),
    ("POST", "/accounts/acme/invitations/"),
];

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
    let (method, base) = ROUTES[selector as usize % 4];
    let path = match selector % 4 {
        2 => format!("{base}{id}"),
        3 => format!("{base}{id}/resend"),
        _ => base.to_owned(),
    };
    let claims = serde_json::json!({"sub": "fuzz", "account_id": "acme", "roles": roles});
    let Some((route, mut ev)) = event(method, &path, query, claims.as_object(), body) else { return };
    if selector & 0x80 != 0 {
        ev["requestContext"]["authorizer"] = serde_json::Value::Null;
    }
    if !key.is_empty() {
        ev["headers"]["idempotency-key"] = key.into();
    }
    let w = world();
    let resp = w.runtime.block_on(async {
        match route {
            Route::Invite => api::serve_event(ev, |req| api::invite(&w.deps, &w.sender, req)).await,
            Route::List => api::serve_event(ev, |req| api::list(&w.deps, req)).await,
            Route::Cancel => api::serve_event(ev, |req| api::cancel(&w.deps, req)).await,
            Route::Resend => api::serve_event(ev, |req| api::resend(&w.deps, &w.sender, req)).await,
        }
    });
    let status = resp["statusCode"].as_u64().expect("a status");
    assert!(status < 500, "{status} for {resp}");
    serde_json::from_str::<serde_json::Value>(resp["body"].as_str().expect("a body")).expect("a JSON answer");
});
