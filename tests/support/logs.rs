//! Captures every log line of a test process (the service's own JSON format) so tests can assert on
//! what was and was not logged.
use std::io::Write;
use std::sync::{Mutex, OnceLock};

static LINES: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LINES.get_or_init(Default::default).lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber once per test binary.
pub fn capture() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        invitations::logging::init_with_writer(|| Capture);
    });
}

pub fn text() -> String {
    String::from_utf8_lossy(&LINES.get_or_init(Default::default).lock().unwrap()).into_owned()
}
