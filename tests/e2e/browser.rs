//! The accept page in a real browser: the link of an outbox email, opened by headless Chromium against
//! the built local server, signed in with its development sign-in and accepted with the page's button.
//! What a mail scanner does to the same link (a plain GET) must change nothing.
use e2e::browser::Browser;
use e2e::local_server::{temp_dir, LocalServer};
use fantoccini::{elements::Element, Client, Locator};
use serde_json::{json, Value};
use std::future::Future;
use std::time::Duration;

/// Each test ends by itself, and its browser and server with it, even if the page never answers.
async fn within_limit(test: impl Future<Output = ()>) {
    tokio::time::timeout(Duration::from_secs(120), test).await.expect("the browser test finished in time");
}

async fn invite(server: &LocalServer, email: &str) -> String {
    let body = json!({"invitees": email, "access": {"infrastructure": {"permissions": "basic_user"}}});
    let resp = reqwest::Client::new()
        .post(server.url("/accounts/acme/invitations"))
        .bearer_auth(&server.token)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let answer: Value = resp.json().await.unwrap();
    answer["results"][0]["invitation"]["id"].as_str().expect("an invitation id").to_owned()
}

/// The invitation's status as the administrator's list shows it.
async fn status_of(server: &LocalServer, email: &str) -> String {
    let resp = reqwest::Client::new()
        .get(server.url("/accounts/acme/invitations"))
        .query(&[("email", email)])
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap();
    let list: Value = resp.json().await.unwrap();
    list["invitations"][0]["status"].as_str().unwrap_or_else(|| panic!("{email} is listed: {list}")).to_owned()
}

/// The account's Users list, as (address, status) rows.
async fn users_of(server: &LocalServer) -> Vec<(String, String)> {
    let resp = reqwest::Client::new().get(server.url("/accounts/acme/users")).bearer_auth(&server.token).send();
    let users: Value = resp.await.unwrap().json().await.unwrap();
    let rows = users["users"].as_array().unwrap_or_else(|| panic!("{users}"));
    rows.iter().map(|u| (u["email"].as_str().unwrap().to_owned(), u["status"].as_str().unwrap().to_owned())).collect()
}

/// The emailed link, checked to lead to this server's accept page for this invitation.
fn link(server: &LocalServer, email: &str, id: &str) -> String {
    let link = server.link_to(email);
    assert_eq!(link.as_str().split('?').next(), Some(server.url("/accept").as_str()));
    let param = |name: &str| link.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    assert_eq!((param("account").as_deref(), param("invitation").as_deref()), (Some("acme"), Some(id)));
    link.to_string()
}

async fn shown(c: &Client, css: &str) -> Element {
    let visible = format!("{css}:not([hidden])");
    match c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(&visible)).await {
        Ok(element) => element,
        Err(e) => panic!("{css} is not shown: {e}; the page: {}", c.source().await.unwrap_or_default()),
    }
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

async fn is_hidden(c: &Client, css: &str) -> bool {
    c.find(Locator::Css(css)).await.unwrap().attr("hidden").await.unwrap().is_some()
}

