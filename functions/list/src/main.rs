//! Serves the read routes: the invitations list, the Users list, and the account's sending, settings and seats.
use invitations::entry::http::{self, Route};
use invitations::{logging, startup::wiring};
use lambda_http::{lambda_runtime, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let deps = wiring::store_only().await?;
    let handle = |event: LambdaEvent<Value>| async {
        let serve = |req| async {
            match http::route_of(&req) {
                Some(Route::Users) => http::users(&deps, req).await,
                Some(Route::Sending) => http::sending(&deps, req).await,
                Some(Route::Settings) => http::settings(&deps, req).await,
                Some(Route::Seats) => http::seats(&deps, req).await,
                _ => http::list(&deps, req).await,
            }
        };
        Ok::<_, Error>(http::serve_event(event.payload, serve).await)
    };
    lambda_runtime::run(service_fn(handle)).await
}
