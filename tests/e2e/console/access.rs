//! What each caller is offered: the invite form shows only the options the caller's roles manage (the
//! rest as no access), a caller who may not invite has no invite button, and what the API refuses reads
//! as a sentence naming the option.
use super::*;

/// The options the open invite form lets the caller assign, and those it shows as no access.
async fn offered(c: &Client) -> (Vec<String>, Vec<String>) {
    click(c, "#invite-open").await;
    shown(c, "#invite").await;
    let (mut granted, mut not) = (Vec::new(), Vec::new());
    for option in ["iam", "cloud_foundry", "infrastructure"] {
        let section = c.find(Locator::Css(&format!("#access-{option}"))).await.unwrap();
        let text = section.text().await.unwrap();
        if section.attr("data-granted").await.unwrap().as_deref() == Some("true") {
            assert!(section.find(Locator::Css(&format!("#assign-{option}"))).await.is_ok());
            granted.push(option.to_owned());
        } else {
            assert!(text.ends_with("No access: your roles do not manage it."), "{text}");
            assert!(section.find(Locator::Css("input, select")).await.is_err(), "{option} has no field");
            not.push(option.to_owned());
        }
    }
    click(c, "#invite-cancel").await;
    shown(c, "#users").await;
    (granted, not)
}

#[tokio::test]
async fn each_caller_is_offered_what_their_roles_manage_and_no_more() {
    let bench = Bench::start("console-roles", &[]).await;
    let (c, server) = (&bench.browser.client, &bench.server);
    within_limit(async {
        c.goto(&server.url("/")).await.unwrap();
        sign_in(c, "acme", &["org_manager"], "cf-admin").await;
        assert_eq!(offered(c).await, (vec!["cloud_foundry".into()], vec!["iam".into(), "infrastructure".into()]));
        sign_out(c).await;

        sign_in(c, "acme", &["infra_add_users", "iam_admin"], "infra-admin").await;
        assert_eq!(offered(c).await, (vec!["iam".into(), "infrastructure".into()], vec!["cloud_foundry".into()]));
        sign_out(c).await;

        sign_in(c, "acme", &["owner"], "owner").await;
        let all = vec!["iam".to_owned(), "cloud_foundry".into(), "infrastructure".into()];
        assert_eq!(offered(c).await, (all, vec![]));
        sign_out(c).await;

        // IAM rights alone do not make an inviter: no invite button, and the list says why.
        for roles in [&["iam_admin"][..], &[]] {
            sign_in(c, "acme", roles, "viewer").await;
            assert!(!is_shown(c, "#invite-open").await, "{roles:?} may not invite");
            assert_eq!(text(c, "#list-note").await, "Your roles do not let you manage the users of this account.");
            sign_out(c).await;
        }
    })
    .await;
    bench.stop().await;
}

#[tokio::test]
async fn a_refusal_names_the_option_the_caller_does_not_manage() {
    let bench = Bench::start("console-forbidden", &[]).await;
    let (c, server) = (&bench.browser.client, &bench.server);
    within_limit(async {
        let access = json!({"iam": [{"service": "cloud-object-storage", "roles": ["Viewer"]}],
                            "cloud_foundry": {"org": "acme", "org_roles": ["Auditor"]}});
        invite_by_api(server, "ida@example.com", access).await;
        accept_in_another_session(&bench, "ida@example.com").await;

        c.goto(&server.url("/")).await.unwrap();
        sign_in(c, "acme", &["org_manager"], "cf-admin").await;
        assert_eq!(row_status(c, "ida@example.com").await, "Active");
        act(c, "ida@example.com", "remove").await;
        let note = text_until(c, "#list-note", |t| t.starts_with("ida@example.com: ")).await;
        assert_eq!(
            note,
            "ida@example.com: You may not remove a member who holds IAM access, because your roles do not manage it."
        );
        assert_eq!(row_status(c, "ida@example.com").await, "Active", "the row stays as it is");
        let users = api(server, "GET", "/accounts/acme/users", None).await;
        assert_eq!(users["users"][0]["status"], "active", "nothing was removed");
    })
    .await;
    bench.stop().await;
}

