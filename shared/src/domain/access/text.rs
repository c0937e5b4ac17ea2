//! The character rules of access names, and the errors that name the rule a value broke.
use super::InvalidAccess;

/// Unicode's format characters (general category `Cf`, Unicode 16.0): invisible, or steering the text
/// direction (U+202E turns `exe.pdf` into what reads as `fdp.exe`), and the line and paragraph separators.
/// A name shown in an email must read as what it is.
const INVISIBLE: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{0600}', '\u{0605}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{06DD}', '\u{06DD}'),
    ('\u{070F}', '\u{070F}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08E2}', '\u{08E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{2028}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0001}', '\u{E0001}'),
    ('\u{E0020}', '\u{E007F}'),
];

pub(super) fn bad(msg: impl Into<String>) -> InvalidAccess {
    InvalidAccess(msg.into())
}

pub(super) fn check_len(what: &str, v: &str, max: usize) -> Result<(), InvalidAccess> {
    let n = v.chars().count();
    if n == 0 || n > max {
        return Err(bad(format!("{what} must be 1 to {max} characters")));
    }
    Ok(())
}

pub(super) fn check_chars(what: &str, v: &str, ok: impl Fn(char) -> bool, allowed: &str) -> Result<(), InvalidAccess> {
    if v.chars().all(ok) {
        Ok(())
    } else {
        Err(bad(format!("{what} may only contain {allowed}")))
    }
}

/// What a free-text name may hold: anything a reader sees.
pub(super) fn visible(c: char) -> bool {
    !c.is_control() && !INVISIBLE.iter().any(|&(from, to)| (from..=to).contains(&c))
}

pub(super) const VISIBLE: &str = "visible characters: no control, invisible or text-direction characters";

pub(super) fn lower_dash(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}
