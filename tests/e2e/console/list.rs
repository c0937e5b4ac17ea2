//! The list as a person pages, filters and searches it, and a resend that goes through: the API's
//! cursor a page at a time, the closed invitations under their own filters, the Users route's search
//! by the beginning of an address.
use super::*;

#[tokio::test]
async fn the_list_pages_filters_and_searches() {
    // A resend is allowed a second after the last email, so the test can wait for that and resend.
    let bench = Bench::start("console-list", &[("RESEND_MIN_INTERVAL", "1s")]).await;
    let (c, server) = (&bench.browser.client, &bench.server);
    within_limit(async {
        let many: Vec<String> = (1..=12).map(|i| format!("user{i:02}@example.com")).collect();
        invite_by_api(server, &many.join(", "), e2e::access_infra()).await;
        invite_by_api(server, "zoe@example.com", e2e::access_infra()).await;
        c.goto(&server.url("/")).await.unwrap();
        sign_in(c, "acme", &["owner"], "owner").await;

        c.find(Locator::Css("#page-size")).await.unwrap().select_by_value("10").await.unwrap();
        until("a page of 10", || async { emails(c).await.len() == 10 }).await;
        assert_eq!(emails(c).await, many[..10]);
        assert_eq!(text(c, "#list-note").await, "Page 1. 10 rows.");
        click(c, "#next-page").await;
        until("the second page", || async { emails(c).await.first() == Some(&many[10]) }).await;
        assert_eq!(emails(c).await, [many[10].as_str(), many[11].as_str(), "zoe@example.com"]);
        assert!(c.find(Locator::Css("#next-page")).await.unwrap().attr("disabled").await.unwrap().is_some());
        click(c, "#previous-page").await;
        until("the first page again", || async { emails(c).await == many[..10] }).await;

        fill(c, "#search", "ZO").await;
        click(c, "#search-button").await;
        until("the search", || async { emails(c).await == ["zoe@example.com"] }).await;
        fill(c, "#search", "nobody").await;
        click(c, "#search-button").await;
        let empty = text_until(c, "#empty", |t| !t.is_empty()).await;
        assert_eq!(empty, "No one whose email address begins with “nobody” is in this list.");
        fill(c, "#search", "").await;

        // The delivery filter: the local outbox reports as SES's mailbox simulator, so a bounce and a
        // complaint are undeliverable and the rest were sent, not yet delivered.
        invite_by_api(server, "bounce@simulator.amazonses.com, complaint@simulator.amazonses.com", e2e::access_infra())
            .await;
        let delivery = c.find(Locator::Css("#filter-delivery")).await.unwrap();
        delivery.select_by_value("bounced,complained,suppressed").await.unwrap();
        let undeliverable = ["bounce@simulator.amazonses.com", "complaint@simulator.amazonses.com"];
        until("the undeliverable addresses", || async { emails(c).await == undeliverable }).await;
        delivery.select_by_value("delivered").await.unwrap();
        let empty = text_until(c, "#empty", |t| !t.is_empty()).await;
        assert_eq!(empty, "No invitation in this list has an email SES reported that way.");
        delivery.select_by_value("").await.unwrap();
        until("every row again", || async { emails(c).await.len() == 10 }).await;

        // Resend, once the interval since the first email has passed.
        let first = invitation(server, "zoe@example.com").await;
        let sent: invitations::domain::Timestamp = serde_json::from_value(first["last_sent_at"].clone()).unwrap();
        let allowed = sent.plus(Duration::from_millis(1100));
        until("a second since the first email", || async { invitations::domain::Timestamp::now() > allowed }).await;
        fill(c, "#search", "zoe").await;
        click(c, "#search-button").await;
        until("zoe's row alone", || async { emails(c).await == ["zoe@example.com"] }).await;
        act(c, "zoe@example.com", "resend").await;
        text_until(c, "#list-note", |t| t == "zoe@example.com: Sent again.").await;
        assert_eq!(row_status(c, "zoe@example.com").await, "Pending");
        assert_eq!(invitation(server, "zoe@example.com").await["send_count"], 2);

        act(c, "zoe@example.com", "cancel").await;
        text_until(c, "#list-note", |t| t == "zoe@example.com: Invitation cancelled.").await;
        fill(c, "#search", "").await;
        c.find(Locator::Css("#filter-status")).await.unwrap().select_by_value("invitations:cancelled").await.unwrap();
        until("the cancelled invitations", || async { emails(c).await == ["zoe@example.com"] }).await;
        assert_eq!(row_status(c, "zoe@example.com").await, "Cancelled");
        assert!(actions_of(c, "zoe@example.com").await.is_empty());
        c.find(Locator::Css("#filter-status")).await.unwrap().select_by_value("invitations:expired").await.unwrap();
        let empty = text_until(c, "#empty", |t| !t.is_empty()).await;
        assert_eq!(empty, "There are no expired invitations.");
        fill(c, "#search", "zoe").await;
        click(c, "#search-button").await;
        let note = text_until(c, "#list-note", |t| t.starts_with("To search")).await;
        assert_eq!(note, "To search invitations that are no longer open, type the whole email address.");
    })
    .await;
    bench.stop().await;
}
