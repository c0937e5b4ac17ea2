//! Serves two kinds of event: HTTP API requests for the resend route, and EventBridge's Scheduled
//! Event, which runs the sweep.
use invitations::{entry::http, entry::sweep, logging, startup::wiring};
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
        Ok(http::serve_event(event.payload, |req| http::resend(deps, notifier, req)).await)
    };
    lambda_runtime::run(service_fn(handle)).await
}
