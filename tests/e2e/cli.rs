//! The `invitations` command line, run as a user runs it, against the local server: every subcommand,
//! bad input, and a 1,000-address CSV interrupted part-way and run again.
use e2e::local_server::{temp_dir, LocalServer};
use e2e::runtime::binary;
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::time::Duration;
use tokio::process::Command;

fn cli(server: &LocalServer, token: &str) -> Command {
    let mut cmd = Command::new(binary("invitations"));
    cmd.env("INVITATIONS_API_URL", server.url("")).env("INVITATIONS_TOKEN", token).current_dir(&server.dir);
    cmd.kill_on_drop(true);
    cmd
}

async fn run(server: &LocalServer, args: &[&str]) -> Output {
    cli(server, &server.token).args(args).output().await.unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

fn outbox(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("outbox")).map_or(0, |d| d.count())
}

/// An invitee's token from the local server's development sign-in.
async fn sign_in(server: &LocalServer, email: &str) -> String {
    let res = reqwest::Client::new()
        .post(server.url("/dev/sign-in"))
        .json(&serde_json::json!({"email": email}))
        .send()
        .await
        .unwrap();
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_subcommand_against_the_local_server() {
    let server = LocalServer::start(temp_dir("cli"), &[], &[("RESEND_MIN_INTERVAL", "1s")]).await;
    let invite = run(
        &server,
        &["invite", "ann@example.com", "bob@example.com,cy@example.com", "nobody", "--infra", "basic_user"],
    )
    .await;
    assert_eq!(invite.status.code(), Some(3), "one invitee was not invited: {}", text(&invite.stderr));
    let table = text(&invite.stdout);
    assert!(table.starts_with("INVITEE") && table.lines().count() == 5, "{table}");
    let stderr = text(&invite.stderr);
    assert!(
        stderr.contains("4 invitees: 3 invited, 1 invalid") && stderr.contains("nobody: unknown user id"),
        "{stderr}"
    );

    let mut piped = cli(&server, &server.token)
        .args(["invite", "--file", "-", "--infra", "view_only", "-o", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = piped.stdin.take().unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stdin, b"dee@example.com\n\teve@example.com, dee@example.com\n")
        .await
        .unwrap();
    drop(stdin);
    let piped = piped.wait_with_output().await.unwrap();
    assert!(piped.status.success());
    let from_stdin: Vec<String> =
        json(&piped).as_array().unwrap().iter().map(|r| r["invitee"].as_str().unwrap().to_owned()).collect();
    assert_eq!(from_stdin, ["dee@example.com", "eve@example.com"], "standard input, each invitee once");

    let listed = json(&run(&server, &["list", "-o", "json"]).await);
    assert_eq!(listed.as_array().unwrap().len(), 5);
    let paged = run(&server, &["list", "--limit", "1"]).await;
    assert!(text(&paged.stderr).starts_with("more: --cursor "), "{}", text(&paged.stderr));
    let all = json(&run(&server, &["list", "--limit", "1", "--all", "-o", "json"]).await);
    assert_eq!(all, listed, "--all follows every cursor");
    let csv = text(&run(&server, &["list", "--status", "pending", "-o", "csv"]).await.stdout);
    assert_eq!(csv.lines().next(), Some("id,email,status,send_count,last_sent_at,expires_at"));
    assert_eq!(csv.lines().filter(|l| l.contains(",pending,")).count(), 5, "{csv}");

    let cancelled = json(&run(&server, &["cancel", "bob@example.com", "-o", "json"]).await);
    assert_eq!(
        (cancelled["email"].as_str(), cancelled["status"].as_str()),
        (Some("bob@example.com"), Some("cancelled"))
    );
    let linked = run(&server, &["link", "dee@example.com"]).await;
    let url = text(&linked.stdout);
    assert!(linked.status.success() && url.trim().contains("token="), "{url} {}", text(&linked.stderr));
    assert_eq!(url.lines().count(), 1, "the URL alone: {url}");
    let updated = json(&run(&server, &["update", "cy@example.com", "--infra", "view_only", "-o", "json"]).await);
    assert_eq!(updated["access"]["infrastructure"], serde_json::json!({"permissions": "view_only"}));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let resent = json(&run(&server, &["resend", "cy@example.com", "-o", "json"]).await);
    assert_eq!(resent["send_count"], 2);
    let again = run(&server, &["resend", "cy@example.com"]).await;
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(text(&again.stderr).lines().count(), 1, "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("resend_too_soon"));

    let link = server.link_to("ann@example.com");
    let invitee = sign_in(&server, "ann@example.com").await;
    let accepted = cli(&server, &invitee).args(["accept", link.as_str(), "-o", "json"]).output().await.unwrap();
    assert!(accepted.status.success(), "{}", text(&accepted.stderr));
    let member = &json(&accepted)["member"];
    assert_eq!((member["email"].as_str(), member["status"].as_str()), (Some("ann@example.com"), Some("active")));
    let users = json(&run(&server, &["users", "--status", "active", "-o", "json"]).await);
    assert_eq!(users.as_array().unwrap().len(), 1);
    let removed = json(&run(&server, &["remove-user", "ann@example.com", "-o", "json"]).await);
    assert_eq!(removed["user_id"], member["user_id"]);
    assert_eq!(json(&run(&server, &["users", "--status", "active", "-o", "json"]).await), serde_json::json!([]));

    let completions = run(&server, &["completions", "bash"]).await;
    assert!(completions.status.success() && text(&completions.stdout).contains("remove-user"));
    for sub in [
        "invite",
        "list",
        "users",
        "cancel",
        "update",
        "resend",
        "remove-user",
        "accept",
        "settings",
        "seats",
        "completions",
    ] {
        let help = run(&server, &[sub, "--help"]).await;
        assert!(help.status.success() && text(&help.stdout).contains("Examples:"), "{sub}");
    }
    server.stop().await;
}

#[tokio::test]
async fn settings_get_and_set_change_only_the_fields_given() {
    let server = LocalServer::start(temp_dir("cli-settings"), &[], &[]).await;
    let fresh = json(&run(&server, &["settings", "get", "-o", "json"]).await);
    assert_eq!((fresh["version"].as_u64(), &fresh["seat_limit"]), (Some(0), &Value::Null));
    let set =
        run(&server, &["settings", "set", "--seat-limit", "5", "--allowed-domains", "Example.com,x.io", "-o", "json"]);
    let first = json(&set.await);
    assert_eq!((first["version"].as_u64(), first["seat_limit"].as_u64()), (Some(1), Some(5)));
    assert_eq!(first["allowed_domains"], serde_json::json!(["example.com", "x.io"]));
    let second = json(&run(&server, &["settings", "set", "--ttl-days", "14", "-o", "json"]).await);
    assert_eq!((second["version"].as_u64(), second["invitation_ttl_days"].as_u64()), (Some(2), Some(14)));
    assert_eq!((&second["seat_limit"], &second["allowed_domains"]), (&first["seat_limit"], &first["allowed_domains"]));
    let table = text(&run(&server, &["settings", "get"]).await.stdout);
    assert!(table.starts_with("SEAT LIMIT") && table.contains("example.com,x.io"), "{table}");
    for bad in [
        &["settings", "set"][..],
        &["settings", "set", "--allowed-domains", "not a domain"],
        &["settings", "set", "--ttl-days", "400"],
    ] {
        let out = run(&server, bad).await;
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", text(&out.stderr));
        assert_eq!(text(&out.stderr).lines().count(), 1, "{}", text(&out.stderr));
    }
    let unchanged = json(&run(&server, &["settings", "get", "-o", "json"]).await);
    assert_eq!(unchanged, second);

    // The seats: the limit set above, and each invitation holding one.
    assert_eq!(
        json(&run(&server, &["seats", "-o", "json"]).await),
        serde_json::json!({"limit": 5, "active": 0, "pending": 0})
    );
    assert!(run(&server, &["invite", "ann@x.io", "--infra", "basic_user"]).await.status.success());
    let table = text(&run(&server, &["seats"]).await.stdout);
    assert!(
        table.starts_with("LIMIT") && table.lines().nth(1).is_some_and(|l| l.split_whitespace().eq(["5", "0", "1"])),
        "{table}"
    );
    assert!(run(&server, &["settings", "set", "--seat-limit", "1"]).await.status.success());
    let full = run(&server, &["invite", "bob@x.io", "--infra", "basic_user"]).await;
    assert_eq!(full.status.code(), Some(3), "not every invitee invited: {}", text(&full.stdout));
    assert!(text(&full.stdout).contains("seat_limit_reached"), "{}", text(&full.stdout));
    assert!(text(&full.stderr).starts_with("1 invitees: 1 seat_limit_reached"), "{}", text(&full.stderr));
    server.stop().await;
}

#[tokio::test]
async fn bad_input_is_one_line_and_exit_status_2_with_nothing_sent() {
    let server = LocalServer::start(temp_dir("cli-bad"), &[], &[]).await;
    std::fs::write(server.dir.join("people.csv"), "name,address\nAnn,ann@x.io\n").unwrap();
    std::fs::write(server.dir.join("access.json"), r#"{"infrastructure": {"permissions": "root"}}"#).unwrap();
    let cases: &[&[&str]] = &[
        &["invite", "--file", "missing.txt", "--infra", "basic_user"],
        &["invite", "--file", "people.csv", "--infra", "basic_user"],
        &["invite", "ann@x.io", "--infra", "root"],
        &["invite", "ann@x.io", "--iam", "kms=Owner"],
        &["invite", "ann@x.io"],
        &["invite", "ann@x.io", "--access-file", "access.json"],
        &["list", "--limit", "ten"],
        &["list", "--status", "bogus"],
        &["cancel"],
    ];
    for args in cases {
        let out = run(&server, args).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
    let no_token =
        Command::new(binary("invitations")).args(["list"]).env_remove("INVITATIONS_TOKEN").output().await.unwrap();
    assert_eq!(no_token.status.code(), Some(2), "{}", text(&no_token.stderr));
    let bad_token = cli(&server, "e30.eyJhY2NvdW50X2lkIjoiYWNtZSJ9.x").args(["list"]).output().await.unwrap();
    assert_eq!(
        (bad_token.status.code(), text(&bad_token.stderr).lines().count()),
        (Some(1), 1),
        "{}",
        text(&bad_token.stderr)
    );
    let down = Command::new(binary("invitations"))
        .args(["--api-url", "http://127.0.0.1:9", "--token", &server.token, "list"])
        .output()
        .await
        .unwrap();
    assert_eq!(down.status.code(), Some(1));
    assert!(text(&down.stderr).starts_with("error: cannot reach the API"), "{}", text(&down.stderr));
    assert_eq!(outbox(&server.dir), 0, "nothing sent");
    assert_eq!(json(&run(&server, &["list", "-o", "json"]).await), serde_json::json!([]), "nothing stored");
    server.stop().await;
}

#[tokio::test]
async fn a_thousand_address_csv_interrupted_and_run_again_invites_and_emails_each_once() {
    let _turn = e2e::heavy_test().await;
    let server = LocalServer::start(temp_dir("cli-bulk"), &[], &[]).await;
    let mut csv = String::from("name,email,team\n");
    for i in 0..1000 {
        csv.push_str(&format!("Person {i},p{i}@bulk.example.com,red\n"));
    }
    std::fs::write(server.dir.join("team.csv"), csv).unwrap();
    let args = ["invite", "--file", "team.csv", "--infra", "basic_user", "--parallel", "1", "-o", "json"];
    let mut first = cli(&server, &server.token).args(args).spawn().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while outbox(&server.dir) < 150 {
        assert!(tokio::time::Instant::now() < deadline, "the first run sent too little");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill().await.unwrap();
    let sent_before = outbox(&server.dir);
    assert!(sent_before < 1000, "interrupted part-way: {sent_before}");

    let second = cli(&server, &server.token).args(args).output().await.unwrap();
    assert!(second.status.success(), "{}", text(&second.stderr));
    let results = json(&second);
    assert_eq!(results.as_array().unwrap().len(), 1000);
    assert!(results.as_array().unwrap().iter().all(|r| r["outcome"] == "invited"), "the first answers, replayed");
    let listed = json(&run(&server, &["list", "--all", "--limit", "100", "-o", "json"]).await);
    assert_eq!(listed.as_array().unwrap().len(), 1000);
    assert_eq!(outbox(&server.dir), 1000, "each email exactly once ({sent_before} before the interruption)");
    server.stop().await;
}

/// Two administrators of one account (two local servers on one DynamoDB table, each with its own
/// development token) run the same file: each command goes through with answers of its own, and the
/// first administrator's re-run replays theirs; every invitee has one email.
#[tokio::test]
async fn two_administrators_running_the_same_file_are_independent() {
    let sdk = e2e::sdk().await;
    let table = e2e::new_table(&aws_sdk_dynamodb::Client::new(&sdk)).await;
    let mut env: Vec<(&str, String)> = vec![("TABLE_NAME", table)];
    env.extend(e2e::aws_env());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let ann = LocalServer::start(temp_dir("cli-ann"), &["--dynamodb", "--user", "ann"], &env).await;
    let bob = LocalServer::start(temp_dir("cli-bob"), &["--dynamodb", "--user", "bob"], &env).await;
    let people: String = (0..150).map(|i| format!("team{i}@example.com\n")).collect();
    for server in [&ann, &bob] {
        std::fs::write(server.dir.join("team.txt"), &people).unwrap();
    }
    let args = ["invite", "--file", "team.txt", "--infra", "basic_user", "-o", "json"];
    let outcomes = |out: &Output| -> Vec<String> {
        json(out).as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap().to_owned()).collect()
    };

    let first = cli(&ann, &ann.token).args(args).output().await.unwrap();
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(outcomes(&first).iter().all(|o| o == "invited"));
    let other = cli(&bob, &bob.token).args(args).output().await.unwrap();
    assert_eq!(other.status.code(), Some(3), "all already invited: {}", text(&other.stderr));
    assert!(outcomes(&other).iter().all(|o| o == "already_invited"), "{}", text(&other.stdout));
    let again = cli(&ann, &ann.token).args(args).output().await.unwrap();
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(json(&again), json(&first), "the first administrator's answers, replayed");
    assert_eq!((outbox(&ann.dir), outbox(&bob.dir)), (150, 0), "one email each");
    ann.stop().await;
    bob.stop().await;
}

#[tokio::test]
async fn complaints_pause_the_local_account_and_account_resume_lifts_it() {
    let server = LocalServer::start(temp_dir("cli-pause"), &[], &[]).await;
    let status = run(&server, &["account", "status"]).await;
    assert!(status.status.success(), "{}", text(&status.stderr));
    let table = text(&status.stdout);
    assert!(table.starts_with("PAUSED") && table.lines().nth(1).unwrap().starts_with("false"), "{table}");

    // SES's mailbox simulator complains of both emails: two complaints in two emails.
    let invite = run(
        &server,
        &[
            "invite",
            "complaint+1@simulator.amazonses.com",
            "complaint+2@simulator.amazonses.com",
            "--infra",
            "basic_user",
        ],
    )
    .await;
    assert!(invite.status.success(), "{}", text(&invite.stderr));
    let paused = json(&run(&server, &["account", "status", "-o", "json"]).await);
    assert_eq!(
        (&paused["paused"], &paused["pause"]["cause"]),
        (&Value::Bool(true), &Value::from("complaints")),
        "{paused}"
    );

    let refused = run(&server, &["invite", "ann@example.com", "--infra", "basic_user"]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stdout));
    assert!(text(&refused.stderr).contains("sending is paused for this account"), "{}", text(&refused.stderr));

    let resumed = run(&server, &["account", "resume"]).await;
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert!(
        text(&resumed.stdout).starts_with("CAUSE") && text(&resumed.stdout).contains("complaints"),
        "{}",
        text(&resumed.stdout)
    );
    let again = run(&server, &["account", "resume"]).await;
    assert_eq!(text(&again.stdout).trim(), "sending was not paused; nothing changed");
    let invited = run(&server, &["invite", "ann@example.com", "--infra", "basic_user"]).await;
    assert!(invited.status.success(), "{}", text(&invited.stderr));
}
