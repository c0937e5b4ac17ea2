//! The sample events in `events/` and SES's in `events/ses/`: which function each is for (read from the
//! template's event sources, so a new function's events need no list kept by hand), and the invitations
//! they name, which `local setup` seeds so that every sample answers as it would in a working deployment.
use invitations::domain::{
    Access, AccountId, Email, Invitation, InvitationId, SendRef, Status, Timestamp, Token, TokenHash,
};
use invitations::entry::http::Route;
use invitations::rules::{next_due, Policy};
use serde_json::Value;
use serde_yaml::Value as Yaml;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// One sample event and the function the template gives it to.
#[derive(Debug, Clone)]
pub struct Sample {
    pub path: PathBuf,
    /// Its path under `events/`: `invite.json`, `ses/bounce.json`.
    pub name: String,
    pub event: Value,
    /// The template's logical id (`sam local invoke`'s name).
    pub function: String,
    /// The binary it builds (`cargo lambda invoke`'s name).
    pub binary: String,
}

impl Sample {
    pub fn file_name(&self) -> String {
        self.name.clone()
    }

    /// The email an SES event is about, from the tags every email carries; `None` for other events.
    pub fn email_about(&self) -> Option<SendRef> {
        let tags = &self.event["detail"]["mail"]["tags"];
        let tag = |name: &str| tags[name][0].as_str();
        (self.event["source"] == "aws.ses").then_some(())?;
        SendRef::from_tags(tag("account")?, tag("invitation")?, tag("send")?)
    }

    /// An API Gateway request's route and path parameters; `None` for other events.
    pub fn route(&self) -> Option<(Route, Vec<(&'static str, String)>)> {
        let http = &self.event["requestContext"]["http"];
        Route::matching(http["method"].as_str()?, http["path"].as_str()?)
    }
}

/// Every event in `dir` and in its `ses/` (all `.json` files but `env.json`, the `sam local` variables)
/// in name order, each with its function.
pub fn load(dir: &Path, template: &str) -> Result<Vec<Sample>, Error> {
    let template: Yaml = serde_yaml::from_str(template)?;
    let json_files = |dir: &Path| -> Result<Vec<PathBuf>, Error> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
        paths.retain(|p| p.extension().is_some_and(|e| e == "json") && p.file_name().is_some_and(|n| n != "env.json"));
        paths.sort();
        Ok(paths)
    };
    let ses = dir.join("ses");
    let mut paths = json_files(dir)?;
    if ses.is_dir() {
        paths.extend(json_files(&ses)?);
    }
    paths
        .into_iter()
        .map(|path| {
            let event: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let (function, binary) =
                function_for(&template, &event).ok_or_else(|| format!("{}: no function takes it", path.display()))?;
            let name = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().into_owned();
            Ok(Sample { path, name, event, function, binary })
        })
        .collect()
}

/// The template's kind of event source that `event` comes from, and what identifies it.
fn source_of(event: &Value) -> Option<(&'static str, String)> {
    if let Some(key) = event["routeKey"].as_str() {
        return Some(("HttpApi", key.to_owned()));
    }
    if event["detail-type"] == "Scheduled Event" {
        return Some(("Schedule", String::new()));
    }
    if let Some(source) = event["source"].as_str() {
        return Some(("EventBridgeRule", source.to_owned()));
    }
    match event["Records"][0]["eventSource"].as_str()? {
        "aws:dynamodb" => Some(("DynamoDB", String::new())),
        "aws:sqs" => Some(("SQS", String::new())),
        _ => None,
    }
}

