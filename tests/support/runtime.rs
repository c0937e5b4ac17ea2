//! A Lambda Runtime API emulator: what `sam local invoke` runs inside its container, minus Docker. It
//! starts a built function binary with the Lambda environment, hands it events through
//! `/invocation/next`, and collects what the function posts back.
use crate::http1::{read_request, write_response};
use serde_json::Value;
use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

#[derive(Debug, Clone)]
pub enum Reply {
    Response(Value),
    Error(Value),
    InitError(Value),
}

/// One run of a binary: its replies in order, its output, and whether it exited.
#[derive(Debug)]
pub struct Run {
    pub replies: Vec<Reply>,
    pub stdout: String,
    pub stderr: String,
    pub exit: Option<std::process::ExitStatus>,
}

struct State {
    queue: Mutex<VecDeque<(String, Value)>>,
    /// The function's timeout in the template: each invocation's deadline is this far off.
    timeout: Duration,
    replies: mpsc::UnboundedSender<Reply>,
}

/// The built binary `name` (the test script builds every workspace binary before the tests).
pub fn binary(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: run ./scripts/test (or cargo build --workspace --bins first)",
        path.display()
    );
    path
}

/// Runs `binary` with `env` under a fresh emulator, feeds it `events` and waits for a reply to each (or
/// for an init error), then stops it. Each answer to an HTTP API event is checked against `openapi.yaml`.
pub async fn invoke<K: AsRef<str>>(binary: &std::path::Path, env: &[(K, String)], events: Vec<Value>) -> Run {
    let sent = events.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let expected = events.len();
    let queue = events.into_iter().enumerate().map(|(i, e)| (format!("req-{i}-{}", crate::unique("id")), e)).collect();
    let name = binary.file_name().unwrap().to_str().unwrap();
    let state = Arc::new(State { queue: Mutex::new(queue), timeout: crate::template::timeout_of(name), replies: tx });
    let server = tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            tokio::spawn(serve(conn, state.clone()));
        }
    });
    let mut child = tokio::process::Command::new(binary)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", binary.file_name().unwrap())
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/test")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .envs(env.iter().map(|(k, v)| (k.as_ref(), v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the function binary");
    // Read as it is written: a function logging more than a pipe holds would otherwise block on it.
    let drain = |mut pipe: Box<dyn tokio::io::AsyncRead + Send + Unpin>| {
        tokio::spawn(async move {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text).await;
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let mut replies = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while replies.len() < expected {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(reply)) => {
                let init = matches!(reply, Reply::InitError(_));
                replies.push(reply);
                if init {
                    break;
                }
            }
            _ => break,
        }
    }
    // A function that failed init exits by itself; one that served its events waits for more.
    let exit = if matches!(replies.last(), Some(Reply::InitError(_))) {
        tokio::time::timeout(Duration::from_secs(5), child.wait()).await.ok().and_then(Result::ok)
    } else {
        let _ = child.start_kill();
        None
    };
    let _ = child.wait().await;
    let (stdout, stderr) = (stdout.await.unwrap(), stderr.await.unwrap());
    server.abort();
    for (event, reply) in sent.iter().zip(&replies) {
        if let (Some(method), Reply::Response(answer)) = (event["requestContext"]["http"]["method"].as_str(), reply) {
            crate::described::assert_event_answer(method, event["rawPath"].as_str().unwrap_or_default(), answer);
        }
    }
    Run { replies, stdout, stderr, exit }
}

/// A function kept running, as a warm Lambda instance is: events are handed to it one at a time.
pub struct Function {
    state: Arc<State>,
    replies: mpsc::UnboundedReceiver<Reply>,
    _child: tokio::process::Child,
    server: tokio::task::JoinHandle<()>,
}

impl Function {
    /// Starts `binary` with `env` under a fresh emulator; it initializes and waits for events.
    pub async fn start<K: AsRef<str>>(binary: &std::path::Path, env: &[(K, String)]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, replies) = mpsc::unbounded_channel();
        let name = binary.file_name().unwrap().to_str().unwrap();
        let state =
            Arc::new(State { queue: Mutex::default(), timeout: crate::template::timeout_of(name), replies: tx });
        let serving = state.clone();
        let server = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serve(conn, serving.clone()));
            }
        });
        let child = tokio::process::Command::new(binary)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/test")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .envs(env.iter().map(|(k, v)| (k.as_ref(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start the function binary");
        Function { state, replies, _child: child, server }
    }

    /// One invocation: its reply, within the function's timeout and a little more.
    pub async fn invoke(&mut self, event: Value) -> Reply {
        self.state.queue.lock().unwrap().push_back((crate::unique("req"), event));
        let limit = self.state.timeout + Duration::from_secs(10);
        tokio::time::timeout(limit, self.replies.recv()).await.expect("a reply in time").expect("the emulator runs")
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(conn: TcpStream, state: Arc<State>) {
    let mut conn = BufReader::new(conn);
    while let Some(req) = read_request(&mut conn).await {
        let path = req.path.trim_start_matches("/2018-06-01/runtime");
        let body = || {
            serde_json::from_slice(&req.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&req.body).into()))
        };
        match (req.method.as_str(), path) {
            ("GET", "/invocation/next") => {
                // Long poll, as Lambda does, until an event is queued.
                let (id, event) = loop {
                    if let Some(next) = state.queue.lock().unwrap().pop_front() {
                        break next;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                };
                let deadline =
                    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap() + state.timeout;
                let headers = vec![
                    ("lambda-runtime-aws-request-id".to_owned(), id),
                    ("lambda-runtime-deadline-ms".to_owned(), deadline.as_millis().to_string()),
                    (
                        "lambda-runtime-invoked-function-arn".to_owned(),
                        "arn:aws:lambda:us-east-1:123456789012:function:test".to_owned(),
                    ),
                    (
                        "lambda-runtime-trace-id".to_owned(),
                        "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned(),
                    ),
                    ("content-type".to_owned(), "application/json".to_owned()),
                ];
                if !write_response(&mut conn, 200, &headers, event.to_string().as_bytes()).await {
                    return;
                }
                continue;
            }
            ("POST", "/init/error") => {
                let _ = state.replies.send(Reply::InitError(body()));
            }
            ("POST", p) if p.ends_with("/response") => {
                let _ = state.replies.send(Reply::Response(body()));
            }
            ("POST", p) if p.ends_with("/error") => {
                let _ = state.replies.send(Reply::Error(body()));
            }
            _ => {
                write_response(&mut conn, 404, &[], b"{}").await;
                continue;
            }
        }
        if !write_response(&mut conn, 202, &[], b"{\"status\":\"OK\"}").await {
            return;
        }
    }
}
