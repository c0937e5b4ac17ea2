//! Serves two kinds of event: HTTP API requests for the resend and link routes, and EventBridge's
//! Scheduled Event, which runs the sweep.
use invitations::entry::http::{self, Route};
use invitations::{entry::sweep, logging, startup::wiring};
use lambda_http::{lambda_runtime, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let (deps, notifier) = wiring::with_mail().await?;
    let (deps, notifier) = (&deps, &notifier);
    let handle = |event: LambdaEvent<Value>| async move {
        if sweep::is_scheduled(&event.payload) {
            return sweep::run(deps, notifier, &event.context).await;
        }
        let serve = |req| async move {
            match http::route_of(&req) {
                Some(Route::Link) => http::link(deps, notifier, req).await,
                _ => http::resend(deps, notifier, req).await,
            }
        };
        Ok(http::serve_event(event.payload, serve).await)
    };
    lambda_runtime::run(service_fn(handle)).await
}
