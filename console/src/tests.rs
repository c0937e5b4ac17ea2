use super::*;
use invitations::entry::http::CONSOLE_ROUTES;

fn development() -> Site {
    let dev = Development { account: "acme".into(), roles: "owner".into(), user: "u".into(), email: "a@x.io".into() };
    Site::new(SignIn::Development(dev))
}

fn oidc(token_origin: Option<&str>) -> Site {
    Site::new(SignIn::Oidc(Oidc {
        issuer: "https://login.example.com/tenant".into(),
        client_id: "console".into(),
        scopes: "openid email".into(),
        token_origin: token_origin.map(str::to_owned),
    }))
}

fn text(name: &str) -> &'static str {
    let asset = assets::ASSETS.iter().find(|a| a.name == name).unwrap();
    std::str::from_utf8(asset.body).unwrap()
}

#[test]
fn it_answers_its_routes_and_nothing_else() {
    let site = development();
    let paths: Vec<&str> = CONSOLE_ROUTES.iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/", "/console/{file}"], "the route table names what this crate serves");
    let page = site.answer("GET", "/", None).unwrap();
    assert_eq!((page.status, page.header("content-type")), (200, Some("text/html; charset=utf-8")));
    assert_eq!(page.body, assets::index().body);
    for asset in assets::ASSETS.iter().filter(|a| a.name != assets::INDEX) {
        let got = site.answer("GET", &format!("/console/{}", asset.name), None).unwrap();
        assert_eq!((got.status, got.header("content-type")), (200, Some(asset.content_type)), "{}", asset.name);
        assert_eq!(got.body, asset.body);
    }
    let config = site.answer("GET", "/console/config.json", None).unwrap();
    assert_eq!((config.status, config.header("content-type")), (200, Some("application/json")));
    for missing in ["/console/index.html", "/console/nope.js", "/console/..%2fCargo.toml", "/console/"] {
        let got = site.answer("GET", missing, None);
        assert_eq!(got.map(|a| a.status), if missing == "/console/" { None } else { Some(404) }, "{missing}");
    }
    for (method, path) in
        [("POST", "/"), ("GET", "/console/a/b"), ("GET", "/accounts/acme/users"), ("GET", "/index.html")]
    {
        assert!(site.answer(method, path, None).is_none(), "{method} {path}");
    }
}

#[test]
fn every_answer_carries_the_strict_policy_and_the_page_is_never_kept() {
    let site = development();
    for path in ["/", "/console/app.js", "/console/config.json", "/console/missing.js"] {
        let got = site.answer("GET", path, None).unwrap();
        let csp = got.header("content-security-policy").unwrap();
        for directive in [
            "default-src 'none'",
            "script-src 'self';",
            "style-src 'self';",
            "connect-src 'self';",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive} in {csp}");
        }
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(got.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(got.header("referrer-policy"), Some("no-referrer"), "{path}");
    }
    for path in ["/", "/console/config.json"] {
        assert_eq!(site.answer("GET", path, None).unwrap().header("cache-control"), Some("no-store"), "{path}");
    }
    let file = site.answer("GET", "/console/users.js", None).unwrap();
    assert_eq!(file.header("cache-control"), Some("no-cache"));
    let tag = file.header("etag").unwrap().to_owned();
    let again = site.answer("GET", "/console/users.js", Some(&format!("\"x\", {tag}"))).unwrap();
    assert_eq!((again.status, again.body.len()), (304, 0));
    assert_eq!(site.answer("GET", "/console/users.js", Some("\"other\"")).unwrap().status, 200);
    assert_ne!(site.answer("GET", "/console/app.js", None).unwrap().header("etag"), Some(tag.as_str()));
}

#[test]
fn with_openid_connect_the_page_may_reach_the_issuer_and_its_token_endpoint_only() {
    let csp = |site: Site| site.answer("GET", "/", None).unwrap().header("content-security-policy").unwrap().to_owned();
    assert!(csp(oidc(None)).contains("connect-src 'self' https://login.example.com;"));
    let both = csp(oidc(Some("https://auth.example.net")));
    assert!(both.contains("connect-src 'self' https://login.example.com https://auth.example.net;"), "{both}");
    let config: Value =
        serde_json::from_slice(&oidc(None).answer("GET", "/console/config.json", None).unwrap().body).unwrap();
    assert_eq!(
        config["sign_in"],
        json!({"kind": "oidc", "issuer": "https://login.example.com/tenant", "client_id": "console", "scopes": "openid email"})
    );
}

#[test]
fn the_page_is_told_the_role_table_and_the_vocabulary_of_the_core() {
    let config: Value =
        serde_json::from_slice(&development().answer("GET", "/console/config.json", None).unwrap().body).unwrap();
    assert_eq!(config["sign_in"]["kind"], "development");
    assert_eq!(config["sign_in"]["account"], "acme");
    let roles = config["roles"].as_array().unwrap();
    let owner = roles.iter().find(|r| r["name"] == "owner").unwrap();
    assert_eq!(owner["grants"], json!(["iam", "cloud_foundry", "infrastructure"]));
    let iam_admin = roles.iter().find(|r| r["name"] == "iam_admin").unwrap();
    assert_eq!((&iam_admin["manages"], &iam_admin["grants"]), (&json!(false), &json!(["iam"])));
    assert_eq!(config["access"]["infrastructure"], json!(["view_only", "basic_user", "super_user"]));
    assert_eq!(config["access"]["space_roles"], json!(["Manager", "Developer", "Auditor"]));
}

