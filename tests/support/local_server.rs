//! Starts the built `local` binary in a folder of its own and reads the development token it prints.
use std::path::PathBuf;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct LocalServer {
    pub port: u16,
    pub token: String,
    /// The server's working directory: its `outbox/` is here.
    pub dir: PathBuf,
    child: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
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
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start the local server");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let token = loop {
            let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
                .await
                .expect("the server prints its token")
                .unwrap()
                .expect("the server exited before printing its token");
            if let Some(t) = line.strip_prefix("export TOKEN=") {
                break t.to_owned();
            }
        };
        // Keep reading so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self { port, token, dir, child }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A fresh folder under the system's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(crate::unique(name));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
