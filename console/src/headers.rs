//! The headers every console answer carries. The page runs only its own files: no inline script or
//! style, nothing from another origin but the sign-in's issuer, never inside a frame.
use crate::config::SignIn;
use crate::Answer;

/// Whether a browser may keep an answer.
pub enum Caching {
    /// The page (its address holds the sign-in's code on the way back) and the configuration.
    Never,
    /// A file, kept but checked against its tag each time.
    Revalidate(String),
}

/// `connect-src` is the API (this origin) and, with OpenID Connect, the issuer's discovery document and
/// token endpoint; everything else is refused.
pub fn content_security_policy(sign_in: &SignIn) -> String {
    let mut connect = vec!["'self'".to_owned()];
    if let SignIn::Oidc(oidc) = sign_in {
        for origin in oidc.origins() {
            if !connect.contains(&origin) {
                connect.push(origin);
            }
        }
    }
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src {}; img-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        connect.join(" ")
    )
}

pub fn answer(status: u16, content_type: &str, body: Vec<u8>, caching: Caching, policy: &str) -> Answer {
    let mut headers = vec![
        ("content-type", content_type.to_owned()),
        ("content-security-policy", policy.to_owned()),
        ("x-content-type-options", "nosniff".to_owned()),
        ("referrer-policy", "no-referrer".to_owned()),
        ("cross-origin-opener-policy", "same-origin".to_owned()),
        ("cross-origin-resource-policy", "same-origin".to_owned()),
    ];
    match caching {
        Caching::Never => headers.push(("cache-control", "no-store".to_owned())),
        Caching::Revalidate(tag) => {
            headers.push(("cache-control", "no-cache".to_owned()));
            headers.push(("etag", tag));
        }
    }
    Answer { status, headers, body }
}