/// Each answer a call can get, as the page words it: a sentence, never a code or JSON.
#[tokio::test]
async fn every_error_reads_as_a_sentence() {
    let bench = Bench::start("console-words", &[]).await;
    let (c, server) = (&bench.browser.client, &bench.server);
    within_limit(async {
        c.goto(&server.url("/")).await.unwrap();
        shown(c, "#dev-sign-in").await;
        let error = |status: u16, code: &str, message: &str| {
            json!({"status": status, "data": {"error": {"code": code, "message": message}}, "retryAfter": null})
        };
        let cases = vec![
            (json!({"status": 0, "data": null}), "The service could not be reached. Check your connection and try again."),
            (error(401, "unauthenticated", "the request carries no authorizer claims"), "Your sign-in has expired or is not valid. Sign in again."),
            (error(403, "forbidden", "you may not grant cloud_foundry access"), "You may not grant Cloud Foundry access: your roles do not manage it."),
            (error(403, "forbidden", "the token is scoped to another account"), "Your sign-in is for another account than this one."),
            (error(404, "not_found", "no such invitation"), "This invitation no longer exists. Show the list again to see where things stand."),
            (error(409, "invalid_state", "only a processing or pending invitation can be cancelled (status: expired)"), "This invitation is already expired."),
            (error(409, "send_limit_reached", "the invitation has had its 3 emails"), "This invitation has had all the emails it may have; cancel it and invite again."),
            (error(413, "payload_too_large", "the body is over 65536 bytes"), "That is too much for one request (over 64 KB). Invite fewer people at a time."),
            (error(503, "unavailable", "a dependency is unavailable; retrying is safe"), "The service is unavailable for a moment and nothing was lost. Try again."),
            (error(400, "invalid_request", "access: iam[0].service must be 1 to 64 of [a-z0-9-]"), "The service did not accept this: Access: iam[0].service must be 1 to 64 of [a-z0-9-]."),
        ];
        let script = r#"
            const [answers, done] = [arguments[0], arguments[arguments.length - 1]];
            import("/console/words.js").then((w) => done(answers.map((a) => w.errorText(a, "This invitation"))));
        "#;
        let answers: Vec<Value> = cases.iter().map(|(a, _)| a.clone()).collect();
        let got = c.execute_async(script, vec![json!(answers)]).await.unwrap();
        for ((answer, want), got) in cases.iter().zip(got.as_array().unwrap()) {
            assert_eq!(got.as_str().unwrap(), *want, "{answer}");
        }
        let too_soon = json!({"status": 429, "retryAfter": 42, "data": {"error": {"code": "resend_too_soon", "message": "the invitation was sent moments ago"}}});
        let got = c.execute_async(script, vec![json!([too_soon])]).await.unwrap();
        let sentence = got[0].as_str().unwrap();
        assert!(sentence.starts_with("It was sent moments ago. You can resend it at ") && sentence.ends_with("(in 42 seconds)."), "{sentence}");
    })
    .await;
    bench.stop().await;
}

#[tokio::test]
async fn an_org_manager_invites_one_person_to_an_org_and_a_space() {
    let bench = Bench::start("console-cloud-foundry", &[]).await;
    let (c, server) = (&bench.browser.client, &bench.server);
    within_limit(async {
        c.goto(&server.url("/")).await.unwrap();
        sign_in(c, "acme", &["org_manager"], "cf-admin").await;
        click(c, "#invite-open").await;
        shown(c, "#invite").await;
        // What is missing is said before anything is sent.
        click(c, "#invite-submit").await;
        assert_eq!(text_until(c, "#problem", |t| !t.is_empty()).await, "Type an email address or user ID.");
        fill(c, "#invitee", "Sam@Example.com").await;
        click(c, "#invite-submit").await;
        assert_eq!(text_until(c, "#problem", |t| t.starts_with("Assign")).await, "Assign at least one kind of access.");
        click(c, "#assign-cloud_foundry").await;
        click(c, "#invite-submit").await;
        assert_eq!(text_until(c, "#problem", |t| t.contains("org.")).await, "Name the Cloud Foundry org.");
        fill(c, "#cf-org", "acme").await;
        fill(c, "#cf-region", "us-south").await;
        click(c, "#invite-submit").await;
        let missing = text_until(c, "#problem", |t| t.contains("space")).await;
        assert_eq!(missing, "A Cloud Foundry space needs its region, its name and at least one role.");
        fill(c, "#cf-space", "dev").await;
        click(c, "input[name='cf-space-role'][value='Developer']").await;
        click(c, "input[name='cf-org-role'][value='Auditor']").await;
        assert!(invitation(server, "sam@example.com").await.is_null(), "nothing was sent yet");

        click(c, "#invite-submit").await;
        shown(c, "#result").await;
        assert_eq!(text(c, "#results").await, "Sam@Example.com Invited: the email is on its way.", "as typed");
        assert!(!is_shown(c, "#problem").await);
        click(c, "#result-back").await;
        shown(c, "#users").await;
        loaded(c).await;
        let shown_access = row_text(c, "sam@example.com").await;
        assert!(shown_access.contains("Cloud Foundry: org acme (Auditor), space us-south/dev (Developer)"), "{shown_access}");
        let stored = invitation(server, "sam@example.com").await;
        let want = json!({"org": "acme", "org_roles": ["Auditor"], "spaces": [{"region": "us-south", "space": "dev", "roles": ["Developer"]}]});
        assert_eq!(stored["access"]["cloud_foundry"], want);
        assert_eq!((&stored["access"]["iam"], &stored["access"]["infrastructure"]), (&json!("no_access"), &json!("no_access")));
    })
    .await;
    bench.stop().await;
}
