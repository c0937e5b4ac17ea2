//! The one test app: a backend and an account of the test's own, called the way API Gateway calls the
//! functions. Every request is an HTTP API event, converted by the production conversion and dispatched
//! through the core's route table, so tests and the deployment route alike. Every answer is checked
//! against `openapi.yaml` (`described.rs`) on its way back to the test.
use crate::backend::{Backend, Options};
use crate::described::{assert_described, assert_event_answer, header_pairs, Received};
use invitations::domain::{AccountId, Invitation, InvitationId};
use invitations::entry::http::{self, Route};
use invitations::ports::store::ListQuery;
use invitations::service::sweep::{sweep, Summary};
use invitations::service::{Deps, Notifier};
use lambda_http::{Body, Response};
use serde_json::{json, Value};

pub struct App {
    pub backend: Backend,
    pub account: String,
}

/// An answer's status, headers and JSON body.
pub struct Answer {
    pub status: u16,
    pub headers: lambda_http::http::HeaderMap,
    pub body: Value,
}

pub fn answer(resp: Response<Body>) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes: &[u8] = resp.body().as_ref();
    let body = serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {}", String::from_utf8_lossy(bytes)));
    Answer { status, headers, body }
}

/// An API Gateway HTTP API (payload 2.0) event, as JSON: the local server's, so tests and the local
/// run build events one way.
pub fn event_json(
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    claims: Option<Value>,
    body: Option<&str>,
) -> Value {
    let raw_query: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
    let claims = claims.map(|c| c.as_object().expect("claims are an object").clone());
    let (_, event) = local::gateway::event(method, path, &raw_query, claims.as_ref(), body.unwrap_or_default())
        .unwrap_or_else(|| panic!("no route for {method} {path}"));
    event
}

/// API Gateway's event for a GET of one of the console's routes (`invitations::entry::http::CONSOLE_ROUTES`),
/// which have no authorizer.
pub fn page_event(path: &str) -> Value {
    let route = if path == "/" { "GET /" } else { "GET /console/{file}" };
    let file = path.strip_prefix("/console/").map(|f| serde_json::json!({"file": f}));
    serde_json::json!({
        "version": "2.0", "routeKey": route, "rawPath": path, "rawQueryString": "", "pathParameters": file,
        "headers": {"accept": "*/*", "host": "console.example.com"},
        "requestContext": {
            "accountId": "local", "apiId": "local", "domainName": "console.example.com", "domainPrefix": "console",
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test"},
            "requestId": "page", "routeKey": route, "stage": "$default", "time": "", "timeEpoch": 0
        },
        "isBase64Encoded": false
    })
}

/// The route API Gateway matched for an event (its route key), as a function serving two reads it.
pub fn route_of(event: &Value) -> Route {
    let key = event["requestContext"]["routeKey"].as_str().expect("a route key");
    Route::from_key(key).unwrap_or_else(|| panic!("no route {key}"))
}

/// The event's method and path, as the answer's check needs them.
fn method_and_path(event: &Value) -> (String, String) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (text(&event["requestContext"]["http"]["method"]), text(&event["rawPath"]))
}

/// Serves an event as its function does, conversion failures included, and answers what the function
/// gives API Gateway.
pub async fn serve(deps: &Deps, notifier: &Notifier, event: Value) -> Value {
    let route = route_of(&event);
    let (method, path) = method_and_path(&event);
    let answer = http::serve_event(event, |req| http::dispatch(route, deps, notifier, req)).await;
    assert_event_answer(&method, &path, &answer);
    answer
}

async fn respond(deps: &Deps, notifier: &Notifier, event: Value) -> Response<Body> {
    let route = route_of(&event);
    let (method, path) = method_and_path(&event);
    let request = http::request_from_event(event).expect("a valid API Gateway event");
    let resp = http::dispatch(route, deps, notifier, request).await;
    let headers = header_pairs(resp.headers());
    let got =
        Received { method: &method, path: &path, status: resp.status().as_u16(), headers, body: resp.body().as_ref() };
    assert_described(&got);
    resp
}

impl App {
    pub async fn new() -> Self {
        Self::with(Options::default()).await
    }

    pub async fn with(options: Options) -> Self {
        crate::logs::capture();
        App { backend: Backend::with(options).await, account: crate::unique("acct") }
    }

    pub fn account_id(&self) -> AccountId {
        AccountId::parse(&self.account).unwrap()
    }

    /// This account's invitations path with `rest` appended.
    pub fn path(&self, rest: &str) -> String {
        format!("/accounts/{}/invitations{rest}", self.account)
    }

