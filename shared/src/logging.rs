//! JSON log lines carrying the Lambda request id. Tokens are never logged, and error texts from
//! dependencies can quote addresses, so they pass through [`scrub`] before they are logged.
use std::fmt::Write;

/// JSON lines on stdout; the runtime's span carries the Lambda request id into every line of an invocation.
pub fn init() {
    init_with_writer(std::io::stdout);
}

/// The same format to another writer (tests capture it).
pub fn init_with_writer<W>(writer: W)
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level(std::env::var("AWS_LAMBDA_LOG_LEVEL").ok())));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .flatten_event(true)
        .with_target(false)
        .with_writer(writer)
        .try_init();
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

/// Masks the local part of anything shaped like an email address.
pub fn scrub(text: &str) -> String {
    let local = |c: char| c.is_ascii_alphanumeric() || "!#$%&*+-/=?^_`{|}~.'".contains(c);
    let chars: Vec<char> = text.chars().collect();
    let mut keep = vec![true; chars.len()];
    for (at, _) in chars.iter().enumerate().filter(|(_, c)| **c == '@') {
        let mut start = at;
        while start > 0 && local(chars[start - 1]) {
            start -= 1;
        }
        // Keep the first character, hide the rest of the local part.
        for k in keep.iter_mut().take(at).skip(start + 1) {
            *k = false;
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut hidden = false;
    for (c, k) in chars.into_iter().zip(keep) {
        if k {
            out.push(c);
            hidden = false;
        } else if !hidden {
            out.push_str("***");
            hidden = true;
        }
    }
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
    fn scrub_masks_addresses_anywhere() {
        assert_eq!(
            scrub("Email address is not verified: alice@example.com, b@x.io"),
            "Email address is not verified: a***@example.com, b@x.io"
        );
        assert_eq!(scrub("<bob.smith+x@corp.io>"), "<b***@corp.io>");
        assert_eq!(scrub("no address here"), "no address here");
    }
}
