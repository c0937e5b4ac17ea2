//! Two independent Runtime API emulators over every sample event in `events/`: the project's own
//! (`tests/support/runtime.rs`) and cargo-lambda's (`cargo lambda watch`, installed from PyPI into
//! `.cache/` by the test script), each on a table `local setup` created and seeded as
//! `./scripts/aws-local up` does. Under cargo-lambda the `cargo lambda invoke` lines of the operations
//! page ([`DOC`]) are run as written; both emulators must give every sample the same answer.
use e2e::runtime::{binary, invoke, Reply};
use e2e::template::{repo, template_env};
use e2e::{aws_env, unique, Ses};
use local::samples::{self, Sample};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

fn samples() -> Vec<Sample> {
    let template = std::fs::read_to_string(repo("template.yaml")).unwrap();
    samples::load(&repo("events"), &template).unwrap()
}

/// The page that shows how to run the functions on one machine, with the lines these tests run.
const DOC: &str = "docs/operations.md";

/// The lines of [`DOC`]'s shell block after the comment `<!-- MARKER: …`.
fn doc_block(marker: &str) -> Vec<Vec<String>> {
    let doc = std::fs::read_to_string(repo(DOC)).unwrap();
    let at = doc.find(&format!("<!-- {marker}:")).unwrap_or_else(|| panic!("no {marker} block in {DOC}"));
    let block = &doc[at..];
    let start = block.find("```sh\n").unwrap() + 6;
    let end = start + block[start..].find("```").unwrap();
    block[start..end].lines().map(|l| l.split_whitespace().map(str::to_owned).collect()).collect()
}

/// The value after `flag` in a command line.
fn after<'a>(words: &'a [String], flag: &str) -> &'a str {
    let i = words.iter().position(|w| w == flag).unwrap_or_else(|| panic!("{flag} in {words:?}"));
    &words[i + 1]
}

/// [`DOC`]'s `cargo lambda invoke` lines: (event file, binary, the arguments after `cargo lambda`).
fn documented_invokes() -> Vec<(String, String, Vec<String>)> {
    doc_block("cargo-lambda")
        .into_iter()
        .map(|words| {
            assert_eq!(words[..3], ["cargo", "lambda", "invoke"], "{words:?}");
            let file = after(&words, "--data-file").to_owned();
            (file, words.last().unwrap().clone(), words[2..].to_vec())
        })
        .collect()
}

#[test]
fn the_docs_run_every_sample_with_its_function() {
    let want: BTreeMap<String, (String, String)> = samples()
        .into_iter()
        .map(|s| (format!("events/{}", s.file_name()), (s.binary.clone(), s.function.clone())))
        .collect();
    let invokes: BTreeMap<String, String> = documented_invokes().into_iter().map(|(f, b, _)| (f, b)).collect();
    let binaries: BTreeMap<String, String> = want.iter().map(|(f, (b, _))| (f.clone(), b.clone())).collect();
    assert_eq!(invokes, binaries, "one `cargo lambda invoke` line per file in events/, with its binary");
    let sam: BTreeMap<String, String> = doc_block("sam-local")
        .into_iter()
        .map(|w| {
            assert_eq!(w[..3], ["sam", "local", "invoke"], "{w:?}");
            assert_eq!(after(&w, "--env-vars"), "events/env.json");
            (after(&w, "-e").to_owned(), w[3].clone())
        })
        .collect();
    let functions: BTreeMap<String, String> = want.into_iter().map(|(f, (_, function))| (f, function)).collect();
    assert_eq!(sam, functions, "one `sam local invoke` line per file in events/, with its template function");
}

/// A table created and seeded by `local setup`, what `./scripts/aws-local up` runs, with `sender`.
async fn set_up(sender: &str) -> String {
    let table = unique("invitations");
    let out = Command::new(binary("local"))
        .arg("setup")
        .args(["--template", repo("template.yaml").to_str().unwrap(), "--events", repo("events").to_str().unwrap()])
        .envs(aws_env())
        .env("TABLE_NAME", &table)
        .env("SENDER_EMAIL", sender)
        .env("EVENT_BUS_NAME", BUS)
        .env("SEND_QUEUE_URL", send_queue())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "local setup: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("table {table}: created")) && stdout.contains("verified"), "{stdout}");
    let queue = send_queue().rsplit('/').next().unwrap();
    assert!(stdout.contains(&format!("send queue {queue}: ready")), "{stdout}");
    table
}

/// The send queue's URL, which `local setup` makes in moto.
fn send_queue() -> &'static str {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| format!("{}/123456789012/{}", e2e::endpoint("AWS_ENDPOINT_URL_SQS"), unique("send")))
}

fn params(sender: &str) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("SendQueue", send_queue().to_owned()),
        ("SenderEmail", sender.to_owned()),
        ("AcceptUrl", "https://app.example.com/accept".to_owned()),
        ("InvitationEmails", "invitation-emails".to_owned()),
        // Fast enough that the sample invite's emails all go within its request, as in tests/e2e/events.rs.
        ("SendRate", "100".to_owned()),
        ("EventsBus", BUS.to_owned()),
    ])
}

/// The bus `local setup` makes for the events function (moto refuses one it was never told of).
const BUS: &str = "invitations-events";

/// What an answer says, without what differs between two runs (ids, times, tokens): an HTTP answer's
/// status and error code, anything else whole.
fn gist(answer: &Value) -> Value {
    match answer.get("statusCode") {
        Some(status) => {
            let body: Value = answer["body"].as_str().and_then(|b| serde_json::from_str(b).ok()).unwrap_or_default();
            serde_json::json!({"status": status, "error": body["error"]["code"]})
        }
        None => answer.clone(),
    }
}