#[test]
fn the_files_run_nothing_inline_load_nothing_from_elsewhere_and_never_parse_data_as_markup() {
    let html = text("index.html");
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains(r#"<script type="module" src="/console/app.js"></script>"#));
    assert!(html.contains(r#"<meta name="referrer" content="no-referrer">"#));
    assert_eq!(inline_handler(html), None, "an inline event handler");
    assert!(!html.contains("style="), "inline style");
    for asset in assets::ASSETS {
        let body = std::str::from_utf8(asset.body).unwrap();
        for far in ["http://", "https://", "//cdn", "@import"] {
            assert!(!body.contains(far), "{} refers elsewhere: {far}", asset.name);
        }
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
            "localStorage",
            "document.cookie",
        ] {
            assert!(!body.contains(sink), "{} uses {sink}", asset.name);
        }
    }
}

/// The first ` on…=` attribute in `html` (an inline event handler), if any.
fn inline_handler(html: &str) -> Option<String> {
    html.match_indices(" on").find_map(|(i, _)| {
        let rest = &html[i + 3..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        (!name.is_empty() && rest[name.len()..].starts_with('=')).then(|| format!("on{name}"))
    })
}

#[test]
fn every_module_the_page_imports_is_embedded_and_every_file_is_used() {
    let mut used = vec!["index.html".to_owned(), "console.css".to_owned(), "app.js".to_owned()];
    for asset in assets::ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
        for line in text(asset.name).lines().filter(|l| l.starts_with("import ")) {
            let name = line.split("\"./").nth(1).and_then(|r| r.split('"').next()).unwrap_or_else(|| panic!("{line}"));
            assert!(
                assets::ASSETS.iter().any(|a| a.name == name),
                "{} imports {name}, which is not embedded",
                asset.name
            );
            used.push(name.to_owned());
        }
    }
    for asset in assets::ASSETS {
        assert!(used.iter().any(|u| u == asset.name), "{} is embedded but nothing loads it", asset.name);
    }
    assert!(text("index.html").contains("href=\"/console/console.css\""));
}

#[test]
fn the_page_stays_under_its_size_budget() {
    let total: usize = assets::ASSETS.iter().map(|a| a.body.len()).sum();
    assert!(total < 60 * 1024, "the console's files are {total} bytes, over the 60 KB BENCHMARKS.md aims for");
}

#[test]
fn an_event_gets_the_answer_api_gateway_expects() {
    let site = oidc(None);
    // Behind a custom domain's API mapping `v1`: the route key and its parameter say which file.
    let event = json!({
        "rawPath": "/v1/console/app.js", "pathParameters": {"file": "app.js"}, "headers": {},
        "requestContext": {"http": {"method": "GET"}, "routeKey": "GET /console/{file}"}
    });
    let got = site.answer_event(&event);
    assert_eq!(got["statusCode"], 200);
    assert_eq!(got["headers"]["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(got["isBase64Encoded"], false);
    assert_eq!(
        got["body"].as_str().unwrap().as_bytes(),
        assets::ASSETS.iter().find(|a| a.name == "app.js").unwrap().body
    );
    let odd = json!({"rawPath": "/elsewhere", "requestContext": {"http": {"method": "GET"}, "routeKey": "$default"}});
    assert_eq!(site.answer_event(&odd)["statusCode"], 404);
    let unnamed = json!({"rawPath": "/console/", "requestContext": {"http": {"method": "GET"}, "routeKey": "GET /console/{file}"}});
    assert_eq!(site.answer_event(&unnamed)["statusCode"], 404, "no file named");
    assert_eq!(site.answer_event(&json!({}))["statusCode"], 404, "a malformed event is a 404, not a panic");
}

#[test]
fn the_openid_connect_settings_are_checked_and_every_problem_named() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    };
    let ok = Oidc::from_env(env(&[
        ("OIDC_ISSUER", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"),
        ("OIDC_CLIENT_ID", "client-1"),
        ("OIDC_SCOPES", " openid  email "),
        ("OIDC_TOKEN_ORIGIN", "https://acme.auth.eu-west-1.amazoncognito.com/"),
    ]))
    .unwrap();
    assert_eq!(ok.scopes, "openid email");
    assert_eq!(ok.token_origin.as_deref(), Some("https://acme.auth.eu-west-1.amazoncognito.com"));
    assert_eq!(
        ok.origins(),
        ["https://cognito-idp.eu-west-1.amazonaws.com", "https://acme.auth.eu-west-1.amazoncognito.com"]
    );
    let local = Oidc::from_env(env(&[
        ("OIDC_ISSUER", "http://127.0.0.1:4444"),
        ("OIDC_CLIENT_ID", "c"),
        ("OIDC_SCOPES", "openid"),
    ]));
    assert_eq!(local.unwrap().token_origin, None, "http on loopback, for a stand-in issuer");
    let bad = Oidc::from_env(env(&[
        ("OIDC_ISSUER", "http://login.example.com"),
        ("OIDC_SCOPES", "email profile"),
        ("OIDC_TOKEN_ORIGIN", "https://auth.example.com/oauth2/token"),
    ]))
    .unwrap_err();
    assert_eq!(bad.vars(), ["OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_SCOPES", "OIDC_TOKEN_ORIGIN"], "{bad}");
}
