//! The fair lanes' model: accounts waiting at once share the rate, one alone has all of it, and an
//! account's own emails keep their order.
use super::*;
use crate::rules::Lanes;

const STEP: Duration = Duration::from_millis(100);

fn account(name: &str) -> AccountId {
    AccountId::parse(name).unwrap()
}

fn offsets(turns: &[Timestamp]) -> Vec<u64> {
    turns.iter().map(|t| now().until(*t).as_millis() as u64).collect()
}

#[test]
fn an_account_alone_is_expected_at_the_whole_rate_from_now() {
    let mut lanes = Lanes::default();
    let turns = lanes.take(&account("acme"), 4, STEP, now());
    assert_eq!(offsets(&turns.at), [0, 100, 200, 300]);
    assert!(!turns.behind);
    // Its next request goes behind what it has waiting, at the whole rate still.
    let later = lanes.take(&account("acme"), 2, STEP, now().plus(Duration::from_millis(150)));
    assert_eq!(offsets(&later.at), [400, 500]);
    assert!(later.behind);
}

#[test]
fn accounts_waiting_at_once_share_the_rate_and_the_first_to_finish_gives_its_share_back() {
    let mut lanes = Lanes::default();
    let a = lanes.take(&account("a"), 10, STEP, now());
    // b arrives with a's ten waiting: both at half the rate, b's first at once, then every other slot.
    let b = lanes.take(&account("b"), 3, STEP, now());
    assert_eq!(offsets(&b.at), [0, 200, 400]);
    // c, one interval later, joins the other two: a third of the rate each while all three wait.
    let c = lanes.take(&account("c"), 2, STEP, now().plus(STEP));
    assert_eq!(offsets(&c.at), [100, 400]);
    // a's ten were expected at the whole rate when it was alone; a's next go behind them, sharing.
    let more = lanes.take(&account("a"), 1, STEP, now().plus(STEP));
    assert!(more.behind);
    assert!(more.at[0] > *a.at.last().unwrap());
}

#[test]
fn shares_are_equal_over_any_window_while_accounts_wait() {
    // Five accounts hand on requests of 25 in turn, as the fairness benchmark does.
    let mut lanes = Lanes::default();
    let names = ["a", "b", "c", "d", "e"];
    let mut expected: Vec<(Timestamp, &str)> = Vec::new();
    for round in 0..8u64 {
        for (i, name) in names.iter().enumerate() {
            let at = now().plus(Duration::from_millis(round * 50 + i as u64));
            let turns = lanes.take(&account(name), 25, STEP, at);
            expected.extend(turns.at.into_iter().map(|t| (t, *name)));
        }
    }
    // In the first 60 s at 10 a second (600 emails), each of the five is expected within 5 % of 120:
    // only the first account's first request, expected while it was alone, runs ahead.
    let window = now().plus(Duration::from_secs(60));
    let shares: Vec<usize> =
        names.iter().map(|name| expected.iter().filter(|(t, n)| n == name && *t < window).count()).collect();
    assert!(shares.iter().all(|s| (114..=126).contains(s)), "{shares:?}");
    // And the total stays at the rate, give or take what the first request expected alone.
    let all: usize = shares.iter().sum();
    assert!((595..=625).contains(&all), "{shares:?}");
}

#[test]
fn the_clock_passes_accounts_whose_emails_are_done_and_idles_at_real_time() {
    let mut lanes = Lanes::default();
    lanes.take(&account("a"), 10, STEP, now());
    lanes.take(&account("b"), 10, STEP, now());
    // 20 emails at the whole rate take 2 s; after them nobody waits.
    lanes.advance(now().plus(Duration::from_secs(3)));
    assert!(lanes.tags.is_empty(), "{lanes:?}");
    let fresh = lanes.take(&account("b"), 2, STEP, now().plus(Duration::from_secs(3)));
    assert_eq!(offsets(&fresh.at), [3000, 3100]);
    assert!(!fresh.behind);
}

#[test]
fn a_clock_read_behind_the_model_changes_nothing_and_still_gives_turns_in_order() {
    let mut lanes = Lanes::default();
    lanes.take(&account("a"), 5, STEP, now().plus(Duration::from_secs(1)));
    let before = lanes.clone();
    lanes.advance(now());
    assert_eq!(lanes, before);
    let turns = lanes.take(&account("b"), 3, STEP, now());
    assert!(turns.at.windows(2).all(|w| w[0] < w[1]), "{turns:?}");
    assert!(turns.at[0] >= now().plus(Duration::from_secs(1)));
}