fn function_for(template: &Yaml, event: &Value) -> Option<(String, String)> {
    let (kind, key) = source_of(event)?;
    let resources = template["Resources"].as_mapping()?;
    if kind == "SQS" {
        if let Some(found) = mapped_function(template) {
            return Some(found);
        }
    }
    resources.iter().find_map(|(id, r)| {
        let events = r["Properties"]["Events"].as_mapping()?;
        let takes = events.values().any(|e| {
            let ty = e["Type"].as_str().unwrap_or_default();
            match kind {
                "HttpApi" => {
                    let p = &e["Properties"];
                    ty == "HttpApi"
                        && format!(
                            "{} {}",
                            p["Method"].as_str().unwrap_or_default(),
                            p["Path"].as_str().unwrap_or_default()
                        ) == key
                }
                "Schedule" => ty == "Schedule" || ty == "ScheduleV2",
                // A rule whose pattern names the event's source (SES's reports: `aws.ses`).
                "EventBridgeRule" => {
                    let sources = &e["Properties"]["Pattern"]["source"];
                    ty == "EventBridgeRule"
                        && sources.as_sequence().is_some_and(|s| s.iter().any(|v| v.as_str() == Some(key.as_str())))
                }
                other => ty == other,
            }
        });
        let binary = r["Metadata"]["BuildProperties"]["Binary"].as_str()?;
        takes.then(|| (id.as_str().unwrap_or_default().to_owned(), binary.to_owned()))
    })
}

/// The function an `AWS::Lambda::EventSourceMapping` on a queue feeds: the send queue's mapping is its own
/// resource, not a SAM event of the function (which would grant polling every queue of the account).
fn mapped_function(template: &Yaml) -> Option<(String, String)> {
    let resources = template["Resources"].as_mapping()?;
    resources.values().find_map(|r| {
        let props = &r["Properties"];
        let on_queue = |arn: &Yaml| match arn {
            Yaml::Tagged(t) => t
                .value
                .as_str()
                .and_then(|v| v.split('.').next())
                .is_some_and(|q| template["Resources"][q]["Type"].as_str() == Some("AWS::SQS::Queue")),
            _ => false,
        };
        if r["Type"].as_str() != Some("AWS::Lambda::EventSourceMapping") || !on_queue(&props["EventSourceArn"]) {
            return None;
        }
        let Yaml::Tagged(f) = &props["FunctionName"] else { return None };
        let id = f.value.as_str()?;
        let binary = template["Resources"][id]["Metadata"]["BuildProperties"]["Binary"].as_str()?;
        Some((id.to_owned(), binary.to_owned()))
    })
}

/// The address a seeded invitation is sent to; the accept samples' invitee claims it.
pub fn seed_address(id: &InvitationId) -> String {
    format!("seed-{id}@example.com")
}

/// A pending invitation sent once, `sent_ago`, with the link token whose hash is `token_hash`.
fn pending(
    account: AccountId,
    id: InvitationId,
    sent_ago: Duration,
    token_hash: TokenHash,
    policy: &Policy,
) -> Invitation {
    let sent = Timestamp::now().minus(sent_ago);
    let mut inv = Invitation {
        id,
        email: Email::parse(&seed_address(&id)).expect("a seed address is an address"),
        account_id: account,
        status: Status::Pending,
        access: Access::parse(serde_json::json!({"infrastructure": {"permissions": "basic_user"}}))
            .expect("a valid access object"),
        invited_by: "seed".into(),
        inviter_email: None,
        created_at: sent,
        updated_at: sent,
        last_sent_at: Some(sent),
        send_count: 1,
        failed_attempts: 0,
        expires_at: sent.plus(policy.invitation_ttl),
        token_hash,
        due_at: None,
        user_id: None,
        accepted_by: None,
        handed_on: None,
        delivery: None,
    };
    inv.due_at = next_due(&inv, policy);
    inv
}

