//! Paced sending end to end, through a stand-in for SES's quota (`support/quota.rs`): the invite runs
//! in process, the emails it hands on go through moto's SQS to the built `send` binary, two instances
//! of it under the Runtime API emulator, polled as Lambda's event source mapping polls. At 1 and at 14
//! emails a second: the invite sends only what its budget holds, no send goes before its slot (the
//! emails take at least their slots' span), and every invitee gets exactly one email, whose link is the
//! stored one. Whether a send is throttled depends on the machine: one starved after its slot's gate
//! reaches SES late, beside the next. So the tests hold that a throttled send still goes once, in a
//! fresh slot; the benchmark (bench/pacing.py, on an idle machine) counts the throttles, 0.
use e2e::queue::Queue;
use e2e::quota::Quota;
use e2e::runtime::{binary, Function};
use e2e::template::template_env;
use e2e::{access_infra, sdk, App, Options};
use invitations::adapters::sqs::SqsQueue;
use invitations::domain::{InvitationId, Status, TokenHash};
use invitations::ports::clock::SystemClock;
use invitations::ports::SendRate;
use invitations::service::pace::{Pacing, HEADROOM};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

struct Paced {
    app: App,
    quota: Quota,
    queue: Queue,
    rate: usize,
    interval: Duration,
}

/// An app paced at `rate` a second whose SES allows exactly that, on the real clock (slots are times
/// the sender binary reads too).
async fn paced(rate: usize) -> Paced {
    let sdk = sdk().await;
    let quota = Quota::start(e2e::endpoint("AWS_ENDPOINT_URL_SESV2"), rate).await;
    let queue = Queue::new(&sdk).await;
    let pacing = Pacing {
        rate: SendRate::new(rate as f64).unwrap(),
        queue: Arc::new(SqsQueue::new(queue.client.clone(), &queue.url)),
    };
    let interval = pacing.interval();
    let options = Options { ses_url: Some(quota.proxy.url.clone()), pacing: Some(pacing), ..Default::default() };
    let mut app = App::with(options).await;
    app.backend.deps.clock = Arc::new(SystemClock);
    Paced { app, quota, queue, rate, interval }
}

impl Paced {
    /// The sender binary as the template configures it, on this test's table, queue, rate and quota.
    async fn sender(&self) -> Function {
        let b = &self.app.backend;
        let params = BTreeMap::from([
            ("SenderEmail", b.ses.sender.clone()),
            ("AcceptUrl", "https://app.example.com/accept".to_owned()),
            ("InvitationEmails", String::new()),
            ("SendQueue", self.queue.url.clone()),
            ("SendRate", self.rate.to_string()),
        ]);
        let mut env = template_env("SendFunction", &b.table, &params);
        env.retain(|(k, _)| k != "AWS_ENDPOINT_URL_SESV2");
        env.push(("AWS_ENDPOINT_URL_SESV2".into(), self.quota.proxy.url.clone()));
        Function::start(&binary("send"), &env).await
    }

    /// Drains the queue with two sender instances until `n` emails were accepted, or a minute more than
    /// they should take.
    async fn drain(&self, n: usize) {
        let (mut one, mut two) = (self.sender().await, self.sender().await);
        let done = || self.quota.accepted().len() >= n;
        let limit = Duration::from_secs_f64(n as f64 / self.rate as f64 / HEADROOM) + Duration::from_secs(60);
        let both = futures::future::join(self.queue.drain(&mut one, done), self.queue.drain(&mut two, done));
        tokio::time::timeout(limit, both)
            .await
            .unwrap_or_else(|_| panic!("{} of {n} emails accepted in {limit:?}", self.quota.accepted().len()));
    }

    /// No send went before its slot: the `n` emails asked for from `started` on took slots one interval
    /// apart, the first no sooner than `started`, so the last was accepted at least n - 1 intervals
    /// after it, however loaded the machine (load only makes a send later). Sending all at once fails.
    fn never_ahead_of_the_schedule(&self, started: Instant, n: usize) {
        let accepted = self.quota.accepted();
        let span = accepted.last().expect("emails accepted").duration_since(started);
        let floor = self.interval * (n as u32 - 1);
        assert!(span >= floor, "{n} emails in {span:?}, ahead of slots {:?} apart", self.interval);
        // What the benchmark counts; shown to read a run by, not asserted (see the module's note).
        let throttled = self.quota.throttled();
        eprintln!("{n} emails at {}/s in {span:?}: {throttled} sends throttled and sent in fresh slots", self.rate);
    }

