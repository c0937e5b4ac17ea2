//! The route table: every route of the HTTP API with its method, path and the Lambda function that
//! serves it. The local server, the tests and the fuzz target dispatch through it, and a test holds it
//! to `template.yaml`, so a route exists in one place.
use lambda_http::Request;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    Accept,
    Invite,
    List,
    Cancel,
    Resend,
    Users,
    RemoveUser,
    Sending,
    ResumeSending,
    Settings,
    Seats,
    PutSettings,
    Update,
    Link,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteDef {
    pub route: Route,
    pub method: &'static str,
    /// As API Gateway writes it: `{name}` is a path parameter matching one non-empty segment.
    pub path: &'static str,
    /// The binary (and the template's function) that serves it.
    pub function: &'static str,
}

pub const ROUTES: &[RouteDef] = &[
    RouteDef { route: Route::Invite, method: "POST", path: "/accounts/{account_id}/invitations", function: "invite" },
    RouteDef { route: Route::List, method: "GET", path: "/accounts/{account_id}/invitations", function: "list" },
    RouteDef {
        route: Route::Cancel,
        method: "DELETE",
        path: "/accounts/{account_id}/invitations/{id}",
        function: "cancel",
    },
    RouteDef {
        route: Route::Resend,
        method: "POST",
        path: "/accounts/{account_id}/invitations/{id}/resend",
        function: "resend",
    },
    RouteDef {
        route: Route::Accept,
        method: "POST",
        path: "/accounts/{account_id}/invitations/{id}/accept",
        function: "accept",
    },
    RouteDef { route: Route::Users, method: "GET", path: "/accounts/{account_id}/users", function: "list" },
    RouteDef {
        route: Route::RemoveUser,
        method: "DELETE",
        path: "/accounts/{account_id}/users/{user_id}",
        function: "cancel",
    },
    RouteDef { route: Route::Sending, method: "GET", path: "/accounts/{account_id}/sending", function: "list" },
    RouteDef {
        route: Route::ResumeSending,
        method: "POST",
        path: "/accounts/{account_id}/sending/resume",
        function: "cancel",
    },
    // The reads function reads the settings, the removals function writes them: no function of its own.
    RouteDef { route: Route::Settings, method: "GET", path: "/accounts/{account_id}/settings", function: "list" },
    RouteDef { route: Route::PutSettings, method: "PUT", path: "/accounts/{account_id}/settings", function: "cancel" },
    RouteDef { route: Route::Seats, method: "GET", path: "/accounts/{account_id}/seats", function: "list" },
    // An update writes without sending, like a cancel: the same function.
    RouteDef {
        route: Route::Update,
        method: "PATCH",
        path: "/accounts/{account_id}/invitations/{id}",
        function: "cancel",
    },
    // A new link, as a resend makes one, without the email: beside the resend, which knows ACCEPT_URL.
    RouteDef {
        route: Route::Link,
        method: "POST",
        path: "/accounts/{account_id}/invitations/{id}/link",
        function: "resend",
    },
];

/// A route of the same HTTP API that is not the API: the console's page and its files. They are public
/// (the page signs its user in itself, and every API call it makes goes through the JWT authorizer), and
/// served from `console/` by the `console` function and by the local server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub function: &'static str,
}

pub const CONSOLE_ROUTES: &[PublicRoute] = &[
    PublicRoute { method: "GET", path: "/", function: "console" },
    PublicRoute { method: "GET", path: "/console/{file}", function: "console" },
];

impl Route {
    pub fn def(self) -> &'static RouteDef {
        ROUTES.iter().find(|d| d.route == self).expect("every route is in the table")
    }

    /// The name logs use for it: its function's.
    pub fn name(self) -> &'static str {
        self.def().function
    }

    /// API Gateway's route key, `METHOD /path`.
    pub fn key(self) -> String {
        format!("{} {}", self.def().method, self.def().path)
    }

    /// The route with API Gateway's route key `key`.
    pub fn from_key(key: &str) -> Option<Route> {
        let (method, path) = key.split_once(' ')?;
        ROUTES.iter().find(|d| d.method == method && d.path == path).map(|d| d.route)
    }

    /// The route a request matches, with its path parameters in order, or `None` where API Gateway
    /// answers 404 itself.
    pub fn matching(method: &str, path: &str) -> Option<(Route, Vec<(&'static str, String)>)> {
        let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        ROUTES.iter().filter(|d| d.method == method).find_map(|d| {
            let pattern: Vec<&str> = d.path[1..].split('/').collect();
            if pattern.len() != segments.len() {
                return None;
            }
            let mut params = Vec::new();
            for (p, s) in pattern.iter().zip(&segments) {
                match p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(name) if !s.is_empty() => params.push((name, (*s).to_owned())),
                    Some(_) => return None,
                    None if p == s => {}
                    None => return None,
                }
            }
            Some((d.route, params))
        })
    }
}

