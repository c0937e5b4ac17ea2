//! The deployed console's sign-in, for real in the browser: OpenID Connect's authorization code flow
//! with PKCE against a stand-in issuer on loopback, with the local server serving the console as the
//! `console` function does (`OIDC_*`). The issuer hands out a token the local server accepts; the
//! page must send the S256 challenge, a state and a nonce, prove the verifier, refuse an answer whose
//! state or nonce is not its own, and keep the token out of storage and the address.
use super::*;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use e2e::issuer::{Issuer, CLIENT_ID};
use sha2::{Digest, Sha256};

async fn storage(c: &Client) -> Value {
    c.execute("return [sessionStorage.length, localStorage.length, document.cookie];", vec![]).await.unwrap()
}

async fn click_sign_in(c: &Client) {
    shown(c, "#oidc-sign-in").await;
    click(c, "#oidc-sign-in-button").await;
}

#[tokio::test]
async fn the_console_signs_in_with_the_issuer_using_pkce_and_keeps_the_token_in_memory() {
    let issuer = Issuer::start().await;
    let env = [("OIDC_ISSUER", issuer.url.as_str()), ("OIDC_CLIENT_ID", CLIENT_ID), ("OIDC_SCOPES", "openid email")];
    let bench = Bench::start("console-oidc", &env).await;
    let (c, server) = (&bench.browser.client, &bench.server);
    within_limit(async {
        // The token the issuer will hand out: one the local server signed for an account of its own.
        let http = reqwest::Client::new();
        let body = json!({"account_id": "oidc-acct", "roles": "owner", "sub": "oidc-admin", "email": "olga.admin@example.com"});
        let signed: Value = http.post(server.url("/dev/console-sign-in")).body(body.to_string()).send().await.unwrap().json().await.unwrap();
        let token = signed["token"].as_str().unwrap().to_owned();
        issuer.hand_out(&token);
        let invite = json!({"invitees": "olga@example.com", "access": e2e::access_infra()});
        let resp = http.post(server.url("/accounts/oidc-acct/invitations")).bearer_auth(&token).body(invite.to_string()).send().await.unwrap();
        assert_eq!(resp.status(), 201);

        let page = http.get(server.url("/")).send().await.unwrap();
        let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains(&format!("connect-src 'self' {};", issuer.url)), "the page may reach the issuer: {csp}");

        c.goto(&server.url("/")).await.unwrap();
        assert!(!is_shown(c, "#dev-sign-in").await, "no development sign-in when an issuer is set");
        click_sign_in(c).await;
        shown(c, "#users").await;
        loaded(c).await;
        assert_eq!(text(c, "#who-account").await, "oidc-acct");
        assert_eq!(text(c, "#who-name").await, "olga.admin@example.com");
        assert_eq!(row_status(c, "olga@example.com").await, "Pending", "the list came with the issuer's token");

        let authorizations = issuer.authorizations();
        assert_eq!(authorizations.len(), 1);
        let asked = &authorizations[0].params;
        assert_eq!(asked["response_type"], "code");
        assert_eq!(asked["client_id"], CLIENT_ID);
        assert_eq!(asked["redirect_uri"], server.url("/"));
        assert_eq!(asked["scope"], "openid email");
        assert_eq!(asked["code_challenge_method"], "S256");
        assert_eq!(asked["code_challenge"].len(), 43, "a SHA-256 digest, base64url");
        assert!(asked["state"].len() >= 16 && asked["nonce"].len() >= 16, "{asked:?}");
        let exchanges = issuer.exchanges();
        assert_eq!(exchanges.len(), 1);
        assert!(exchanges[0].verifier_matched && exchanges[0].answered == 200, "{exchanges:?}");

        assert_eq!(c.current_url().await.unwrap().as_str(), server.url("/"), "code and state left the address");
        assert_eq!(storage(c).await, json!([0, 0, ""]), "nothing in storage or cookies");
        let held = c.execute("return document.documentElement.outerHTML.includes(arguments[0]);", vec![json!(token)]);
        assert_eq!(held.await.unwrap(), json!(false), "the token is nowhere in the page");

        // An answer with another state than the one sent is refused before any token is asked for.
        sign_out_oidc(c).await;
        issuer.answer_with_wrong_state(true);
        click_sign_in(c).await;
        let problem = text_until(c, "#problem", |t| !t.is_empty()).await;
        assert!(problem.starts_with("This sign-in answer does not belong to a sign-in started on this page"), "{problem}");
        assert_eq!(issuer.exchanges().len(), 1, "no code was exchanged");
        assert!(!is_shown(c, "#users").await);
        assert_eq!(c.current_url().await.unwrap().as_str(), server.url("/"));
        assert_eq!(storage(c).await, json!([0, 0, ""]));
        issuer.answer_with_wrong_state(false);

        // Nor is an answer the page never asked for.
        c.goto(&server.url("/?code=stolen&state=guessed")).await.unwrap();
        let problem = text_until(c, "#problem", |t| !t.is_empty()).await;
        assert!(problem.starts_with("This sign-in answer does not belong"), "{problem}");
        assert_eq!(issuer.exchanges().len(), 1);

        // A refusal from the issuer is said as such, with its code and nothing else from the address.
        c.goto(&server.url("/?error=access_denied&error_description=Call+this+number&state=x")).await.unwrap();
        let problem = text_until(c, "#problem", |t| !t.is_empty()).await;
        assert_eq!(problem, "The sign-in service did not sign you in (access_denied). Sign in again.");
        assert_eq!(c.current_url().await.unwrap().as_str(), server.url("/"));

        // An ID token for another nonce is not this sign-in's.
        issuer.answer_with_wrong_nonce(true);
        click_sign_in(c).await;
        let problem = text_until(c, "#problem", |t| t.contains("not for this sign-in")).await;
        assert_eq!(problem, "The sign-in service's answer is not for this sign-in, so it was not used. Sign in again.");
        assert_eq!(issuer.exchanges().len(), 2);
        assert!(!is_shown(c, "#users").await);
        assert_eq!(storage(c).await, json!([0, 0, ""]));
    })
    .await;
    bench.stop().await;
}

