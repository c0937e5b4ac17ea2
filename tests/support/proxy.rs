//! A fault-injecting HTTP proxy in front of an emulator. A rule decides, request by request, whether to
//! forward it, answer with an AWS error, or hold it first; every request is counted. Faults come from
//! outside the production code, which only sees its endpoint pointing here.
use crate::http1::{read_request, write_response, RawRequest};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::BufReader;
use tokio::net::{TcpListener, TcpStream};

pub enum Fault {
    Forward,
    /// Answer with an AWS error: SES (REST-JSON) reads its type from a header, DynamoDB (JSON 1.0) from
    /// `__type` in the body; both are sent.
    Error {
        status: u16,
        error_type: &'static str,
    },
    /// Hold the request this long, then forward it.
    Delay(Duration),
}

impl Fault {
    pub fn ses_throttle() -> Self {
        Fault::Error { status: 429, error_type: "TooManyRequestsException" }
    }
    pub fn ses_rejected() -> Self {
        Fault::Error { status: 400, error_type: "MessageRejected" }
    }
    pub fn dynamodb_throttle() -> Self {
        Fault::Error { status: 400, error_type: "ProvisionedThroughputExceededException" }
    }
}

type Rule = dyn Fn(usize, &RawRequest) -> Fault + Send + Sync;

pub struct Proxy {
    pub url: String,
    seen: Arc<AtomicUsize>,
    calls: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Proxy {
    pub async fn start(upstream: String, rule: impl Fn(usize, &RawRequest) -> Fault + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(AtomicUsize::new(0));
        let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (counter, log) = (seen.clone(), calls.clone());
        let rule: Arc<Rule> = Arc::new(rule);
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serve(conn, upstream.clone(), counter.clone(), log.clone(), rule.clone()));
            }
        });
        Self { url, seen, calls }
    }

    /// Forwards everything, counting.
    pub async fn counting(upstream: String) -> Self {
        Self::start(upstream, |_, _| Fault::Forward).await
    }

    /// Each request's operation: the DynamoDB target (`DynamoDB_20120810.Query` …) or method and path.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    /// SES throttling for the first `throttle` requests.
    pub async fn throttling(upstream: String, throttle: usize) -> Self {
        Self::start(upstream, move |n, _| if n < throttle { Fault::ses_throttle() } else { Fault::Forward }).await
    }

    pub fn requests(&self) -> usize {
        self.seen.load(Ordering::SeqCst)
    }
}

const HOP_BY_HOP: [&str; 4] = ["host", "content-length", "transfer-encoding", "connection"];

async fn serve(
    conn: TcpStream,
    upstream: String,
    seen: Arc<AtomicUsize>,
    calls: Arc<std::sync::Mutex<Vec<String>>>,
    rule: Arc<Rule>,
) {
    let client = reqwest::Client::new();
    let mut conn = BufReader::new(conn);
    while let Some(req) = read_request(&mut conn).await {
        let target = req.headers.iter().find(|(k, _)| k == "x-amz-target").map(|(_, v)| v.clone());
        calls.lock().unwrap().push(target.unwrap_or_else(|| format!("{} {}", req.method, req.path)));
        let fault = rule(seen.fetch_add(1, Ordering::SeqCst), &req);
        let (status, headers, body) = match fault {
            Fault::Error { status, error_type } => {
                let headers = vec![
                    ("x-amzn-errortype".to_owned(), error_type.to_owned()),
                    ("content-type".to_owned(), "application/x-amz-json-1.0".to_owned()),
                ];
                let body =
                    format!(r#"{{"__type":"com.amazonaws#{error_type}","message":"injected by the test proxy"}}"#);
                (status, headers, body.into_bytes())
            }
            Fault::Delay(d) => {
                tokio::time::sleep(d).await;
                forward(&client, &upstream, req).await
            }
            Fault::Forward => forward(&client, &upstream, req).await,
        };
        if !write_response(&mut conn, status, &headers, &body).await {
            return;
        }
    }
}

async fn forward(client: &reqwest::Client, upstream: &str, req: RawRequest) -> (u16, Vec<(String, String)>, Vec<u8>) {
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
}
