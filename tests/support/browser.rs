//! A real browser for the tests: Debian's headless Chromium driven over WebDriver by a chromedriver this
//! process starts on a free loopback port (`./scripts/test` installs both). Dropping the `Browser`
//! kills chromedriver and every Chromium it started, and removes the profile folder.
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub struct Browser {
    pub client: Client,
    driver: Driver,
    url: String,
}

/// The chromedriver process, in a process group of its own so that the Chromium it launches goes with it.
struct Driver {
    child: Child,
    dir: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            // The group's id is chromedriver's pid: this reaches its browsers too, and nothing else.
            let _ = std::process::Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
        }
        let _ = self.child.start_kill();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    /// A fresh headless Chromium with an empty profile.
    pub async fn start() -> Self {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(tool).exists(),
                "{tool} is missing: run the tests through ./scripts/test, which installs chromium and chromium-driver"
            );
        }
        let dir = crate::local_server::temp_dir("browser");
        let port = free_port();
        // Without --allowed-ips chromedriver listens on loopback only and refuses remote clients.
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", dir.join("chromedriver.log").display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let driver = Driver { child, dir };
        let url = format!("http://127.0.0.1:{port}");
        wait_ready(&url, &driver.dir).await;
        let client = connect(&url, &driver.dir.join("profile"), &driver.dir).await;
        Self { client, driver, url }
    }

    /// Another session of the same browser, with a profile of its own: a second person at another
    /// computer, sharing nothing with the first (no storage, no cookies).
    pub async fn session(&self, name: &str) -> Client {
        connect(&self.url, &self.driver.dir.join(format!("profile-{name}")), &self.driver.dir).await
    }

    /// Ends the session, so chromedriver closes Chromium itself; `Drop` covers a test that fails first.
    pub async fn close(self) {
        let Browser { client, driver, .. } = self;
        let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        drop(driver);
    }
}

async fn connect(url: &str, profile: &std::path::Path, dir: &std::path::Path) -> Client {
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities(profile))
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("a Chromium session: {e}; see {}", dir.display()))
}

fn capabilities(profile: &std::path::Path) -> serde_json::Map<String, serde_json::Value> {
    let caps = json!({
        "browserName": "chrome",
        "pageLoadStrategy": "normal",
        "timeouts": {"pageLoad": 20_000, "script": 10_000, "implicit": 0},
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            // As root the sandbox cannot start; the network is closed, so Chromium must not try
            // its background fetches (updates, sync, safe browsing lists).
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,900", format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    caps.as_object().expect("an object").clone()
}

async fn wait_ready(url: &str, dir: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let http = reqwest::Client::new();
    loop {
        if let Ok(resp) = http.get(format!("{url}/status")).send().await {
            let ready = resp.json::<serde_json::Value>().await.ok().and_then(|v| v["value"]["ready"].as_bool());
            if ready == Some(true) {
                return;
            }
        }
        assert!(Instant::now() < deadline, "chromedriver did not start; its log is in {}", dir.display());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
