//! An administrator's afternoon in the Users window: invite three people typed with commas, spaces and
//! a line break, see them pending, cancel one, try to resend one too soon, see another accept (in a
//! browser of their own, through the emailed link), and remove them. Each action is confirmed and its
//! row changes in place; what the page shows is checked against the API. Last, an address that
//! bounces shows the bounce in its row.
use super::*;

#[tokio::test]
async fn an_administrator_invites_cancels_resends_and_removes_as_a_person_would() {
    let bench = Bench::start("console-flow", &[]).await;
    let (c, server) = (&bench.browser.client, &bench.server);
    within_limit(async {
        c.goto(&server.url("/")).await.unwrap();
        // The form starts with the server's own choices (account acme, owner): a newcomer just signs in.
        shown(c, "#dev-sign-in").await;
        click(c, "#dev-sign-in-button").await;
        shown(c, "#users").await;
        loaded(c).await;
        assert_eq!(text(c, "#who-account").await, "acme");
        let empty = text(c, "#empty").await;
        assert_eq!(empty, "No users yet. Invite the first ones with Invite users.");
        text_until(c, "#seats", |t| t == "Seats: 0 members and 0 open invitations, no seat limit.").await;

        click(c, "#invite-open").await;
        shown(c, "#invite").await;
        click(c, "#many-toggle").await;
        shown(c, "#many-invitees").await;
        fill(c, "#invitees", "ann@example.com, bob@example.com\ncy@example.com").await;
        click(c, "#assign-infrastructure").await;
        let level = c.find(Locator::Css("#infra-permissions")).await.unwrap();
        level.select_by_value("basic_user").await.unwrap();
        screenshot(c, "console-invite", 1000).await;
        click(c, "#invite-submit").await;
        shown(c, "#result").await;
        assert_eq!(text(c, "#result-title").await, "Invitations sent");
        assert_eq!(text(c, "#result-summary").await, "3 invited.");
        let results = text(c, "#results").await;
        for who in ["ann@example.com", "bob@example.com", "cy@example.com"] {
            assert!(results.contains(&format!("{who} Invited: the email is on its way.")), "{results}");
        }

        click(c, "#result-back").await;
        shown(c, "#users").await;
        loaded(c).await;
        assert_eq!(emails(c).await, ["ann@example.com", "bob@example.com", "cy@example.com"]);
        text_until(c, "#seats", |t| t == "Seats: 0 members and 3 open invitations, no seat limit.").await;
        for who in ["ann@example.com", "bob@example.com", "cy@example.com"] {
            assert_eq!(row_status(c, who).await, "Pending");
            assert_eq!(actions_of(c, who).await, ["cancel", "resend"], "{who}");
            assert!(row_text(c, who).await.contains("Classic infrastructure: Basic user"), "{who}");
        }

        // Going back from the dialog changes nothing.
        click_action(c, "bob@example.com", "cancel").await;
        shown(c, "#confirm[open]").await;
        assert_eq!(text(c, "#confirm-title").await, "Cancel this invitation?");
        assert!(text(c, "#confirm-text").await.starts_with("bob@example.com will no longer be able to accept it."));
        click(c, "#confirm-back").await;
        until("the dialog to close", || async { !is_shown(c, "#confirm").await }).await;
        assert_eq!(invitation(server, "bob@example.com").await["status"], "pending");

        act(c, "bob@example.com", "cancel").await;
        text_until(c, "#list-note", |t| t == "bob@example.com: Invitation cancelled.").await;
        assert_eq!(row_status(c, "bob@example.com").await, "Cancelled");
        assert!(actions_of(c, "bob@example.com").await.is_empty(), "nothing more to do with it");
        assert_eq!(invitation(server, "bob@example.com").await["status"], "cancelled");
        text_until(c, "#seats", |t| t == "Seats: 0 members and 2 open invitations, no seat limit.").await;

        // Too soon after the first email (RESEND_MIN_INTERVAL is 60 s): the row says when it may be resent.
        act(c, "ann@example.com", "resend").await;
        let note = text_until(c, "#list-note", |t| t.starts_with("ann@example.com: ")).await;
        assert!(note.contains("It was sent moments ago. You can resend it at "), "{note}");
        assert!(note.contains("(in ") && note.ends_with(" seconds)."), "{note}");
        assert!(row_text(c, "ann@example.com").await.contains("You can resend it at"));
        assert_eq!(row_status(c, "ann@example.com").await, "Pending");
        assert_eq!(invitation(server, "ann@example.com").await["send_count"], 1, "no second email");

        accept_in_another_session(&bench, "cy@example.com").await;
        click(c, "#search-button").await;
        until("cy to be active", || async { row_status(c, "cy@example.com").await == "Active" }).await;
        assert_eq!(actions_of(c, "cy@example.com").await, ["remove"]);
        assert!(row_text(c, "cy@example.com").await.contains("Joined "));
        assert_eq!(emails(c).await, ["ann@example.com", "cy@example.com"], "a cancelled invitation is no user");
        screenshot(c, "console-users", 640).await;

        act(c, "cy@example.com", "remove").await;
        text_until(c, "#list-note", |t| t == "cy@example.com: Removed from the account.").await;
        assert_eq!(row_status(c, "cy@example.com").await, "Removed");
        let users = api(server, "GET", "/accounts/acme/users", None).await;
        let left: Vec<&str> = users["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
        assert_eq!(left, ["ann@example.com"]);

        // With a seat limit, the line counts against it.
        api(server, "PUT", "/accounts/acme/settings", Some(json!({"seat_limit": 3}))).await;
        click(c, "#search-button").await;
        text_until(c, "#seats", |t| t == "Seats: 1 of 3 taken (0 members and 1 open invitation), 2 seats free.").await;

        // The local outbox answers as SES's mailbox simulator: a bounce shows in its row, in words.
        let body = json!({"invitees": "bounce@simulator.amazonses.com", "access": {"infrastructure": {"permissions": "basic_user"}}});
        api(server, "POST", "/accounts/acme/invitations", Some(body)).await;
        click(c, "#search-button").await;
        until("the bounce to show", || async {
            row_view(c, "bounce@simulator.amazonses.com").await.is_some_and(|(_, text, _)| text.contains("Bounced (permanent: general)"))
        })
        .await;
    })
    .await;
    bench.stop().await;
}
