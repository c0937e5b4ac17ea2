//! The page itself: values full of markup stay text, the whole invite flow works from the keyboard
//! alone, axe-core finds no serious or critical violation, and the page fetches nothing from elsewhere.
use super::*;

#[tokio::test]
async fn values_full_of_markup_render_as_text() {
    let bench = Bench::start("console-markup", &[]).await;
    let (c, server) = (&bench.browser.client, &bench.server);
    within_limit(async {
        let org = r#"<img src=x onerror="window.pwned=1"><b>org</b>"#;
        invite_by_api(server, "mark@example.com", json!({"cloud_foundry": {"org": org, "org_roles": ["Auditor"]}}))
            .await;
        c.goto(&server.url("/")).await.unwrap();
        sign_in(c, "acme", &["owner"], "owner").await;
        assert!(row_text(c, "mark@example.com").await.contains(&format!("Cloud Foundry: org {org} (Auditor)")));

        click(c, "#invite-open").await;
        click(c, "#many-toggle").await;
        let hostile = ["<script>window.pwned=2</script>", "<img/src=x/onerror=window.pwned=3>", "<b>bold</b>@x.io"];
        fill(c, "#invitees", &hostile.join("\n")).await;
        click(c, "#assign-infrastructure").await;
        click(c, "#invite-submit").await;
        shown(c, "#result").await;
        assert_eq!(text(c, "#result-title").await, "No one was invited");
        let results = text(c, "#results").await;
        for piece in hostile {
            assert!(results.contains(&format!("{piece} Not invited: ")), "{piece} in {results}");
        }
        let made = c.find_all(Locator::Css("main img, main script, main b")).await.unwrap();
        assert!(made.is_empty(), "a value became markup");
        assert_eq!(c.execute("return window.pwned === undefined;", vec![]).await.unwrap(), json!(true));
    })
    .await;
    bench.stop().await;
}

#[tokio::test]
async fn the_whole_invite_flow_works_with_the_keyboard_alone() {
    let bench = Bench::start("console-keyboard", &[]).await;
    let (c, server) = (&bench.browser.client, &bench.server);
    within_limit(async {
        c.goto(&server.url("/")).await.unwrap();
        shown(c, "#dev-sign-in").await;
        tab_to(c, "#dev-sign-in-button").await;
        press(c, &[Key::Enter.into()]).await;
        shown(c, "#users").await;
        loaded(c).await;

        tab_to(c, "#invite-open").await;
        press(c, &[Key::Enter.into()]).await;
        shown(c, "#invite").await;
        tab_to(c, "#many-toggle").await;
        press(c, &[Key::Enter.into()]).await;
        shown(c, "#many-invitees").await;
        assert_eq!(c.execute("return document.activeElement.id;", vec![]).await.unwrap(), json!("invitees"));
        type_text(c, "kay@example.com, lou@example.com\nmo@example.com").await;
        tab_to(c, "#assign-iam").await;
        press(c, &[' ']).await;
        tab_to(c, "#iam-service").await;
        type_text(c, "cloud-object-storage").await;
        tab_to(c, "input[name='iam-role'][value='Viewer']").await;
        press(c, &[' ']).await;
        tab_to(c, "#invite-submit").await;
        press(c, &[Key::Enter.into()]).await;
        shown(c, "#result").await;
        assert_eq!(text(c, "#result-summary").await, "3 invited.");
        tab_to(c, "#result-back").await;
        press(c, &[Key::Enter.into()]).await;
        shown(c, "#users").await;
        loaded(c).await;
        assert_eq!(emails(c).await, ["kay@example.com", "lou@example.com", "mo@example.com"]);
        assert!(row_text(c, "lou@example.com").await.contains("IAM: cloud-object-storage (Viewer)"));

        // A row's action and its confirmation, by keyboard: Escape goes back, Enter on the action does it.
        tab_to(c, "button[data-action='cancel']").await;
        press(c, &[Key::Enter.into()]).await;
        shown(c, "#confirm[open]").await;
        press(c, &[Key::Escape.into()]).await;
        until("the dialog to close", || async { !is_shown(c, "#confirm").await }).await;
        assert_eq!(invitation(server, "kay@example.com").await["status"], "pending");
        press(c, &[Key::Enter.into()]).await;
        shown(c, "#confirm[open]").await;
        tab_to(c, "#confirm-ok").await;
        press(c, &[Key::Enter.into()]).await;
        text_until(c, "#list-note", |t| t == "kay@example.com: Invitation cancelled.").await;
        assert_eq!(invitation(server, "kay@example.com").await["status"], "cancelled");
    })
    .await;
    bench.stop().await;
}

#[tokio::test]
async fn axe_finds_nothing_serious_on_the_list_the_form_and_the_result() {
    let bench = Bench::start("console-axe", &[]).await;
    let (c, server) = (&bench.browser.client, &bench.server);
    within_limit(async {
        invite_by_api(server, "ann@example.com, bob@example.com", e2e::access_infra()).await;
        c.goto(&server.url("/")).await.unwrap();
        shown(c, "#dev-sign-in").await;
        let found = e2e::axe::serious_violations(c).await;
        assert!(found.is_empty(), "on the sign-in:\n{}", found.join("\n"));

        sign_in(c, "acme", &["owner"], "owner").await;
        shown_row(c, "bob@example.com").await;
        let found = e2e::axe::serious_violations(c).await;
        assert!(found.is_empty(), "on the list:\n{}", found.join("\n"));

        click(c, "#invite-open").await;
        click(c, "#many-toggle").await;
        for option in ["iam", "cloud_foundry", "infrastructure"] {
            click(c, &format!("#assign-{option}")).await;
        }
        let found = e2e::axe::serious_violations(c).await;
        assert!(found.is_empty(), "on the form:\n{}", found.join("\n"));

        // Only infrastructure stays assigned, with its first level.
        fill(c, "#invitees", "cy@example.com not-an-address").await;
        for option in ["iam", "cloud_foundry"] {
            click(c, &format!("#assign-{option}")).await;
        }
        click(c, "#invite-submit").await;
        shown(c, "#result").await;
        let found = e2e::axe::serious_violations(c).await;
        assert!(found.is_empty(), "on the result:\n{}", found.join("\n"));

        click(c, "#result-back").await;
        shown(c, "#users").await;
        loaded(c).await;
        click_action(c, "ann@example.com", "cancel").await;
        shown(c, "#confirm[open]").await;
        let found = e2e::axe::serious_violations(c).await;
        assert!(found.is_empty(), "on the confirmation:\n{}", found.join("\n"));

        // Everything the page fetched, itself included, came from the server's own origin.
        let fetched = c
            .execute("return performance.getEntries().map(e => e.name).filter(n => /^[a-z]+:/.test(n));", vec![])
            .await
            .unwrap();
        let fetched: Vec<String> = serde_json::from_value(fetched).unwrap();
        assert!(fetched.iter().any(|n| n.ends_with("/console/app.js")), "{fetched:?}");
        assert!(fetched.iter().all(|n| n.starts_with(&server.url("/"))), "a resource from elsewhere: {fetched:?}");
    })
    .await;
    bench.stop().await;
}
