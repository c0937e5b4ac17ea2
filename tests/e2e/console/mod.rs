//! The Users window in a real browser, against the built local server: what an administrator does
//! there, as a person would do it (`flow`), what each caller is offered (`access`), how the page treats
//! markup, the keyboard and axe-core (`page`), the list's paging, filters and search (`list`), and the
//! OpenID Connect sign-in against a stand-in issuer (`oidc`). Every wait is for a condition, and each test
//! is bounded, so nothing hangs.
mod access;
mod flow;
mod list;
mod oidc;
mod page;

use e2e::browser::Browser;
use e2e::local_server::{temp_dir, LocalServer};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use std::future::Future;
use std::time::{Duration, Instant};

/// Each test ends by itself, and its browser and server with it, even if the page never answers.
async fn within_limit(test: impl Future<Output = ()>) {
    tokio::time::timeout(Duration::from_secs(240), test).await.expect("the console test finished in time");
}

/// A local server in a folder of its own, with a browser.
struct Bench {
    server: LocalServer,
    browser: Browser,
}

impl Bench {
    async fn start(name: &str, env: &[(&str, &str)]) -> Self {
        let server = LocalServer::start(temp_dir(name), &[], env).await;
        Self { server, browser: Browser::start().await }
    }

    async fn stop(self) {
        self.browser.close().await;
        let dir = self.server.dir.clone();
        self.server.stop().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Waits until `check` holds, for at most 15 seconds.
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check().await {
        assert!(Instant::now() < deadline, "waited in vain for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn shown(c: &Client, css: &str) -> Element {
    let visible = format!("{css}:not([hidden])");
    match c.wait().at_most(Duration::from_secs(15)).for_element(Locator::Css(&visible)).await {
        Ok(element) => element,
        Err(e) => panic!("{css} is not shown: {e}; the page: {}", c.source().await.unwrap_or_default()),
    }
}

async fn is_shown(c: &Client, css: &str) -> bool {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).text().await.unwrap()
}

/// Waits until the element's text satisfies `check`, and returns it.
async fn text_until(c: &Client, css: &str, check: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            last = e.text().await.unwrap_or_default();
            if check(&last) {
                return last;
            }
        }
        assert!(Instant::now() < deadline, "{css} never read as expected; last: {last:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.unwrap();
}

async fn fill(c: &Client, css: &str, value: &str) {
    let field = c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Presses keys on whatever has the focus, as a keyboard does.
async fn press(c: &Client, keys: &[char]) {
    let mut actions = KeyActions::new("keyboard".into());
    for key in keys {
        actions = actions.then(KeyAction::Down { value: *key }).then(KeyAction::Up { value: *key });
    }
    c.perform_actions(actions).await.unwrap();
}

async fn type_text(c: &Client, text: &str) {
    let keys: Vec<char> = text.chars().map(|ch| if ch == '\n' { Key::Enter.into() } else { ch }).collect();
    press(c, &keys).await;
}

/// Presses Tab until the element `css` has the focus; a control Tab never reaches fails the test.
async fn tab_to(c: &Client, css: &str) {
    for _ in 0..80 {
        let script = "return document.activeElement && document.activeElement.matches(arguments[0]);";
        if c.execute(script, vec![json!(css)]).await.unwrap() == json!(true) {
            return;
        }
        press(c, &[Key::Tab.into()]).await;
    }
    panic!("Tab never reached {css}");
}

/// Signs in with the development form: the account, exactly these roles, a user id.
async fn sign_in(c: &Client, account: &str, roles: &[&str], user: &str) {
    shown(c, "#dev-sign-in").await;
    fill(c, "#dev-account", account).await;
    fill(c, "#dev-user", user).await;
    for role in ["owner", "org_manager", "infra_add_users", "iam_admin"] {
        let box_ = c.find(Locator::Css(&format!("#dev-roles input[value='{role}']"))).await.unwrap();
        if box_.is_selected().await.unwrap() != roles.contains(&role) {
            box_.click().await.unwrap();
        }
    }
    click(c, "#dev-sign-in-button").await;
    shown(c, "#users").await;
    loaded(c).await;
}

/// Waits for the list to finish loading.
async fn loaded(c: &Client) {
    text_until(c, "#list-note", |t| !t.is_empty() && t != "Loading…").await;
}

async fn sign_out(c: &Client) {
    click(c, "#sign-out").await;
    shown(c, "#dev-sign-in").await;
}

/// The row of `email` in the Users table.
async fn row(c: &Client, email: &str) -> Element {
    let xpath = format!("//tbody[@id='rows']/tr[.//span[@class='email' and normalize-space(.)='{email}']]");
    match c.wait().at_most(Duration::from_secs(15)).for_element(Locator::XPath(&xpath)).await {
        Ok(row) => row,
        Err(e) => panic!("no row for {email}: {e}; the rows: {}", text(c, "#rows").await),
    }
}

/// What the page shows of `email`'s row, read in one go (rows are redrawn as the list changes): its
/// status, its whole text and its actions; `None` while there is no such row.
async fn row_view(c: &Client, email: &str) -> Option<(String, String, Vec<String>)> {
    let script = r##"
        const row = [...document.querySelectorAll("#rows tr")]
            .find((tr) => tr.querySelector(".email").textContent === arguments[0]);
        if (!row) return null;
        return [row.querySelector(".status").textContent, row.innerText,
                [...row.querySelectorAll("button[data-action]")].map((b) => b.dataset.action)];
    "##;
    let got = c.execute(script, vec![json!(email)]).await.unwrap();
    serde_json::from_value(got).unwrap()
}

async fn shown_row(c: &Client, email: &str) -> (String, String, Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(view) = row_view(c, email).await {
            return view;
        }
        assert!(Instant::now() < deadline, "no row for {email}; the rows: {:?}", emails(c).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn row_status(c: &Client, email: &str) -> String {
    shown_row(c, email).await.0
}

async fn row_text(c: &Client, email: &str) -> String {
    shown_row(c, email).await.1
}

async fn actions_of(c: &Client, email: &str) -> Vec<String> {
    shown_row(c, email).await.2
}

/// Clicks the row's action, as a pointer does, once the row shows it.
async fn click_action(c: &Client, email: &str, action: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let button = row(c, email).await.find(Locator::Css(&format!("button[data-action='{action}']"))).await;
        if let Ok(button) = button {
            if button.click().await.is_ok() {
                return;
            }
        }
        assert!(Instant::now() < deadline, "no {action} on {email}'s row");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Clicks the row's action and confirms it in the dialog.
async fn act(c: &Client, email: &str, action: &str) {
    click_action(c, email, action).await;
    shown(c, "#confirm[open]").await;
    click(c, "#confirm-ok").await;
    until("the dialog to close", || async { !is_shown(c, "#confirm").await }).await;
}

/// Emails of the rows shown, in order.
async fn emails(c: &Client) -> Vec<String> {
    let script = r##"return [...document.querySelectorAll("#rows .email")].map((e) => e.textContent);"##;
    serde_json::from_value(c.execute(script, vec![]).await.unwrap()).unwrap()
}

/// An API call with the server's printed token (account `acme`, role `owner`).
async fn api(server: &LocalServer, method: &str, path: &str, body: Option<Value>) -> Value {
    let http = reqwest::Client::new();
    let mut req = http.request(method.parse().unwrap(), server.url(path)).bearer_auth(&server.token);
    if let Some(body) = body {
        req = req.body(body.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status < 300, "{method} {path}: {status} {body}");
    body
}

async fn invite_by_api(server: &LocalServer, invitees: &str, access: Value) -> Value {
    api(server, "POST", "/accounts/acme/invitations", Some(json!({"invitees": invitees, "access": access}))).await
}

/// The invitation of `email` as the API lists it.
async fn invitation(server: &LocalServer, email: &str) -> Value {
    let list = api(server, "GET", &format!("/accounts/acme/invitations?email={email}"), None).await;
    list["invitations"][0].clone()
}

/// Accepts the newest emailed link to `email` in a browser session of its own, as the invitee would.
async fn accept_in_another_session(bench: &Bench, email: &str) {
    let c = bench.browser.session("invitee").await;
    c.goto(bench.server.link_to(email).as_str()).await.unwrap();
    fill(&c, "#email", email).await;
    click(&c, "#sign-in-button").await;
    shown(&c, "#step-accept").await;
    click(&c, "#accept").await;
    shown(&c, "#done").await;
    assert_eq!(text(&c, "#member-status").await, "active");
    let _ = c.close().await;
}

/// Saves the page, `height` pixels of it, as `docs/<name>.png` when `UPDATE_SCREENSHOTS` is set (the
/// README shows them), so a test run never changes a checkout unless asked to.
async fn screenshot(c: &Client, name: &str, height: u32) {
    if std::env::var_os("UPDATE_SCREENSHOTS").is_none() {
        return;
    }
    c.set_window_size(1280, height).await.unwrap();
    let png = c.screenshot().await.unwrap();
    c.set_window_size(1280, 900).await.unwrap();
    std::fs::write(e2e::template::repo(&format!("docs/{name}.png")), png).unwrap();
}
