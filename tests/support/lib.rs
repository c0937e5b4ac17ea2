//! Test support: the emulators the test script started (never real AWS), a table per test created from
//! `template.yaml`, a sender identity per test, captured mail, API Gateway events and a movable clock.
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType,
};
use invitations::clock::Clock;
use invitations::domain::Timestamp;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub mod http1;
pub mod local_server;
pub mod logs;
pub mod proxy;
pub mod runtime;

fn endpoint(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the tests through ./scripts/test, which starts DynamoDB Local and moto")
    })
}

/// The SDK configuration the functions use, pointed at the emulators by the standard variables.
pub async fn sdk() -> aws_config::SdkConfig {
    endpoint("AWS_ENDPOINT_URL_DYNAMODB");
    endpoint("AWS_ENDPOINT_URL_SESV2");
    invitations::aws::sdk_config().await
}

/// The variables that point a process at the emulators, for the binaries the tests start.
pub fn aws_env() -> Vec<(&'static str, String)> {
    ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
        .into_iter()
        .map(|k| (k, endpoint(k)))
        .collect()
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// The table resource of `template.yaml`, so the code and the deployment cannot drift apart.
fn template_table() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let yaml: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(path).expect("template.yaml")).unwrap();
    let resources = yaml.get("Resources").expect("Resources").as_mapping().unwrap();
    let table = resources
        .values()
        .find(|r| r.get("Type").and_then(|t| t.as_str()) == Some("AWS::DynamoDB::Table"))
        .expect("a table in template.yaml");
    // Intrinsic functions (tags) are not needed for the keys and indexes; drop them.
    let props = table.get("Properties").unwrap().clone();
    serde_json::to_value(strip_tags(props)).unwrap()
}

fn strip_tags(v: serde_yaml::Value) -> serde_yaml::Value {
    use serde_yaml::Value as Y;
    match v {
        Y::Tagged(_) => Y::Null,
        Y::Mapping(m) => Y::Mapping(m.into_iter().map(|(k, v)| (k, strip_tags(v))).collect()),
        Y::Sequence(s) => Y::Sequence(s.into_iter().map(strip_tags).collect()),
        other => other,
    }
}

fn key_schema(v: &Value) -> Vec<KeySchemaElement> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(k["AttributeName"].as_str().unwrap())
                .key_type(KeyType::from(k["KeyType"].as_str().unwrap()))
                .build()
                .unwrap()
        })
        .collect()
}

/// Creates a fresh table from the template's definition; each test gets its own.
pub async fn new_table(client: &aws_sdk_dynamodb::Client) -> String {
    let props = template_table();
    let name = unique("invitations");
    let attrs = props["AttributeDefinitions"].as_array().unwrap().iter().map(|a| {
        AttributeDefinition::builder()
            .attribute_name(a["AttributeName"].as_str().unwrap())
            .attribute_type(ScalarAttributeType::from(a["AttributeType"].as_str().unwrap()))
            .build()
            .unwrap()
    });
    let gsis = props["GlobalSecondaryIndexes"].as_array().into_iter().flatten().map(|g| {
        GlobalSecondaryIndex::builder()
            .index_name(g["IndexName"].as_str().unwrap())
            .set_key_schema(Some(key_schema(&g["KeySchema"])))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::from(g["Projection"]["ProjectionType"].as_str().unwrap()))
                    .build(),
            )
            .build()
            .unwrap()
    });
    assert_eq!(props["BillingMode"], "PAY_PER_REQUEST");
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(attrs.collect()))
        .set_key_schema(Some(key_schema(&props["KeySchema"])))
        .set_global_secondary_indexes(Some(gsis.collect::<Vec<_>>()).filter(|g| !g.is_empty()))
        .send()
        .await
        .expect("create table in DynamoDB Local");
    name
}

/// Every item of a table, for assertions about what is stored (tests may scan; the service never does).
pub async fn all_items(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = client.scan().table_name(table).set_exclusive_start_key(start).send().await.unwrap();
        out.extend(page.items().iter().cloned());
        start = page.last_evaluated_key;
        if start.is_none() {
            return out;
        }
    }
}

/// One captured message from moto.
#[derive(Debug, Clone)]
pub struct SentMail {
    pub to: Vec<String>,
    pub subject: String,
    /// moto keeps only the HTML part when both are sent.
    pub html: String,
}

impl SentMail {
    /// The invitation id and token of the link, read from the HTML as a browser would.
    pub fn link(&self) -> (String, String) {
        let start = self.html.find("href=\"").expect("a link") + 6;
        let end = start + self.html[start..].find('"').unwrap();
        let href = html_escape::decode_html_entities(&self.html[start..end]).into_owned();
        let url = url::Url::parse(&href).unwrap();
        let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
        (q["invitation"].clone(), q["token"].clone())
    }
}

/// A sender identity of this test's own in moto, so mail from parallel tests never mixes.
pub struct Ses {
    pub sender: String,
    base: String,
}

