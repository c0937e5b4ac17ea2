//! A proxy in front of the local server that checks every API answer against `openapi.yaml` on its
//! way to the client (curl in the README walkthrough, the command line, the browser), and keeps what it
//! found for the test to assert. It passes every answer on unchanged.
use crate::described::{description, Received};
use crate::http1::{read_request, write_response};
use std::sync::{Arc, Mutex};
use tokio::io::BufReader;
use tokio::net::{TcpListener, TcpStream};

const HOP_BY_HOP: [&str; 4] = ["host", "content-length", "transfer-encoding", "connection"];

pub struct CheckingProxy {
    pub port: u16,
    violations: Arc<Mutex<Vec<String>>>,
}

impl CheckingProxy {
    pub async fn start(upstream_port: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let violations = Arc::new(Mutex::new(Vec::new()));
        let found = violations.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serve(conn, upstream_port, found.clone()));
            }
        });
        Self { port, violations }
    }

    /// Every answer so far that broke the description, with its request.
    pub fn violations(&self) -> Vec<String> {
        self.violations.lock().unwrap().clone()
    }
}

async fn serve(conn: TcpStream, upstream_port: u16, violations: Arc<Mutex<Vec<String>>>) {
    let client = reqwest::Client::new();
    let mut conn = BufReader::new(conn);
    while let Some(req) = read_request(&mut conn).await {
        let url = format!("http://127.0.0.1:{upstream_port}{}", req.path);
        let mut fwd = client.request(req.method.parse().unwrap(), url).body(req.body.clone());
        for (k, v) in req.headers.iter().filter(|(k, _)| !HOP_BY_HOP.contains(&k.as_str())) {
            fwd = fwd.header(k, v);
        }
        let Ok(resp) = fwd.send().await else { return };
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .filter(|(k, _)| !HOP_BY_HOP.contains(&k.as_str()))
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let Ok(body) = resp.bytes().await else { return };
        let path = req.path.split('?').next().unwrap_or_default();
        let got = Received { method: &req.method, path, status, headers: headers.clone(), body: &body };
        if let Err(e) = description().check(&got) {
            let text = String::from_utf8_lossy(&body);
            violations
                .lock()
                .unwrap()
                .push(format!("{} {} answered {status}: {e}\nbody: {text}", req.method, req.path));
        }
        if !write_response(&mut conn, status, &headers, &body).await {
            return;
        }
    }
}