/// The invitations the samples need: one for each invitation a request or an SES report names (sent two
/// hours ago, so a resend is not too soon), with the token of the sample named after its function when
/// that carries one (`accept.json`: the other accept samples are refusals), and one stale invitation for
/// a scheduled sweep to re-send.
pub fn seeds(samples: &[Sample], policy: &Policy) -> Result<Vec<Invitation>, Error> {
    let mut named: Vec<(AccountId, InvitationId, Option<String>)> = Vec::new();
    for s in samples {
        if let Some(about) = s.email_about() {
            if !named.iter().any(|(a, i, _)| *a == about.account && *i == about.invitation) {
                named.push((about.account, about.invitation, None));
            }
            continue;
        }
        let Some((route, params)) = s.route() else { continue };
        let param = |name: &str| params.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
        let (Some(account), Some(id)) = (param("account_id"), param("id")) else { continue };
        let account =
            AccountId::parse(account).ok_or_else(|| format!("{}: {account} is not an account id", s.file_name()))?;
        let id = InvitationId::parse(id).map_err(|_| format!("{}: {id} is not an invitation id", s.file_name()))?;
        let body: Option<Value> = s.event["body"].as_str().and_then(|b| serde_json::from_str(b).ok());
        let token = body.and_then(|b| b["token"].as_str().map(str::to_owned));
        let primary = s.file_name() == format!("{}.json", route.name());
        match named.iter_mut().find(|(a, i, _)| *a == account && *i == id) {
            Some(entry) if primary && token.is_some() => entry.2 = token,
            Some(entry) if entry.2.is_none() => entry.2 = token,
            Some(_) => {}
            None => named.push((account, id, token)),
        }
    }
    let two_hours = Duration::from_secs(2 * 3600);
    let mut out: Vec<Invitation> = named
        .into_iter()
        .map(|(account, id, token)| {
            let hash = token.map_or_else(|| Token::generate().hash(), |t| TokenHash::of(&t));
            pending(account, id, two_hours, hash, policy)
        })
        .collect();
    if samples.iter().any(|s| s.event["detail-type"] == "Scheduled Event") {
        let account =
            out.first().map_or_else(|| AccountId::parse("acme").expect("an account id"), |i| i.account_id.clone());
        // A fixed id, so seeding twice finds it instead of adding another.
        let id = InvitationId::parse("019ac3ef-0000-7000-8000-00000000d0e5").expect("an invitation id");
        let stale = policy.resend_after + Duration::from_secs(3600);
        out.push(pending(account, id, stale, Token::generate().hash(), policy));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn samples() -> Vec<Sample> {
        let template = std::fs::read_to_string(root().join("template.yaml")).unwrap();
        load(&root().join("events"), &template).unwrap()
    }

    #[test]
    fn every_sample_goes_to_the_function_its_route_names() {
        for s in samples() {
            match s.route() {
                Some((route, _)) => assert_eq!(s.binary, route.name(), "{}", s.file_name()),
                None => assert!(!s.binary.is_empty(), "{}", s.file_name()),
            }
        }
        let scheduled: Vec<_> = samples().into_iter().filter(|s| s.event["detail-type"] == "Scheduled Event").collect();
        assert_eq!(scheduled.iter().map(|s| s.binary.as_str()).collect::<Vec<_>>(), ["resend"]);
        assert_eq!(scheduled[0].function, "ResendFunction");
    }

    #[test]
    fn the_named_invitations_are_seeded_with_the_accept_samples_token() {
        let policy = Policy::default();
        let samples = samples();
        let seeds = seeds(&samples, &policy).unwrap();
        let accept = samples.iter().find(|s| s.file_name() == "accept.json").unwrap();
        let id = accept.event["pathParameters"]["id"].as_str().unwrap();
        let body: Value = serde_json::from_str(accept.event["body"].as_str().unwrap()).unwrap();
        let seeded = seeds.iter().find(|i| i.id.to_string() == id).expect("the accept sample's invitation");
        assert_eq!(seeded.token_hash, TokenHash::of(body["token"].as_str().unwrap()));
        assert_eq!(seeded.email.as_str(), accept.event["requestContext"]["authorizer"]["jwt"]["claims"]["email"]);
        for name in ["cancel.json", "resend.json"] {
            let s = samples.iter().find(|s| s.file_name() == name).unwrap();
            let id = s.event["pathParameters"]["id"].as_str().unwrap();
            let inv = seeds.iter().find(|i| i.id.to_string() == id).unwrap_or_else(|| panic!("{name}'s invitation"));
            assert_eq!(inv.status, Status::Pending);
        }
        let now = Timestamp::now();
        let due: Vec<_> = seeds.iter().filter(|i| i.due_at.is_some_and(|d| d <= now)).collect();
        assert_eq!(due.len(), 1, "one stale invitation for the sweep");
    }
}
