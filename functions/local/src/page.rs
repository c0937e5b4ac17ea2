//! The accept page the emailed link opens (`GET /accept?account=…&invitation=…&token=…`), standing in
//! for the product's own page at `ACCEPT_URL`. Rendering it reads and writes nothing, because mail
//! scanners and link previews open links too: only the page's Accept button, through the accept route,
//! spends the token.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use http_body_util::Full;
use hyper::body::Bytes;
use std::collections::HashMap;

const TEMPLATE: &str = include_str!("accept.html");

/// The page for a link's query string: 200 with the sign-in and Accept steps, or 400 when the link
/// lacks one of its three parameters.
pub fn accept(raw_query: &str) -> hyper::Response<Full<Bytes>> {
    let mut params: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw_query.as_bytes()) {
        // The first occurrence wins, as URLSearchParams.get does in the browser.
        params.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    let nonce = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    let value = |name: &str| params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let (status, html) = match (value("account"), value("invitation"), value("token")) {
        (Some(account), Some(invitation), Some(token)) => {
            let vars = [("nonce", nonce.as_str()), ("account", account), ("invitation", invitation), ("token", token)];
            (200, render(TEMPLATE, &vars))
        }
        _ => (400, INCOMPLETE.to_owned()),
    };
    html_response(status, html, &nonce)
}

const INCOMPLETE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"referrer\" content=\"no-referrer\"><title>Incomplete link</title></head>\
<body><main><h1>This invitation link is incomplete</h1><p>It needs its <code>account</code>, \
<code>invitation</code> and <code>token</code> parameters: open the link from the email as it \
is.</p></main></body></html>\n";

fn html_response(status: u16, html: String, nonce: &str) -> hyper::Response<Full<Bytes>> {
    // The page loads nothing from anywhere: its one script and style are inline, allowed by nonce, and
    // it talks to its own origin only.
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    hyper::Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        // The link's token is in the URL and the page: keep both out of caches and other origins.
        .header("cache-control", "no-store")
        .header("referrer-policy", "no-referrer")
        .header("content-security-policy", csp)
        .header("x-content-type-options", "nosniff")
        .body(Full::new(Bytes::from(html)))
        .expect("static parts are valid")
}

/// Fills each `{{name}}` of `template` with the HTML-escaped value, in one pass, so a value that itself
/// reads `{{…}}` stays text.
fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 512);
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("}}").expect("every placeholder of the template is closed");
        let name = &after[..close];
        let value = vars.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no value for {{{{{name}}}}}")).1;
        out.push_str(&escape(value));
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// Escapes text for an element's content or a quoted attribute.
pub fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body(resp: hyper::Response<Full<Bytes>>) -> String {
        String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn values_from_the_link_are_escaped() {
        let hostile = "%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%27%26%7B%7Bnonce%7D%7D";
        let resp = accept(&format!("account={hostile}&invitation=i1&token=t%22x"));
        assert_eq!(resp.status(), 200);
        let html = body(resp).await;
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;{{nonce}}"), "{html}");
        assert!(html.contains(r#"data-token="t&quot;x""#), "{html}");
        assert_eq!(html.matches("<script").count(), 1, "only the page's own script");
    }

    #[tokio::test]
    async fn the_page_is_neither_cached_nor_referred_and_loads_nothing_else() {
        let resp = accept("account=acme&invitation=i1&token=abc");
        let headers = resp.headers().clone();
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        let csp = headers["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.starts_with("default-src 'none';"), "{csp}");
        let html = body(resp).await;
        let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
        assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), 2, "the style and the script");
        assert!(html.contains(r#"<meta name="referrer" content="no-referrer">"#));
        for attr in ["src=", "href=", "http://", "https://", "@import", "url("] {
            assert!(!html.contains(attr), "the page refers to a resource: {attr}");
        }
        let again = accept("account=acme&invitation=i1&token=abc");
        assert_ne!(again.headers()["content-security-policy"], headers["content-security-policy"], "a fresh nonce");
    }

    #[tokio::test]
    async fn a_link_without_its_parameters_is_refused() {
        for query in ["", "account=acme&invitation=i1", "account=acme&invitation=&token=t", "token=t"] {
            let resp = accept(query);
            assert_eq!(resp.status(), 400, "{query}");
            assert!(body(resp).await.contains("incomplete"));
        }
    }

    #[test]
    fn a_placeholder_value_is_not_filled_again() {
        let out = render("<p>{{a}}</p><i>{{b}}</i>", &[("a", "{{b}}"), ("b", "x&y")]);
        assert_eq!(out, "<p>{{b}}</p><i>x&amp;y</i>");
    }
}
