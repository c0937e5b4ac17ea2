//! Runs the README's walkthrough against the local server, exactly as written, and compares each step's
//! output with the output the README shows, so the README cannot go stale.
use e2e::local_server::{temp_dir, LocalServer};

/// The walkthrough's (commands, expected output) pairs, in order.
fn walkthrough() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let start = readme.find("<!-- walkthrough").expect("a walkthrough in the README");
    let end = readme.find("<!-- /walkthrough -->").unwrap();
    let mut blocks = Vec::new();
    let mut rest = &readme[start..end];
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let (lang, body) = after.split_once('\n').unwrap();
        let close = body.find("```").unwrap();
        blocks.push((lang.trim().to_owned(), body[..close].to_owned()));
        rest = &body[close + 3..];
    }
    let pairs: Vec<(String, String)> = blocks
        .chunks(2)
        .map(|pair| {
            assert_eq!(
                (pair[0].0.as_str(), pair[1].0.as_str()),
                ("sh", "text"),
                "each command block is followed by its output"
            );
            (pair[0].1.clone(), pair[1].1.clone())
        })
        .collect();
    assert!(pairs.len() >= 5);
    pairs
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect()
}

/// PATH with the built `invitations` first, as `cargo install --path cli` would leave it.
fn path_with_the_cli() -> std::ffi::OsString {
    let built = e2e::runtime::binary("invitations");
    let mut dirs = vec![built.parent().unwrap().to_path_buf()];
    dirs.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(dirs).unwrap()
}

#[tokio::test]
async fn the_readme_walkthrough_gives_the_output_it_shows() {
    let steps = walkthrough();
    let server = LocalServer::start(temp_dir("walkthrough"), &[], &[]).await;
    let mut script = String::from("set -u\n");
    for (i, (commands, _)) in steps.iter().enumerate() {
        script.push_str(&format!(
            "echo '@@step {i}'\n{}\n",
            commands.replace("127.0.0.1:3000", &format!("127.0.0.1:{}", server.port))
        ));
    }
    let out = tokio::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("TOKEN", &server.token)
        .env("PATH", path_with_the_cli())
        .current_dir(&server.dir)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let sections: Vec<&str> =
        stdout.split("@@step ").skip(1).map(|s| s.split_once('\n').map_or("", |(_, rest)| rest)).collect();
    assert_eq!(sections.len(), steps.len());
    for ((commands, expected), got) in steps.iter().zip(sections) {
        assert_eq!(lines(got), lines(expected), "the output of\n{commands}");
    }
    server.stop().await;
}