async fn sign_in(c: &Client, email: &str) {
    let field = c.find(Locator::Css("#email")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(email).await.unwrap();
    c.find(Locator::Css("#sign-in-button")).await.unwrap().click().await.unwrap();
    shown(c, "#step-accept").await;
    assert_eq!(text(c, "#signed-in-as").await, email.to_lowercase());
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
}

#[tokio::test]
async fn the_emailed_link_opens_the_page_and_only_its_button_accepts() {
    let server = LocalServer::start(temp_dir("browser-accept"), &[], &[]).await;
    let browser = Browser::start().await;
    within_limit(async {
        let id = invite(&server, "ann@example.com").await;
        let link = link(&server, "ann@example.com", &id);

        // A mail scanner fetching the link, twice: the page, and nothing spent.
        for _ in 0..2 {
            let resp = reqwest::get(&link).await.unwrap();
            assert_eq!(resp.status(), 200);
            let headers = resp.headers().clone();
            assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
            assert_eq!(headers["cache-control"], "no-store");
            let html = resp.text().await.unwrap();
            assert!(html.contains(r#"<meta name="referrer" content="no-referrer">"#));
            assert!(html.contains(">acme</dd>") && html.contains(&format!(">{id}</dd>")), "{html}");
            for external in ["src=\"http", "href=\"http", "src='http", "href='http", "src=\"//", "href=\"//"] {
                assert!(!html.contains(external), "the page loads {external}…: {html}");
            }
        }
        assert_eq!(status_of(&server, "ann@example.com").await, "pending", "a GET spends nothing");

        let c = &browser.client;
        c.goto(&link).await.unwrap();
        assert_eq!(text(c, "#account").await, "acme");
        assert_eq!(text(c, "#invitation").await, id);
        assert!(is_hidden(c, "#step-accept").await && is_hidden(c, "#done").await, "only the sign-in at first");
        assert_eq!(status_of(&server, "ann@example.com").await, "pending", "opening the page spends nothing");

        sign_in(c, "Ann@Example.com").await;
        click(c, "#accept").await;
        shown(c, "#done").await;
        assert_eq!(text(c, "#member-account").await, "acme");
        assert_eq!(text(c, "#member-status").await, "active");
        assert_eq!(text(c, "#member-email").await, "ann@example.com");
        assert!(text(c, "#member-user").await.starts_with("dev-"));
        assert!(text(c, "#done").await.contains("You are now a member of account acme"));
        assert!(is_hidden(c, "#problem").await);
        assert_eq!(status_of(&server, "ann@example.com").await, "accepted");
        assert_eq!(users_of(&server).await, [("ann@example.com".to_owned(), "active".to_owned())], "a member now");

        // Everything the page fetched, itself included, came from the server's own origin.
        let fetched = c
            .execute("return performance.getEntries().map(e => e.name).filter(n => /^[a-z]+:/.test(n));", vec![])
            .await
            .unwrap();
        let fetched: Vec<String> = serde_json::from_value(fetched).unwrap();
        let origin = server.url("/");
        assert!(fetched.iter().any(|n| n.ends_with("/dev/sign-in")), "the fetches are recorded: {fetched:?}");
        assert!(fetched.iter().any(|n| n.ends_with(&format!("/invitations/{id}/accept"))), "{fetched:?}");
        assert!(fetched.iter().all(|n| n.starts_with(&origin)), "a resource from elsewhere: {fetched:?}");
    })
    .await;
    browser.close().await;
    server.stop().await;
}

#[tokio::test]
async fn another_address_is_refused_and_the_invitation_stays_open() {
    let server = LocalServer::start(temp_dir("browser-mismatch"), &[], &[]).await;
    let browser = Browser::start().await;
    within_limit(async {
        let id = invite(&server, "bea@example.com").await;
        let link = link(&server, "bea@example.com", &id);
        let c = &browser.client;
        c.goto(&link).await.unwrap();
        sign_in(c, "mallory@example.com").await;
        click(c, "#accept").await;
        let problem = shown(c, "#problem").await.text().await.unwrap();
        assert!(problem.starts_with("email_mismatch: ") && problem.contains("b***@example.com"), "{problem}");
        assert!(is_hidden(c, "#done").await);
        assert_eq!(status_of(&server, "bea@example.com").await, "pending", "a refusal spends nothing");

        // The right person can still accept, on the same page.
        click(c, "#sign-out").await;
        shown(c, "#step-sign-in").await;
        sign_in(c, "bea@example.com").await;
        click(c, "#accept").await;
        shown(c, "#done").await;
        assert_eq!(text(c, "#member-status").await, "active");
        assert_eq!(status_of(&server, "bea@example.com").await, "accepted");

        // Markup in a link's values stays text.
        let hostile = "<img src=x onerror=\"window.pwned=1\"><b>bold</b>";
        let mut url = url::Url::parse(&server.url("/accept")).unwrap();
        url.query_pairs_mut().append_pair("account", hostile).append_pair("invitation", &id).append_pair("token", "t");
        c.goto(url.as_str()).await.unwrap();
        assert_eq!(text(c, "#account").await, hostile);
        assert!(c.find_all(Locator::Css("img, b")).await.unwrap().is_empty(), "the value became markup");
        assert_eq!(c.execute("return window.pwned === undefined;", vec![]).await.unwrap(), json!(true));
    })
    .await;
    browser.close().await;
    server.stop().await;
}

#[tokio::test]
async fn the_development_sign_in_gives_an_invitee_token_only() {
    let server = LocalServer::start(temp_dir("sign-in"), &[], &[]).await;
    let http = reqwest::Client::new();
    let sign_in = |body: String| http.post(server.url("/dev/sign-in")).body(body).send();
    let resp = sign_in(json!({"email": "not-an-address"}).to_string()).await.unwrap();
    assert_eq!(resp.status(), 400);
    let refused: Value = resp.json().await.unwrap();
    assert_eq!(refused["error"]["code"], "invalid_request", "{refused}");
    assert_eq!(sign_in("{".into()).await.unwrap().status(), 400);

    let resp = sign_in(json!({"email": "cy@example.com"}).to_string()).await.unwrap();
    assert_eq!(resp.status(), 200);
    let token = resp.json::<Value>().await.unwrap()["token"].as_str().expect("a token").to_owned();
    // No account and no roles: the administrator's routes take the invitee for nobody.
    let list = http.get(server.url("/accounts/acme/invitations")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(list.status(), 401);
    let answer: Value = list.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "unauthenticated", "{answer}");
    // The page's GET only renders, whatever the method a client tries.
    let post = http.post(server.url("/accept?account=acme&invitation=i&token=t")).send().await.unwrap();
    assert_eq!(post.status(), 404);
    server.stop().await;
}