/// The samples in [`DOC`]'s order, then any it does not name yet.
fn in_documented_order(mut samples: Vec<Sample>) -> Vec<(Sample, Vec<String>)> {
    let mut ordered = Vec::new();
    for (file, _, args) in documented_invokes() {
        if let Some(i) = samples.iter().position(|s| format!("events/{}", s.file_name()) == file) {
            ordered.push((samples.remove(i), args));
        }
    }
    for s in samples {
        let file = format!("events/{}", s.file_name());
        let args = ["invoke", "--invoke-address", "127.0.0.1", "--data-file", &file, &s.binary];
        ordered.push((s.clone(), args.map(str::to_owned).to_vec()));
    }
    ordered
}

fn cargo_lambda() -> std::path::PathBuf {
    let path = repo(".cache/venv/bin/cargo-lambda");
    assert!(path.exists(), "{} is missing: ./scripts/test installs it", path.display());
    path
}

/// `cargo lambda watch` serving only the Runtime API, on a free loopback port: the functions are the
/// workspace's built binaries, started by `serve`, so nothing is compiled again.
async fn watch() -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(cargo_lambda())
        .args(["lambda", "watch", "--only-lambda-apis", "--invoke-address", "127.0.0.1", "--invoke-port"])
        .arg(port.to_string())
        .current_dir(repo(""))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return (child, port);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("cargo lambda watch did not listen on {port}");
}

/// `binary` polling cargo-lambda's Runtime API for its own invocations.
fn serve(sample: &Sample, port: u16, table: &str, sender: &str) -> Child {
    Command::new(binary(&sample.binary))
        .env_clear()
        .envs(template_env(&sample.function, table, &params(sender)))
        .env("AWS_LAMBDA_RUNTIME_API", format!("http://127.0.0.1:{port}/.rt/{}", sample.binary))
        .env("AWS_LAMBDA_FUNCTION_NAME", &sample.binary)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn cargo_lambdas_emulator_answers_every_sample_as_the_projects_does() {
    let ordered = in_documented_order(samples());
    // An identity moto has never seen: `local setup` must verify it, or every email is refused.
    let ses = Ses::unverified();

    let table = set_up(&ses.sender).await;
    let mut ours = Vec::new();
    for (s, _) in &ordered {
        let env = template_env(&s.function, &table, &params(&ses.sender));
        let run = invoke(&binary(&s.binary), &env, vec![s.event.clone()]).await;
        ours.push(match &run.replies[..] {
            [Reply::Response(answer)] => gist(answer),
            other => panic!("{}: {other:?}\n{}", s.file_name(), run.stderr),
        });
    }

    let table = set_up(&ses.sender).await;
    let (_watch, port) = watch().await;
    let mut functions: BTreeMap<String, Child> = BTreeMap::new();
    let mut theirs = Vec::new();
    for (s, args) in &ordered {
        functions.entry(s.binary.clone()).or_insert_with(|| serve(s, port, &table, &ses.sender));
        let out = Command::new(cargo_lambda())
            .arg("lambda")
            .args(args)
            .args(["--invoke-port", &port.to_string(), "--output-format", "json"])
            .current_dir(repo(""))
            .output();
        let out = tokio::time::timeout(Duration::from_secs(60), out).await.expect("an answer within a minute").unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        theirs.push(gist(&serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))));
    }

    for (((s, _), ours), theirs) in ordered.iter().zip(&ours).zip(&theirs) {
        assert_eq!(theirs, ours, "{}: cargo-lambda's emulator and the project's disagree", s.file_name());
        assert!(theirs["status"].as_u64().is_none_or(|status| status < 500), "{}: {theirs}", s.file_name());
    }
    let answer = |file: &str| &theirs[ordered.iter().position(|(s, _)| s.file_name() == file).unwrap()];
    for file in ["cancel.json", "resend.json", "accept.json"] {
        assert_eq!(answer(file)["status"], 200, "{file} finds its seeded invitation");
    }
    // SES's reports of the seeded invitation's email: an earlier stage after a later one changes nothing.
    let reports: Vec<&Value> =
        ["send", "delivery", "delivery-delay", "bounce", "complaint", "reject", "rendering-failure"]
            .iter()
            .map(|name| &answer(&format!("ses/{name}.json"))["outcome"])
            .collect();
    assert_eq!(reports, ["recorded", "recorded", "stale", "recorded", "recorded", "stale", "stale"]);
    // The sweep under cargo-lambda's deadline (600000 ms, in 1970) did its work: before, it claimed
    // nothing and answered complete:false with nothing read.
    let sweep = answer("scheduled.json");
    assert_eq!((sweep["complete"].as_bool(), sweep["resent"].as_u64()), (Some(true), Some(1)), "{sweep}");
    // Per run: invite's two emails, the manual resend and the sweep's. An email whose slot a busy
    // machine made it miss is handed to the paced sender instead, which runs in neither emulator here:
    // it waits in the send queue, so every email is sent or queued, none lost.
    let sdk = e2e::sdk().await;
    let queue =
        e2e::queue::Queue { client: aws_sdk_sqs::Client::new(&sdk), url: send_queue().to_owned(), arn: String::new() };
    let (sent, queued) = (ses.sent().await.len(), queue.depth().await);
    assert_eq!(sent + queued, 8, "sent through the sender local setup verified ({sent}) or queued ({queued})");
}
