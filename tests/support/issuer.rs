//! A stand-in OpenID Connect issuer on loopback, for the console's sign-in: discovery, an authorize
//! endpoint that sends the browser back with a code, and a token endpoint that hands out the tokens
//! only for the PKCE verifier whose S256 challenge the authorize request carried. It keeps what it saw
//! for the test's assertions, and can answer wrongly on purpose (another state, another nonce).
use crate::http1::{read_request, write_response};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::BufReader;
use tokio::net::{TcpListener, TcpStream};

pub const CLIENT_ID: &str = "console-test";

/// What one authorize request asked for.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub params: HashMap<String, String>,
    pub code: String,
}

/// One token request and how it was judged.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub code: String,
    /// The verifier's S256 digest was the challenge of the code's authorize request.
    pub verifier_matched: bool,
    pub answered: u16,
}

#[derive(Default)]
struct State {
    access_token: String,
    authorizations: Vec<Authorization>,
    exchanges: Vec<Exchange>,
    /// Send the browser back with a state it never sent.
    wrong_state: bool,
    /// Put another nonce in the ID token than the authorize request's.
    wrong_nonce: bool,
}

#[derive(Clone)]
pub struct Issuer {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl Issuer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let issuer = Self { url, state: Arc::default() };
        let serving = issuer.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serving.clone().serve(conn));
            }
        });
        issuer
    }

    /// The access token the token endpoint hands out.
    pub fn hand_out(&self, access_token: &str) {
        self.state.lock().unwrap().access_token = access_token.to_owned();
    }

    pub fn answer_with_wrong_state(&self, wrong: bool) {
        self.state.lock().unwrap().wrong_state = wrong;
    }

    pub fn answer_with_wrong_nonce(&self, wrong: bool) {
        self.state.lock().unwrap().wrong_nonce = wrong;
    }

    pub fn authorizations(&self) -> Vec<Authorization> {
        self.state.lock().unwrap().authorizations.clone()
    }

    pub fn exchanges(&self) -> Vec<Exchange> {
        self.state.lock().unwrap().exchanges.clone()
    }

    async fn serve(self, conn: TcpStream) {
        let mut conn = BufReader::new(conn);
        while let Some(req) = read_request(&mut conn).await {
            let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
            let (status, mut headers, body) = match (req.method.as_str(), path) {
                ("GET", "/.well-known/openid-configuration") => (200, vec![], self.discovery().to_string()),
                ("GET", "/authorize") => self.authorize(query),
                ("POST", "/token") => self.token(&req.body),
                _ => (404, vec![], json!({"error": "not_found"}).to_string()),
            };
            // Discovery and the token endpoint are fetched from the console's origin, as real issuers allow.
            headers.push(("access-control-allow-origin".to_owned(), "*".to_owned()));
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
            if !write_response(&mut conn, status, &headers, body.as_bytes()).await {
                return;
            }
        }
    }

    fn discovery(&self) -> Value {
        json!({
            "issuer": self.url,
            "authorization_endpoint": format!("{}/authorize", self.url),
            "token_endpoint": format!("{}/token", self.url),
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
        })
    }

    fn authorize(&self, query: &str) -> (u16, Vec<(String, String)>, String) {
        let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let code = crate::unique("code");
        let mut state = self.state.lock().unwrap();
        let returned = if state.wrong_state { "not-the-state-it-sent".to_owned() } else { params["state"].clone() };
        let mut back = url::Url::parse(&params["redirect_uri"]).unwrap();
        back.query_pairs_mut().append_pair("code", &code).append_pair("state", &returned);
        state.authorizations.push(Authorization { params, code });
        (302, vec![("location".to_owned(), back.to_string())], String::new())
    }

    fn token(&self, body: &[u8]) -> (u16, Vec<(String, String)>, String) {
        let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
        let field = |k: &str| form.get(k).cloned().unwrap_or_default();
        let mut state = self.state.lock().unwrap();
        let code = field("code");
        let authorization = state.authorizations.iter().find(|a| a.code == code).cloned();
        let used = state.exchanges.iter().any(|e| e.code == code && e.answered == 200);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier").as_bytes()));
        let verifier_matched = authorization.as_ref().is_some_and(|a| {
            a.params.get("code_challenge_method").map(String::as_str) == Some("S256")
                && a.params.get("code_challenge") == Some(&challenge)
        });
        let fits = authorization.as_ref().is_some_and(|a| {
            field("grant_type") == "authorization_code"
                && a.params.get("redirect_uri") == Some(&field("redirect_uri"))
                && field("client_id") == CLIENT_ID
        });
        let answered = if verifier_matched && fits && !used { 200 } else { 400 };
        state.exchanges.push(Exchange { code, verifier_matched, answered });
        if answered != 200 {
            return (400, vec![], json!({"error": "invalid_grant"}).to_string());
        }
        let a = authorization.expect("checked above");
        let nonce = if state.wrong_nonce { "another-nonce".to_owned() } else { a.params["nonce"].clone() };
        let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 600;
        let claims = json!({"iss": self.url, "aud": CLIENT_ID, "sub": "oidc-user", "nonce": nonce, "exp": exp});
        // Unsigned: the page takes the ID token straight from the token endpoint and checks its claims.
        let id_token = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let tokens = json!({"access_token": state.access_token, "id_token": id_token, "token_type": "Bearer", "expires_in": 600});
        (200, vec![("cache-control".to_owned(), "no-store".to_owned())], tokens.to_string())
    }
}