/// The route a request is for, for a function that serves two: the route key API Gateway matched
/// (`requestContext.routeKey`). The path would not do: behind a custom domain with an API mapping,
/// `rawPath` starts with the mapping's key (`/v1/accounts/…`).
pub fn route_of(req: &Request) -> Option<Route> {
    use lambda_http::request::RequestContext;
    use lambda_http::RequestExt;
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => Route::from_key(context.route_key.as_deref()?),
        _ => None,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    const ALL: [Route; 12] = [
        Route::Invite,
        Route::List,
        Route::Cancel,
        Route::Resend,
        Route::Accept,
        Route::Users,
        Route::RemoveUser,
        Route::Settings,
        Route::PutSettings,
        Route::Seats,
        Route::Update,
        Route::Link,
    ];

    #[test]
    fn paths_match_their_routes_only() {
        let (r, p) = Route::matching("POST", "/accounts/acme/invitations/abc/resend").unwrap();
        assert_eq!(r, Route::Resend);
        assert_eq!(p, [("account_id", "acme".to_owned()), ("id", "abc".to_owned())]);
        assert_eq!(Route::matching("GET", "/accounts/acme/invitations").unwrap().0, Route::List);
        assert_eq!(Route::matching("DELETE", "/accounts/acme/invitations/x").unwrap().0, Route::Cancel);
        assert_eq!(Route::matching("POST", "/accounts/acme/invitations/x/accept").unwrap().0, Route::Accept);
        assert_eq!(Route::matching("GET", "/accounts/acme/users").unwrap().0, Route::Users);
        assert_eq!(Route::matching("GET", "/accounts/acme/settings").unwrap().0, Route::Settings);
        assert_eq!(Route::matching("PUT", "/accounts/acme/settings").unwrap().0, Route::PutSettings);
        assert_eq!(Route::matching("GET", "/accounts/acme/seats").unwrap().0, Route::Seats);
        assert_eq!(Route::matching("PATCH", "/accounts/acme/invitations/x").unwrap().0, Route::Update);
        assert_eq!(Route::matching("POST", "/accounts/acme/invitations/x/link").unwrap().0, Route::Link);
        let (r, p) = Route::matching("DELETE", "/accounts/acme/users/auth0|42").unwrap();
        assert_eq!((r, p[1].1.as_str()), (Route::RemoveUser, "auth0|42"));
        for (m, p) in [
            ("GET", "/accounts//invitations"),
            ("DELETE", "/accounts/acme/invitations/"),
            ("PUT", "/accounts/acme/invitations"),
            ("POST", "/accounts/acme/invitations/x/resend/"),
            ("GET", "accounts/acme/invitations"),
            ("GET", "/"),
        ] {
            assert!(Route::matching(m, p).is_none(), "{m} {p}");
        }
    }

    /// (function, method, path) of every HttpApi event in `template.yaml` behind the API's JWT authorizer
    /// (`authorized`), or of every one without it.
    fn template_routes_of(authorized: bool) -> Vec<(String, String, String)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
        let yaml: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut out = Vec::new();
        for resource in yaml["Resources"].as_mapping().unwrap().values() {
            if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
                continue;
            }
            let binary = resource["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap().to_owned();
            let Some(events) = resource["Properties"]["Events"].as_mapping() else { continue };
            for event in events.values().filter(|e| e["Type"].as_str() == Some("HttpApi")) {
                let props = &event["Properties"];
                // An event without `Auth` has the API's default authorizer, the JWT one.
                let public = match &props["Auth"] {
                    serde_yaml::Value::Null => false,
                    auth => {
                        assert_eq!(auth["Authorizer"].as_str(), Some("NONE"), "an authorizer other than the default");
                        true
                    }
                };
                if public == authorized {
                    continue;
                }
                let method = props["Method"].as_str().unwrap().to_ascii_uppercase();
                out.push((binary.clone(), method, props["Path"].as_str().unwrap().to_owned()));
            }
        }
        out.sort();
        out
    }

    /// (function, method, path) of every API route in `template.yaml`: those behind the JWT authorizer.
    pub(in crate::entry::http) fn template_routes() -> Vec<(String, String, String)> {
        template_routes_of(true)
    }

    #[test]
    fn the_table_is_the_templates_routes() {
        let mut ours: Vec<(String, String, String)> =
            ROUTES.iter().map(|d| (d.function.to_owned(), d.method.to_owned(), d.path.to_owned())).collect();
        ours.sort();
        assert_eq!(ours, template_routes(), "the API's routes, each behind the JWT authorizer");
        let mut public: Vec<(String, String, String)> =
            CONSOLE_ROUTES.iter().map(|d| (d.function.to_owned(), d.method.to_owned(), d.path.to_owned())).collect();
        public.sort();
        assert_eq!(public, template_routes_of(false), "the routes without the authorizer are the console's alone");
    }

    #[test]
    fn a_request_is_routed_by_its_route_key_whatever_its_path() {
        for route in ALL {
            assert_eq!(Route::from_key(&route.key()), Some(route));
        }
        assert_eq!(Route::from_key("GET /accounts/{account_id}/users/"), None);
        assert_eq!(Route::from_key("$default"), None);
        // Behind a custom domain whose API mapping key is `v1`, the path carries the key.
        let event = |route: &str, raw_path: &str| {
            serde_json::json!({
                "version": "2.0", "routeKey": route, "rawPath": raw_path, "rawQueryString": "",
                "headers": {}, "isBase64Encoded": false,
                "requestContext": {"routeKey": route, "stage": "$default", "domainName": "api.example.com",
                    "http": {"method": route.split(' ').next().unwrap(), "path": raw_path}}
            })
        };
        let routed = |route: &str, raw_path: &str| {
            route_of(&crate::entry::http::request_from_event(event(route, raw_path)).unwrap())
        };
        assert_eq!(routed(&Route::Users.key(), "/v1/accounts/acme/users"), Some(Route::Users));
        assert_eq!(routed(&Route::List.key(), "/v1/accounts/acme/invitations"), Some(Route::List));
        assert_eq!(routed(&Route::RemoveUser.key(), "/v1/accounts/acme/users/u1"), Some(Route::RemoveUser));
        assert_eq!(routed(&Route::Cancel.key(), "/accounts/acme/invitations/x"), Some(Route::Cancel));
        assert_eq!(routed("$default", "/accounts/acme/users"), None);
    }

    #[test]
    fn every_route_is_in_the_table_once() {
        for r in ALL {
            assert_eq!(ROUTES.iter().filter(|d| d.route == r).count(), 1, "{r:?}");
        }
    }
}
