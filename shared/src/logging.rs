//! JSON log lines carrying the Lambda request id. Tokens are never logged, and error texts from
//! dependencies can quote addresses, so they pass through [`scrub`] before they are logged. Only this
//! project's crates log below `info`, whatever the level asked for: the others' debug and trace lines
//! hold what this code keeps out of its own (docs/DESIGN.md, "Logs").
use crate::domain::email::mask_local;
use std::fmt::Write;
use tracing::{Level, Metadata};
use tracing_subscriber::filter::Targets;

/// JSON lines on stdout; the runtime's span carries the Lambda request id into every line of an invocation.
pub fn init() {
    init_with_writer(std::io::stdout);
}

/// The same format to another writer (tests capture it).
pub fn init_with_writer<W>(writer: W)
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    use tracing_subscriber::util::SubscriberInitExt;
    let wanted = wanted(std::env::var("RUST_LOG").ok(), std::env::var("AWS_LAMBDA_LOG_LEVEL").ok());
    let _ = subscriber(writer, wanted).try_init();
}

/// `RUST_LOG` as levels per target (`info`, `invitations=debug,warn`), when it is set and reads as that;
/// otherwise Lambda's own log level.
fn wanted(rust_log: Option<String>, lambda: Option<String>) -> Targets {
    rust_log.and_then(|r| r.parse().ok()).unwrap_or_else(|| level(lambda).parse().expect("a level is a valid filter"))
}

/// The lines `wanted` asks for, within the cap, as JSON to `writer`.
fn subscriber<W>(writer: W, wanted: Targets) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    use tracing_subscriber::{filter::filter_fn, layer::SubscriberExt, Layer};
    let lines = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .flatten_event(true)
        .with_target(false)
        .with_writer(writer)
        .with_filter(wanted)
        .with_filter(filter_fn(within_cap));
    tracing_subscriber::registry().with(lines)
}

/// The crates whose code is this project's: the core and the binaries under `functions/`.
const OWN: &[&str] =
    &["invitations", "invite", "list", "cancel", "resend", "accept", "send", "events", "delivery", "local", "console"];

/// Whether a line or span may be logged at all. Other crates stop at `info`: at `debug` and `trace`
/// the Lambda runtime logs each raw event (the caller's bearer JWT, an accept's token) and the SDK
/// each request body (an email with its link).
fn within_cap(meta: &Metadata<'_>) -> bool {
    let krate = meta.target().split("::").next().unwrap_or_default();
    *meta.level() <= Level::INFO || OWN.contains(&krate)
}

/// The level Lambda's own log setting asks for (`AWS_LAMBDA_LOG_LEVEL`: TRACE, DEBUG, INFO, WARN, ERROR
/// or FATAL); `RUST_LOG`, when set, wins. Anything else is `info`.
fn level(lambda: Option<String>) -> &'static str {
    match lambda.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("TRACE") => "trace",
        Some("DEBUG") => "debug",
        Some("WARN") => "warn",
        Some("ERROR" | "FATAL") => "error",
        _ => "info",
    }
}

/// An error and its sources on one line, with every address masked.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let _ = write!(out, ": {s}");
        source = s.source();
    }
    scrub(&out)
}

/// Masks the local part of anything shaped like an email address, as [`mask_local`] masks an address.
pub fn scrub(text: &str) -> String {
    let local = |c: char| c.is_ascii_alphanumeric() || "!#$%&*+-/=?^_`{|}~.'".contains(c);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in chars.iter().enumerate().filter(|(_, c)| **c == '@') {
        let mut start = at;
        while start > copied && local(chars[start - 1]) {
            start -= 1;
        }
        out.extend(&chars[copied..start]);
        let part: String = chars[start..at].iter().collect();
        // Already masked (`***`): masking it again would only add a star.
        if part.is_empty() || part.chars().all(|c| c == '*') {
            out.push_str(&part);
        } else {
            out.push_str(&mask_local(&part));
        }
        copied = at;
    }
    out.extend(&chars[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_log_levels_map_to_filters() {
        for (given, want) in
            [("DEBUG", "debug"), ("warn", "warn"), ("FATAL", "error"), ("TRACE", "trace"), ("x", "info")]
        {
            assert_eq!(level(Some(given.into())), want, "{given}");
        }
        assert_eq!(level(None), "info");
    }

    #[test]
    fn rust_log_wins_when_it_reads_as_levels_per_target() {
        let lambda = || Some("ERROR".to_owned());
        let debug_core = wanted(Some("invitations=debug,warn".into()), lambda());
        assert!(debug_core.would_enable("invitations::service", &Level::DEBUG));
        assert!(!debug_core.would_enable("hyper", &Level::INFO) && debug_core.would_enable("hyper", &Level::WARN));
        // Not levels per target (a span filter of the old syntax): Lambda's level applies.
        let fallback = wanted(Some("[span{x=1}]=debug".into()), lambda());
        assert!(
            fallback.would_enable("invitations", &Level::ERROR) && !fallback.would_enable("invitations", &Level::WARN)
        );
    }

    #[test]
    fn other_crates_stop_at_info_whatever_the_level() {
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let sink = lines.clone();
        let writer = move || Sink(sink.clone());
        let everything: Targets = "trace".parse().unwrap();
        tracing::subscriber::with_default(subscriber(writer, everything), || {
            tracing::trace!(target: "hyper_util::client::legacy", "raw event: bearer");
            tracing::debug!(target: "rustls::client", "request body: link");
            tracing::info!(target: "hyper_util::client", "connected");
            tracing::trace!(target: "invitations::service::accept", "own trace");
            tracing::debug!(target: "local", "own debug");
        });
        let text = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
        assert!(text.contains("connected") && text.contains("own trace") && text.contains("own debug"), "{text}");
        assert!(!text.contains("bearer") && !text.contains("link"), "{text}");
    }

    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// `OWN` is exactly the core and the function binaries, so a new function's logs are not capped.
    #[test]
    fn own_crates_are_the_core_and_the_functions() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut functions: Vec<String> = std::fs::read_dir(format!("{root}/functions"))
            .unwrap()
            .map(|e| {
                let manifest = std::fs::read_to_string(e.unwrap().path().join("Cargo.toml")).unwrap();
                // A log line's target starts with its binary's name: the last name in the manifest.
                let name = manifest.lines().rev().find_map(|l| l.strip_prefix("name = ")).unwrap();
                name.trim_matches('"').to_owned()
            })
            .collect();
        functions.push("invitations".into());
        functions.sort();
        let mut own: Vec<&str> = OWN.to_vec();
        own.sort();
        assert_eq!(functions, own);
    }

    #[test]
    fn scrub_masks_addresses_anywhere() {
        assert_eq!(
            scrub("Email address is not verified: alice@example.com, b@x.io"),
            "Email address is not verified: a***@example.com, ***@x.io"
        );
        assert_eq!(scrub("<bob.smith+x@corp.io>"), "<b***@corp.io>");
        assert_eq!(scrub("no address here"), "no address here");
        assert_eq!(scrub("(k@x.io)"), "(***@x.io)", "a one-character local part is all there is to hide");
    }

    #[test]
    fn scrub_leaves_masked_addresses_as_they_are() {
        for masked in ["a***@example.com", "***@x.io", "to ***@x.io and b***@y.io"] {
            assert_eq!(scrub(masked), masked);
        }
    }
}
