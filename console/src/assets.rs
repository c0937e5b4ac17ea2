//! The console's files, embedded at build time from `console/assets/`: one copy, served by every
//! deployment of it.
use sha2::{Digest, Sha256};

pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

/// The page, served at `/` only.
pub const INDEX: &str = "index.html";

macro_rules! asset {
    ($name:literal, $type:expr) => {
        Asset { name: $name, content_type: $type, body: include_bytes!(concat!("../assets/", $name)) }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

pub const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("console.css", "text/css; charset=utf-8"),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("dom.js", JS),
    asset!("invite.js", JS),
    asset!("signin.js", JS),
    asset!("users.js", JS),
    asset!("words.js", JS),
];

pub fn index() -> &'static Asset {
    ASSETS.iter().find(|a| a.name == INDEX).expect("the page is embedded")
}

/// An entity tag for a file: its content's digest, so a browser revalidating a file it kept gets a
/// 304 until a deployment changes it.
pub fn tag(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(body)[..12]))
}