    /// The claims of this account's owner, as `event_json` takes them.
    pub fn owner(&self) -> Option<Value> {
        Some(crate::claims(&self.account, "owner"))
    }

    /// A request to this account's `path(rest)` by its owner.
    pub fn event(&self, method: &str, rest: &str, query: &[(&str, &str)], body: Option<&str>) -> Value {
        event_json(method, &self.path(rest), query, self.owner(), body)
    }

    pub async fn call(&self, event: Value) -> Answer {
        self.call_on(&self.backend.deps, &self.backend.notifier, event).await
    }

    /// Calls with other parts than the backend's (an unreachable table, a refusing mailer).
    pub async fn call_on(&self, deps: &Deps, notifier: &Notifier, event: Value) -> Answer {
        answer(respond(deps, notifier, event).await)
    }

    /// The handler's response as it is, for tests of its exact bytes.
    pub async fn respond(&self, event: Value) -> Response<Body> {
        respond(&self.backend.deps, &self.backend.notifier, event).await
    }

    pub async fn invite(&self, body: Value) -> Answer {
        self.invite_raw(&body.to_string()).await
    }

    pub async fn invite_raw(&self, body: &str) -> Answer {
        self.call(self.event("POST", "", &[], Some(body))).await
    }

    /// Invites one address with the infrastructure grant; the invitation must be new.
    pub async fn invite_one(&self, email: &str) -> Value {
        let a = self.invite(json!({"invitees": email, "access": crate::access_infra()})).await;
        assert_eq!(a.status, 201, "{}", a.body);
        a.body["results"][0]["invitation"].clone()
    }

    pub async fn list(&self, query: &[(&str, &str)]) -> Answer {
        self.call(self.event("GET", "", query, None)).await
    }

    pub async fn cancel(&self, id: &str) -> Answer {
        self.call(self.event("DELETE", &format!("/{id}"), &[], None)).await
    }

    pub async fn resend(&self, id: &str) -> Answer {
        self.call(self.event("POST", &format!("/{id}/resend"), &[], None)).await
    }

    /// The account's Users list.
    pub async fn users(&self, query: &[(&str, &str)]) -> Answer {
        let path = format!("/accounts/{}/users", self.account);
        self.call(event_json("GET", &path, query, self.owner(), None)).await
    }

    /// Removes a member, as a caller of this account with `roles`.
    pub async fn remove_user(&self, user: &str, roles: &str) -> Answer {
        let path = format!("/accounts/{}/users/{user}", self.account);
        self.call(event_json("DELETE", &path, &[], Some(crate::claims(&self.account, roles)), None)).await
    }

    /// The account's settings, read by a caller of this account with `roles`.
    pub async fn settings(&self, roles: &str) -> Answer {
        let path = format!("/accounts/{}/settings", self.account);
        self.call(event_json("GET", &path, &[], Some(crate::claims(&self.account, roles)), None)).await
    }

    /// Writes the account's settings as a caller with `roles`, over the version `if_match` names.
    pub async fn put_settings(&self, roles: &str, body: &str, if_match: Option<&str>) -> Answer {
        let path = format!("/accounts/{}/settings", self.account);
        let mut event = event_json("PUT", &path, &[], Some(crate::claims(&self.account, roles)), Some(body));
        if let Some(tag) = if_match {
            event["headers"]["if-match"] = json!(tag);
        }
        self.call(event).await
    }

    /// The invitation as stored now.
    pub async fn stored(&self, id: InvitationId) -> Invitation {
        let query = ListQuery { limit: 100, ..Default::default() };
        let page = self.backend.deps.store.list(&self.account_id(), &query).await.unwrap();
        page.items.into_iter().find(|i| i.id == id).expect("stored")
    }

    /// One sweep with no deadline.
    pub async fn sweep(&self) -> Summary {
        sweep(&self.backend.deps, &self.backend.notifier, None).await.unwrap()
    }

    /// Every item of the table, attribute values as JSON strings and numbers.
    pub async fn items(&self) -> Vec<Value> {
        crate::all_items(&self.backend.db, &self.backend.table)
            .await
            .into_iter()
            .map(|item| {
                let m: serde_json::Map<String, Value> = item
                    .into_iter()
                    .map(|(k, v)| {
                        let v =
                            v.as_s().map(|s| json!(s)).or_else(|_| v.as_n().map(|n| json!(n))).unwrap_or(Value::Null);
                        (k, v)
                    })
                    .collect();
                Value::Object(m)
            })
            .collect()
    }

    /// The invitation items only (not the per-address slots).
    pub async fn invitation_items(&self) -> Vec<Value> {
        self.items().await.into_iter().filter(|i| i["sk"].as_str().unwrap().starts_with("INV#")).collect()
    }
}
