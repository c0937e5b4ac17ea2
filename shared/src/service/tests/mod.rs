//! The use cases on the in-memory store, a recording mailer and a clock the tests move: every rule of
//! invite, list, cancel, resend, the sweep and idempotency, in seconds and with no emulator.
mod accept;
mod deadline;
mod events;
mod fairness;
mod grants;
mod handoffs;
mod idempotency;
mod invite;
mod lifecycle;
mod members;
mod pacing;
mod reputation;
mod sends;
mod slow;

use super::{authorize, Authorized, Deps, MailSettings, Notifier};
use crate::adapters::memory::MemoryStore;
use crate::adapters::recording::RecordingMailer;
use crate::domain::invitees::parse_invitees;
use crate::domain::{Access, AccountId, Caller, Email, Invitation, InvitationId, TokenHash};
use crate::ports::clock::ManualClock;
use crate::ports::OutgoingEmail;
use crate::rules::Policy;
use crate::service::invite::{invite, Outcome};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

struct World {
    deps: Deps,
    notifier: Notifier,
    mailer: Arc<RecordingMailer>,
    clock: Arc<ManualClock>,
}

fn world() -> World {
    let clock = ManualClock::at(crate::domain::Timestamp::from_millis(1_800_000_000_000));
    let mailer = Arc::new(RecordingMailer::new());
    let settings = MailSettings {
        from: "invitations@example.com".into(),
        accept_url: "https://app.example.com/accept".parse().unwrap(),
        configuration_set: None,
    };
    World {
        deps: Deps { store: Arc::new(MemoryStore::new()), clock: clock.clone(), policy: Policy::default() },
        notifier: Notifier { mailer: mailer.clone(), settings, pacing: None },
        mailer,
        clock,
    }
}

fn caller(account: &str, roles: &str) -> Caller {
    caller_with(account, roles, &[("email", "admin@example.com"), ("email_verified", "true")])
}

/// A caller with `roles` and the `extra` claims (its address, verified or not).
fn caller_with(account: &str, roles: &str, extra: &[(&str, &str)]) -> Caller {
    let claims: HashMap<String, String> = [("sub", "admin-1"), ("account_id", account), ("roles", roles)]
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Caller::from_claims(&claims).unwrap()
}

fn owner_of(account: &str) -> Authorized {
    authorize(caller(account, "owner"), AccountId::parse(account).as_ref()).unwrap()
}

fn infra() -> Access {
    Access::parse(json!({"infrastructure": {"permissions": "basic_user"}})).unwrap()
}

fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

/// The invitation id and token of a message's link.
fn link(mail: &OutgoingEmail) -> (InvitationId, String) {
    let start = mail.text.find("https://app.example.com/accept?").expect("a link in the text part");
    let url = url::Url::parse(mail.text[start..].split_whitespace().next().unwrap()).unwrap();
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    (InvitationId::parse(&q["invitation"]).unwrap(), q["token"].clone())
}

impl World {
    async fn invite(&self, auth: &Authorized, invitees: Value) -> Vec<(String, Outcome)> {
        let invitees = parse_invitees(&invitees).unwrap();
        let results = invite(&self.deps, &self.notifier, auth, invitees, infra(), false, None).await.unwrap();
        results.into_iter().map(|r| (r.invitee, r.outcome)).collect()
    }

    /// Invites one address and returns its invitation, which must be new.
    async fn invited(&self, auth: &Authorized, address: &str) -> Invitation {
        match self.invite(auth, json!(address)).await.pop().unwrap().1 {
            Outcome::Invited(inv) => inv,
            other => panic!("{address}: {other:?}"),
        }
    }

    /// The token hash the newest email to `to` carries.
    fn newest_token(&self, to: &str) -> TokenHash {
        let mail = self.mailer.sent_to(&email(to)).pop().expect("an email");
        TokenHash::of(&link(&mail).1)
    }
}

impl World {
    /// The invitation as stored now.
    async fn stored(&self, inv: &Invitation) -> Invitation {
        let query = crate::ports::store::ListQuery { email: Some(inv.email.clone()), limit: 100, ..Default::default() };
        let page = self.deps.store.list(&inv.account_id, &query).await.unwrap();
        page.items.into_iter().find(|i| i.id == inv.id).expect("stored")
    }
}