    /// Each invitee got one email, accepted by the quota, its link the stored token, and is `pending`.
    async fn each_exactly_once(&self, addresses: &[String]) {
        let mail = self.app.backend.ses.sent().await;
        let twice: Vec<&String> =
            addresses.iter().filter(|to| mail.iter().filter(|m| m.to == [(*to).clone()]).count() > 1).collect();
        assert_eq!(mail.len(), addresses.len(), "one email each, none twice: {twice:?} had more");
        for to in addresses {
            let mine: Vec<_> = mail.iter().filter(|m| m.to == [to.clone()]).collect();
            assert_eq!(mine.len(), 1, "{to}");
            let (id, token) = mine[0].link();
            let stored = self.app.stored(InvitationId::parse(&id).unwrap()).await;
            assert_eq!((stored.status, stored.send_count), (Status::Pending, 1), "{to}");
            assert_eq!(stored.token_hash, TokenHash::of(&token), "{to}: the link sent is the one that works");
        }
    }
}

fn addresses(n: usize, tag: &str) -> Vec<String> {
    (0..n).map(|i| format!("{tag}{i}@x.io")).collect()
}

/// Invites `n` at `rate` and drains. How long the invite takes to answer and how close the last email
/// comes to `n` ÷ rate are measured by the benchmark (BENCHMARKS.md), not here: this holds what the
/// machine's speed cannot change.
async fn invite_paced(rate: usize, n: usize) {
    let p = paced(rate).await;
    let invitees = addresses(n, "p");
    let started = Instant::now();
    let answer = p.app.invite(json!({"invitees": invitees, "access": access_infra()})).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let statuses: Vec<&str> = answer.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["invitation"]["status"].as_str().unwrap())
        .collect();
    // The request sends what its budget of a second holds (the first slot is now) and hands the rest on:
    // it never waits for the paced sends.
    let in_budget = (rate as f64 * HEADROOM).floor() as usize + 1;
    // None, when the machine is so loaded that the first slot was missed and the next lies beyond it.
    let pending = statuses.iter().filter(|s| **s == "pending").count();
    assert!(pending <= in_budget, "{pending} pending of {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == "processing").count(), n - pending, "the rest wait for the sender");

    p.drain(n).await;
    p.never_ahead_of_the_schedule(started, n);
    p.each_exactly_once(&invitees).await;
}

/// One after the other, so neither's sends compete with the other's for the machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn at_one_and_at_fourteen_a_second_each_email_goes_out_once_paced() {
    let _turn = e2e::heavy_test().await;
    invite_paced(1, 20).await;
    invite_paced(14, 100).await;
}

/// The sweep's sends take slots of the same schedule: a sweep of due invitations at 14 a second, in
/// process, with an invite's sender running beside it, runs no send ahead of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sweep_beside_an_invite_shares_the_schedule() {
    let _turn = e2e::heavy_test().await;
    let p = paced(14).await;
    let stale = addresses(30, "s");
    let account = p.app.account_id();
    let long_ago = invitations::domain::Timestamp::now().minus(Duration::from_secs(73 * 3600));
    for to in &stale {
        let inv = e2e::sent_invitation(&account, to, long_ago, long_ago.plus(Duration::from_secs(72 * 3600)));
        p.app.backend.deps.store.create(&inv).await.unwrap();
    }
    let fresh = addresses(30, "f");
    let started = Instant::now();
    let answer = p.app.invite(json!({"invitees": fresh, "access": access_infra()})).await;
    assert_eq!(answer.status, 201);
    let (summary, ()) = futures::future::join(p.app.sweep(), p.drain(60)).await;
    assert_eq!(summary.resent + summary.handed_on, 30, "{summary:?}");
    p.never_ahead_of_the_schedule(started, 60);
    assert_eq!(p.app.backend.ses.sent().await.len(), 60, "each email once");
}

/// Three invites at once, each sending its first second and handing the rest on: their slots and the
/// ones the senders reserve as the messages arrive come from one schedule, so none runs ahead of it, and
/// each invitee gets one email.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invites_at_once_share_the_schedule_with_the_sender() {
    let _turn = e2e::heavy_test().await;
    let p = paced(14).await;
    let lists: Vec<Vec<String>> = (0..3).map(|i| addresses(30, &format!("c{i}-"))).collect();
    let started = Instant::now();
    let invites = lists.iter().map(|l| p.app.invite(json!({"invitees": l, "access": access_infra()})));
    let answers = futures::future::join_all(invites).await;
    assert!(answers.iter().all(|a| a.status == 201), "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    p.drain(90).await;
    p.never_ahead_of_the_schedule(started, 90);
    p.each_exactly_once(&lists.concat()).await;
}
