//! One contract, three stores: every case runs against the in-memory store, the in-memory store kept in
//! a file (reopened from the file for every operation) and DynamoDB Local, so the local run and
//! production cannot drift apart.
mod counts;
mod delivery;
mod due;
mod grants;
mod handoffs;
mod keys;
mod members;
mod pace;
mod reads;
mod reputation;
mod seats;
mod settings;
mod writes;

use counts::*;
use delivery::*;
use due::*;
use e2e::file_store::ReopenedStore;
use e2e::{new_table, sdk, unique};
use grants::*;
use handoffs::*;
use invitations::adapters::dynamo::DynamoStore;
use invitations::adapters::memory::MemoryStore;
use invitations::domain::{AccountId, InvitationId, Status, Timestamp};
use invitations::ports::store::ListQuery;
use invitations::rules::{Change, Count, Due, Expect, Handed, Transition};
use keys::*;
use members::*;
use pace::*;
use reads::*;
use reputation::*;
use seats::*;
use settings::*;
use std::sync::Arc;
use writes::*;

type Store = Arc<dyn invitations::ports::Store>;

async fn dynamo() -> Store {
    let client = aws_sdk_dynamodb::Client::new(&sdk().await);
    let table = new_table(&client).await;
    Arc::new(DynamoStore::new(client, table))
}

fn memory() -> Store {
    Arc::new(MemoryStore::new())
}

fn file() -> Store {
    let path = e2e::local_server::temp_dir("store").join("invitations.json");
    Arc::new(ReopenedStore::new(path))
}

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod in_memory { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $case() { super::$case(super::memory()).await } )* }
        mod in_file { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $case() { super::$case(super::file()).await } )* }
        mod dynamodb { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $case() { super::$case(super::dynamo().await).await } )* }
    };
}

contract!(
    create_then_list,
    second_open_invitation_is_refused,
    reinvite_after_each_closed_state_makes_a_new_invitation,
    a_reinvite_expires_an_open_invitation_past_its_expiry,
    accepted_means_already_member,
    update_tells_not_found_from_mismatch,
    update_requires_the_token_hash_it_names,
    update_cooldown_on_last_sent,
    a_write_needs_the_grant_of_every_option_the_invitation_holds,
    counts_sends_and_keeps_due_times,
    counts_sends_and_failures_and_caps_sends,
    the_due_index_returns_only_due_invitations_earliest_first_in_pages,
    concurrent_sweeps_over_every_shard_send_each_email_once,
    racing_creates_open_exactly_one,
    racing_cancels_win_once,
    paging_returns_every_invitation_once_newest_first,
    paging_with_status_and_email_filters,
    an_address_filter_reveals_no_invitation_sent_by_user_id,
    accounts_are_isolated,
    cursors_are_bound_to_account_and_filter,
    idempotency_keys_claim_once_keep_answers_and_expire,
    idempotency_keeps_answers_of_any_size,
    join_accepts_and_creates_the_member_in_one_write,
    join_writes_nothing_when_the_invitation_moved_or_is_not_the_claimants,
    a_member_joins_an_account_once,
    racing_accepts_win_once,
    the_users_list_holds_members_and_open_invitations_by_address,
    the_users_list_finds_rows_by_the_beginning_of_their_address,
    removing_a_member_frees_its_address,
    an_idle_schedule_starts_now_and_a_busy_one_follows_on,
    racing_reservations_never_share_a_slot,
    a_late_sender_reclaims_its_slot_only_when_nobody_reserved_after_it,
    a_bounded_reservation_takes_what_fits_and_one_that_gets_none_changes_nothing,
    racing_bounded_reservations_fill_up_to_the_bound_and_never_share_a_slot,
    each_accounts_lane_runs_apart_from_the_schedule_and_the_other_lanes,
    a_hand_on_names_the_one_message_that_may_claim_it_once,
    reports_of_the_latest_send_are_recorded_once_in_order,
    a_report_of_an_older_send_or_an_unknown_invitation_changes_nothing,
    an_undeliverable_address_refuses_a_resend_and_a_transient_bounce_does_not,
    a_create_refuses_an_undeliverable_address_unless_forced,
    the_list_filters_on_the_latest_report,
    counts_add_up_per_account_from_an_hour_on,
    racing_pauses_put_one_and_a_resume_lifts_it_and_forgets_the_counts,
    settings_are_versioned_and_written_over_the_version_read,
    the_settings_record_is_in_no_list,
    racing_settings_writes_over_one_version_win_once,
    an_access_update_keeps_the_token_and_stops_a_join_that_read_the_old_access,
    seats_are_taken_by_new_invitations_and_given_back_by_every_close,
    an_expiry_gives_the_seat_back_and_a_reinvite_of_an_expired_one_takes_it_over,
    racing_creates_take_the_last_seat_once,
    racing_creates_without_a_limit_are_each_counted,
    an_accept_racing_a_cancel_at_the_limit_moves_the_seat_once,
);

fn account() -> AccountId {
    AccountId::parse(&unique("acct")).unwrap()
}

fn to(status: Status) -> Change {
    Change {
        status,
        at: Timestamp::now(),
        token_hash: None,
        count: Count::Nothing,
        sent: false,
        due: Due::Keep,
        accepted_by: None,
        handed_on: Handed::Keep,
        access: None,
    }
}

fn any_state() -> Expect {
    Expect { statuses: &Status::ALL, ..Default::default() }
}

fn open() -> Expect {
    Expect { statuses: &Status::OPEN, ..Default::default() }
}

async fn all_pages(store: &Store, account: &AccountId, mut q: ListQuery) -> Vec<Vec<InvitationId>> {
    let mut pages = Vec::new();
    loop {
        let page = store.list(account, &q).await.unwrap();
        pages.push(page.items.iter().map(|i| i.id).collect());
        match page.next_after {
            Some(after) => q.after = Some(after),
            None => return pages,
        }
        assert!(pages.len() < 100, "paging does not end");
    }
}

/// The write of `expect` and `change`, as a rule would make it.
fn transition(expect: &Expect, change: &Change) -> Transition {
    Transition { expect: expect.clone(), change: change.clone() }
}
