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
    /// Forward the request in the gate's next wave.
    Gated(Arc<Gate>),
    /// Forward the request, then close the connection without answering: the upstream did the work but
    /// the client never hears of it, as after a timeout or a reset, and retries.
    Lost,
    /// Forward `body` in the request's place (nothing, for `None`), then pass the answer (empty, for
    /// `None`) through `answer`: an upstream that did part of what was asked and says so, as EventBridge
    /// refusing some entries of a `PutEvents`.
    Rewrite {
        body: Option<Vec<u8>>,
        answer: Box<dyn FnOnce(Vec<u8>) -> Vec<u8> + Send>,
    },
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
    requests: Arc<std::sync::Mutex<Vec<RawRequest>>>,
}

impl Proxy {
    pub async fn start(upstream: String, rule: impl Fn(usize, &RawRequest) -> Fault + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(AtomicUsize::new(0));
        let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
        let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = Log { seen: seen.clone(), calls: calls.clone(), requests: requests.clone() };
        let rule: Arc<Rule> = Arc::new(rule);
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serve(conn, upstream.clone(), log.clone(), rule.clone()));
            }
        });
        Self { url, seen, calls, requests }
    }

    /// Forwards everything, counting.
    pub async fn counting(upstream: String) -> Self {
        Self::start(upstream, |_, _| Fault::Forward).await
    }

    /// Each request's operation: the DynamoDB target (`DynamoDB_20120810.Query` …) or method and path.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    /// Each request's operation with its body read as JSON (`Null` for a body that is not).
    pub fn requests_json(&self) -> Vec<(String, serde_json::Value)> {
        let calls = self.calls();
        let requests = self.requests_seen();
        calls
            .into_iter()
            .zip(requests)
            .map(|(op, r)| (op, serde_json::from_slice(&r.body).unwrap_or_default()))
            .collect()
    }

    /// Every request as it arrived, body included, in arrival order.
    pub fn requests_seen(&self) -> Vec<RawRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// SES throttling for the first `throttle` requests.
    pub async fn throttling(upstream: String, throttle: usize) -> Self {
        Self::start(upstream, move |n, _| if n < throttle { Fault::ses_throttle() } else { Fault::Forward }).await
    }

    pub fn requests(&self) -> usize {
        self.seen.load(Ordering::SeqCst)
    }
}

/// Loses the answer of the next request for one operation, once armed; every other request is forwarded.
#[derive(Clone, Default)]
pub struct LoseNext(Arc<std::sync::Mutex<Option<String>>>);

impl LoseNext {
    /// The next request whose DynamoDB target (`DynamoDB_20120810.UpdateItem` …) is `target` loses its answer.
    pub fn arm(&self, target: &str) {
        *self.0.lock().unwrap() = Some(target.to_owned());
    }

    /// Whether an armed loss is still waiting for its request.
    pub fn armed(&self) -> bool {
        self.0.lock().unwrap().is_some()
    }

    pub fn fault(&self, req: &RawRequest) -> Fault {
        let target = req.headers.iter().find(|(k, _)| k == "x-amz-target").map(|(_, v)| v.as_str());
        let mut armed = self.0.lock().unwrap();
        if armed.is_some() && armed.as_deref() == target {
            *armed = None;
            Fault::Lost
        } else {
            Fault::Forward
        }
    }
}

const HOP_BY_HOP: [&str; 4] = ["host", "content-length", "transfer-encoding", "connection"];

/// What a proxy keeps of the requests it saw.
#[derive(Clone)]
struct Log {
    seen: Arc<AtomicUsize>,
    calls: Arc<std::sync::Mutex<Vec<String>>>,
    requests: Arc<std::sync::Mutex<Vec<RawRequest>>>,
}

async fn serve(conn: TcpStream, upstream: String, log: Log, rule: Arc<Rule>) {
    let Log { seen, calls, requests } = log;
    let client = reqwest::Client::new();
    let mut conn = BufReader::new(conn);
    while let Some(req) = read_request(&mut conn).await {
        let target = req.headers.iter().find(|(k, _)| k == "x-amz-target").map(|(_, v)| v.clone());
        calls.lock().unwrap().push(target.unwrap_or_else(|| format!("{} {}", req.method, req.path)));
        requests.lock().unwrap().push(req.clone());
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
            Fault::Lost => {
                forward(&client, &upstream, req).await;
                return;
            }
            Fault::Rewrite { body: Some(body), answer } => {
                let (status, headers, upstream_body) = forward(&client, &upstream, RawRequest { body, ..req }).await;
                (status, headers, answer(upstream_body))
            }
            Fault::Rewrite { body: None, answer } => {
                let headers = vec![("content-type".to_owned(), "application/x-amz-json-1.1".to_owned())];
                (200, headers, answer(Vec::new()))
            }
            Fault::Gated(gate) => {
                let op = calls.lock().unwrap().last().cloned().unwrap_or_default();
                gate.enter(op).await;
                let answer = forward(&client, &upstream, req).await;
                gate.leave();
                answer
            }
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

/// Counts how many sequential waves of calls an operation needs, across every proxy that shares the
/// gate. Calls are held, and let through together once the previous wave has finished and no new call
/// has come for `quiet`; so calls that do not wait for each other share a wave, and a call that needs
/// another's answer lands in a later one. The count measures the code's dependencies, not its speed.
/// A wave also goes as soon as it holds `full` calls: on a busy machine the calls of one wave can
/// straggle past `quiet`, and a held call that outlives the SDK's attempt timeout is retried.
pub struct Gate {
    quiet: Duration,
    full: usize,
    state: std::sync::Mutex<GateState>,
    released: tokio::sync::watch::Sender<usize>,
}

#[derive(Default)]
struct GateState {
    in_flight: usize,
    last_arrival: Option<tokio::time::Instant>,
    /// The operations let through, wave by wave.
    waves: Vec<Vec<String>>,
    /// The operations held for the next wave.
    collecting: Vec<String>,
}

impl Gate {
    pub fn new(quiet: Duration, full: usize) -> Arc<Self> {
        let (state, released) = (std::sync::Mutex::default(), tokio::sync::watch::channel(0).0);
        let gate = Arc::new(Gate { quiet, full, state, released });
        let weak = Arc::downgrade(&gate);
        tokio::spawn(async move {
            while let Some(gate) = weak.upgrade() {
                gate.tick();
                drop(gate);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        gate
    }

    fn tick(&self) {
        let mut st = self.state.lock().unwrap();
        let quiet = st.last_arrival.is_some_and(|t| t.elapsed() >= self.quiet) || st.collecting.len() >= self.full;
        if !st.collecting.is_empty() && st.in_flight == 0 && quiet {
            let wave = std::mem::take(&mut st.collecting);
            st.in_flight = wave.len();
            st.waves.push(wave);
            let n = st.waves.len();
            self.released.send_replace(n);
        }
    }

    async fn enter(&self, op: String) {
        let ticket = {
            let mut st = self.state.lock().unwrap();
            st.last_arrival = Some(tokio::time::Instant::now());
            st.collecting.push(op);
            st.waves.len() + 1
        };
        let mut released = self.released.subscribe();
        let _ = released.wait_for(|n| *n >= ticket).await;
    }

    fn leave(&self) {
        self.state.lock().unwrap().in_flight -= 1;
    }

    /// The waves so far: the operations of each, in arrival order.
    pub fn waves(&self) -> Vec<Vec<String>> {
        self.state.lock().unwrap().waves.clone()
    }
}
