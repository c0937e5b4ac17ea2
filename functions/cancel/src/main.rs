//! Serves the writes that send nothing: cancelling an invitation, updating its access, removing a
//! member, the owner's write of the account's settings, and lifting the account's sending pause (which
//! removes its record).
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
                Some(Route::RemoveUser) => http::remove_user(&deps, req).await,
                Some(Route::ResumeSending) => http::resume_sending(&deps, req).await,
                Some(Route::PutSettings) => http::put_settings(&deps, req).await,
                Some(Route::Update) => http::update(&deps, req).await,
                _ => http::cancel(&deps, req).await,
            }
        };
        Ok::<_, Error>(http::serve_event(event.payload, serve).await)
    };
    lambda_runtime::run(service_fn(handle)).await
}
