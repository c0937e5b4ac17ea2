//! Starts the built `local` binary in a folder of its own, reads the development token it prints, and
//! keeps everything it writes for assertions about its log. Clients reach it through a proxy that checks
//! every API answer against `openapi.yaml` (`checked.rs`); a test that got an answer breaking the
//! description fails when it stops the server, or drops it.
use crate::checked::CheckingProxy;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, LazyLock, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader, Lines};
use tokio::process::{Child, Command};

pub struct LocalServer {
    /// The port clients use: the checking proxy's.
    pub port: u16,
    pub token: String,
    /// The server's working directory: its `outbox/` is here.
    pub dir: PathBuf,
    output: Arc<Mutex<String>>,
    child: Child,
    proxy: CheckingProxy,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Keeps reading into `output`, so the server never blocks on a full pipe.
fn drain<R: AsyncRead + Unpin + Send + 'static>(mut lines: Lines<BufReader<R>>, output: Arc<Mutex<String>>) {
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let mut out = output.lock().unwrap();
            out.push_str(&line);
            out.push('\n');
        }
    });
}

impl LocalServer {
    pub async fn start(dir: PathBuf, args: &[&str], env: &[(&str, &str)]) -> Self {
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let mut child = Command::new(crate::runtime::binary("local"))
            .arg("--port")
            .arg(port.to_string())
            .args(args)
            .envs(env.iter().copied())
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the local server");
        let output = Arc::new(Mutex::new(String::new()));
        drain(BufReader::new(child.stderr.take().unwrap()).lines(), output.clone());
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let token = loop {
            let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
                .await
                .expect("the server prints its token")
                .unwrap()
                .unwrap_or_else(|| panic!("the server exited before printing its token: {}", output.lock().unwrap()));
            output.lock().unwrap().push_str(&format!("{line}\n"));
            if let Some(t) = line.strip_prefix("export TOKEN=") {
                break t.to_owned();
            }
        };
        drain(lines, output.clone());
        let proxy = CheckingProxy::start(port).await;
        Self { port: proxy.port, token, dir, output, child, proxy }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The link of the newest email to `to` in the server's outbox, on the port clients use (the emails
    /// name the server's own, behind the checking proxy).
    pub fn link_to(&self, to: &str) -> url::Url {
        let mut mails: Vec<(std::time::SystemTime, url::Url)> = std::fs::read_dir(self.dir.join("outbox"))
            .expect("an outbox")
            .filter_map(|entry| {
                let path = entry.unwrap().path();
                let raw = std::fs::read(&path).unwrap();
                let msg = mail_parser::MessageParser::default().parse(&raw).expect("a parseable RFC 5322 message");
                let addressed = msg.to().and_then(|a| a.first()).and_then(|a| a.address()) == Some(to);
                addressed.then(|| {
                    let text = msg.body_text(0).expect("a text part");
                    let start = text.find("http").expect("a link");
                    let mut link = url::Url::parse(text[start..].split_whitespace().next().unwrap()).unwrap();
                    link.set_port(Some(self.port)).unwrap();
                    (std::fs::metadata(&path).unwrap().modified().unwrap(), link)
                })
            })
            .collect();
        mails.sort_by_key(|(at, _)| *at);
        mails.pop().unwrap_or_else(|| panic!("no email to {to} in the outbox")).1
    }

    /// Everything the server wrote so far, stdout and stderr: its banner and its log.
    pub fn log(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Answers that broke `openapi.yaml` so far.
    pub fn violations(&self) -> Vec<String> {
        self.proxy.violations()
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let violations = self.violations();
        if !violations.is_empty() && !std::thread::panicking() {
            panic!("{} answers broke openapi.yaml:\n{}", violations.len(), violations.join("\n"));
        }
    }
}

/// A fresh folder for one test, inside a folder of this test process's own under the system's temporary
/// directory. A run's folders stay until the next run, to be looked at after a failure; the first call
/// removes those of test processes that have ended, so runs do not pile up.
pub fn temp_dir(name: &str) -> PathBuf {
    static ROOT: LazyLock<PathBuf> = LazyLock::new(|| {
        remove_ended_runs();
        run_folder(std::process::id())
    });
    let dir = ROOT.join(crate::unique(name));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const RUN_PREFIX: &str = "invitations-tests-";

/// The folder of the test process `pid`.
pub fn run_folder(pid: u32) -> PathBuf {
    std::env::temp_dir().join(format!("{RUN_PREFIX}{pid}"))
}

/// Removes the folders of test processes no longer running. Only where `/proc` tells which are.
pub fn remove_ended_runs() {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(RUN_PREFIX)) else { continue };
        if pid.parse::<u32>().is_ok() && !proc.join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