impl Ses {
    pub async fn new(sdk: &aws_config::SdkConfig) -> Self {
        let sender = format!("{}@example.com", unique("sender"));
        aws_sdk_sesv2::Client::new(sdk).create_email_identity().email_identity(&sender).send().await.unwrap();
        Self { sender, base: endpoint("AWS_ENDPOINT_URL_SESV2") }
    }

    /// A sender moto never verified: every send is `MessageRejected`.
    pub fn unverified() -> Self {
        Self { sender: format!("{}@example.com", unique("unverified")), base: endpoint("AWS_ENDPOINT_URL_SESV2") }
    }

    pub async fn sent(&self) -> Vec<SentMail> {
        let data: Value =
            reqwest::get(format!("{}/moto-api/data.json", self.base)).await.unwrap().json().await.unwrap();
        data["ses"]["Message"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["source"] == self.sender.as_str())
            .map(|m| SentMail {
                to: m["destinations"]["ToAddresses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_owned())
                    .collect(),
                subject: m["subject"].as_str().unwrap_or_default().to_owned(),
                html: m["body"].as_str().unwrap_or_default().to_owned(),
            })
            .collect()
    }
}

/// A clock the tests move by hand.
#[derive(Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn at(t: Timestamp) -> Arc<Self> {
        Arc::new(Self(AtomicI64::new(t.millis())))
    }
    pub fn now_for_tests(&self) -> Timestamp {
        self.now()
    }
    pub fn advance(&self, d: std::time::Duration) {
        self.0.fetch_add(d.as_millis() as i64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.0.load(Ordering::SeqCst))
    }
}

/// Claims as API Gateway's JWT authorizer passes them.
pub fn claims(account: &str, roles: &str) -> Value {
    json!({"sub": "user-1", "email": "admin@example.com", "account_id": account, "roles": roles})
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

pub fn request(event: &Value) -> lambda_http::Request {
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event")
}

/// An answer's status, headers and JSON body.
pub struct Answer {
    pub status: u16,
    pub headers: lambda_http::http::HeaderMap,
    pub body: Value,
}

pub fn answer(resp: lambda_http::Response<lambda_http::Body>) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes: &[u8] = resp.body().as_ref();
    let body = serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {}", String::from_utf8_lossy(bytes)));
    Answer { status, headers, body }
}

/// Wraps the real SES mailer (to record or slow its sends).
pub type WrapMailer = Box<dyn FnOnce(invitations::mail::SesMailer) -> Arc<dyn invitations::mail::Mailer>>;

/// What a test's service is built from; the defaults are the emulators as the script started them.
#[derive(Default)]
pub struct Options {
    /// A sender identity (default: a new verified one).
    pub ses: Option<Ses>,
    /// Reach DynamoDB or SES through this endpoint instead (a fault proxy, a dead port).
    pub dynamodb_url: Option<String>,
    pub ses_url: Option<String>,
    pub policy: Option<invitations::config::Policy>,
    pub wrap_mailer: Option<WrapMailer>,
}

/// A service on a fresh table and sender identity, with a clock the test moves.
pub struct Backend {
    pub deps: invitations::service::Deps,
    pub sender: invitations::service::Sender,
    pub ses: Ses,
    /// A client that always reaches DynamoDB Local directly, for assertions.
    pub db: aws_sdk_dynamodb::Client,
    pub table: String,
    pub clock: Arc<ManualClock>,
}

pub fn mail_settings(ses: &Ses) -> invitations::config::MailSettings {
    invitations::config::MailSettings {
        sender: ses.sender.clone(),
        accept_url: "https://app.example.com/accept".parse().unwrap(),
        configuration_set: None,
    }
}

impl Backend {
    pub async fn new() -> Self {
        Self::with(Options::default()).await
    }

    pub async fn with(o: Options) -> Self {
        let sdk = sdk().await;
        let db = aws_sdk_dynamodb::Client::new(&sdk);
        let table = new_table(&db).await;
        let store_client = match &o.dynamodb_url {
            Some(url) => aws_sdk_dynamodb::Client::from_conf(
                aws_sdk_dynamodb::config::Builder::from(&sdk).endpoint_url(url).build(),
            ),
            None => db.clone(),
        };
        let ses_client = match &o.ses_url {
            Some(url) => aws_sdk_sesv2::Client::from_conf(invitations::aws::ses_config(&sdk).endpoint_url(url).build()),
            None => invitations::aws::ses_client(&sdk),
        };
        let ses = match o.ses {
            Some(ses) => ses,
            None => Ses::new(&sdk).await,
        };
        let clock = ManualClock::at(Timestamp::now());
        let store = Arc::new(invitations::store::dynamo::DynamoStore::new(store_client, &table));
        let deps = invitations::service::Deps { store, clock: clock.clone(), policy: o.policy.unwrap_or_default() };
        let settings = mail_settings(&ses);
        let ses_mailer = invitations::mail::SesMailer::new(ses_client, &settings);
        let mailer = match o.wrap_mailer {
            Some(wrap) => wrap(ses_mailer),
            None => Arc::new(ses_mailer),
        };
        Backend { deps, sender: invitations::service::Sender { mailer, settings }, ses, db, table, clock }
    }
}
