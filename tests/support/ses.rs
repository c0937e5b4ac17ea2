//! Mail as moto captured it, per sender identity, so mail from parallel tests never mixes.
use serde_json::Value;
use std::collections::HashMap;

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

/// A sender identity of this test's own in moto.
pub struct Ses {
    pub sender: String,
    base: String,
}

impl Ses {
    pub async fn new(sdk: &aws_config::SdkConfig) -> Self {
        let sender = format!("{}@example.com", crate::unique("sender"));
        aws_sdk_sesv2::Client::new(sdk).create_email_identity().email_identity(&sender).send().await.unwrap();
        Self { sender, base: crate::endpoint("AWS_ENDPOINT_URL_SESV2") }
    }

    /// A sender moto never verified: every send is `MessageRejected`.
    pub fn unverified() -> Self {
        Self {
            sender: format!("{}@example.com", crate::unique("unverified")),
            base: crate::endpoint("AWS_ENDPOINT_URL_SESV2"),
        }
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
