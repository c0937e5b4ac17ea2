//! A fault-injecting HTTP proxy in front of an emulator: it answers the first `throttle` requests with
//! SES's throttling error and forwards the rest, counting every request. Faults come from outside the
//! production code, which only sees its endpoint pointing here.
use crate::http1::{read_request, write_response};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::BufReader;
use tokio::net::{TcpListener, TcpStream};

pub struct Proxy {
    pub url: String,
    seen: Arc<AtomicUsize>,
}

impl Proxy {
    pub async fn throttling(upstream: String, throttle: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serve(conn, upstream.clone(), counter.clone(), throttle));
            }
        });
        Self { url, seen }
    }

    pub fn requests(&self) -> usize {
        self.seen.load(Ordering::SeqCst)
    }
}

const HOP_BY_HOP: [&str; 4] = ["host", "content-length", "transfer-encoding", "connection"];

async fn serve(conn: TcpStream, upstream: String, seen: Arc<AtomicUsize>, throttle: usize) {
    let client = reqwest::Client::new();
    let mut conn = BufReader::new(conn);
    while let Some(req) = read_request(&mut conn).await {
        let (status, headers, body) = if seen.fetch_add(1, Ordering::SeqCst) < throttle {
            let headers = vec![("x-amzn-errortype".to_owned(), "TooManyRequestsException".to_owned())];
            (429, headers, br#"{"message":"Maximum sending rate exceeded."}"#.to_vec())
        } else {
            let mut fwd = client.request(req.method.parse().unwrap(), format!("{upstream}{}", req.path)).body(req.body);
            for (k, v) in req.headers.iter().filter(|(k, _)| !HOP_BY_HOP.contains(&k.as_str())) {
                fwd = fwd.header(k, v);
            }
            let resp = fwd.send().await.unwrap();
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .filter(|(k, _)| !HOP_BY_HOP.contains(&k.as_str()))
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
                .collect();
            (status, headers, resp.bytes().await.unwrap().to_vec())
        };
        if !write_response(&mut conn, status, &headers, &body).await {
            return;
        }
    }
}