async fn sign_out_oidc(c: &Client) {
    click(c, "#sign-out").await;
    shown(c, "#oidc-sign-in").await;
}

/// The stand-in's own check, without a browser: only the verifier of the challenge gets a token.
#[tokio::test]
async fn the_stand_in_issuer_hands_out_tokens_for_the_right_verifier_only() {
    let issuer = Issuer::start().await;
    issuer.hand_out("the-token");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let verifier = "a-verifier-of-forty-three-characters-at-least-x";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let authorize = |challenge: String| {
        let query = [
            ("response_type", "code".to_owned()),
            ("client_id", CLIENT_ID.to_owned()),
            ("redirect_uri", "http://127.0.0.1:1/".to_owned()),
            ("state", "s".to_owned()),
            ("nonce", "n".to_owned()),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256".to_owned()),
        ];
        http.get(format!("{}/authorize", issuer.url)).query(&query).send()
    };
    let back = authorize(challenge).await.unwrap();
    assert_eq!(back.status(), 302);
    let location = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    let code = location.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let exchange = |verifier: &str| {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:1/"),
            ("client_id", CLIENT_ID),
            ("code_verifier", verifier),
        ];
        http.post(format!("{}/token", issuer.url)).form(&form).send()
    };
    assert_eq!(exchange("another-verifier").await.unwrap().status(), 400);
    let ok = exchange(verifier).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<Value>().await.unwrap()["access_token"], "the-token");
    assert_eq!(exchange(verifier).await.unwrap().status(), 400, "a code is spent once");
    let judged: Vec<(bool, u16)> = issuer.exchanges().iter().map(|e| (e.verifier_matched, e.answered)).collect();
    assert_eq!(judged, [(false, 400), (true, 200), (true, 400)]);
}
