//! JSON log lines carrying the Lambda request id. Tokens are never logged, and error texts from
//! dependencies can quote addresses, so they pass through [`scrub`] before they are logged.
use crate::domain::email::mask_local;
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
