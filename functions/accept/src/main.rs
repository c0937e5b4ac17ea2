use invitations::{entry::http, logging, startup::wiring};
use lambda_http::{lambda_runtime, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let deps = wiring::store_only().await?;
    let handle = |event: LambdaEvent<Value>| async {
        Ok::<_, Error>(http::serve_event(event.payload, |req| http::accept(&deps, req)).await)
    };
    lambda_runtime::run(service_fn(handle)).await
}
