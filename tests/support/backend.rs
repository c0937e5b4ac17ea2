//! The production parts on the emulators: the DynamoDB store on a fresh table and the SES mailer with a
//! sender identity of the test's own, with a clock the test moves.
use crate::mailer::TimedMailer;
use crate::ses::Ses;
use invitations::adapters::{aws, dynamo::DynamoStore, ses::SesMailer};
use invitations::domain::Timestamp;
use invitations::ports::clock::ManualClock;
use invitations::rules::Policy;
use invitations::service::pace::Pacing;
use invitations::service::{Deps, MailSettings, Notifier};
use std::sync::Arc;

/// What a test's backend is built from; the defaults are the emulators as the script started them.
#[derive(Default)]
pub struct Options {
    /// A sender identity (default: a new verified one).
    pub ses: Option<Ses>,
    /// Reach DynamoDB or SES through this endpoint instead (a fault proxy, a dead port).
    pub dynamodb_url: Option<String>,
    pub ses_url: Option<String>,
    pub policy: Option<Policy>,
    /// Pace the sends (default: unpaced, every email at once).
    pub pacing: Option<Pacing>,
    /// SES with the functions' own timeouts rather than the emulators' ([`crate::emulator_timeouts`]),
    /// for tests of what a send that times out does.
    pub production_ses_timeouts: bool,
}

pub struct Backend {
    pub deps: Deps,
    pub notifier: Notifier,
    /// The notifier's mailer, for tests that slow sends or time them.
    pub mail: Arc<TimedMailer>,
    pub ses: Ses,
    /// A client that always reaches DynamoDB Local directly, for assertions.
    pub db: aws_sdk_dynamodb::Client,
    pub table: String,
    pub clock: Arc<ManualClock>,
}

pub fn mail_settings(ses: &Ses) -> MailSettings {
    MailSettings {
        from: ses.sender.clone(),
        accept_url: "https://app.example.com/accept".parse().unwrap(),
        configuration_set: None,
    }
}

impl Backend {
    pub async fn new() -> Self {
        Self::with(Options::default()).await
    }

    pub async fn with(o: Options) -> Self {
        let sdk = crate::sdk().await;
        let db = aws_sdk_dynamodb::Client::new(&sdk);
        let table = crate::new_table(&db).await;
        let store_client = match &o.dynamodb_url {
            Some(url) => aws_sdk_dynamodb::Client::from_conf(
                aws_sdk_dynamodb::config::Builder::from(&sdk).endpoint_url(url).build(),
            ),
            None => db.clone(),
        };
        // The SES settings set their own timeouts; the emulators' replace them unless asked not to.
        let mut ses_config = if o.production_ses_timeouts {
            aws::ses_config(&crate::production_sdk().await)
        } else {
            aws::ses_config(&sdk).timeout_config(crate::emulator_timeouts())
        };
        if let Some(url) = &o.ses_url {
            ses_config = ses_config.endpoint_url(url);
        }
        if o.pacing.is_some() {
            ses_config = aws::paced(ses_config);
        }
        let ses_client = aws_sdk_sesv2::Client::from_conf(ses_config.build());
        let ses = match o.ses {
            Some(ses) => ses,
            None => Ses::new(&sdk).await,
        };
        let clock = ManualClock::at(Timestamp::now());
        let store = Arc::new(DynamoStore::new(store_client, &table));
        let deps = Deps { store, clock: clock.clone(), policy: o.policy.unwrap_or_default() };
        let settings = mail_settings(&ses);
        let mail = Arc::new(TimedMailer::new(SesMailer::new(ses_client, settings.from.clone(), None)));
        let notifier = Notifier { mailer: mail.clone(), settings, pacing: o.pacing };
        Backend { deps, notifier, mail, ses, db, table, clock }
    }
}
