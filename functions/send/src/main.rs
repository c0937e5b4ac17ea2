//! The paced sender: drains the send queue, each email in its slot of the account's send schedule.
use invitations::{entry::sender, logging, startup::wiring};
use lambda_http::{lambda_runtime, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let (deps, notifier) = wiring::with_mail().await?;
    let (deps, notifier) = (&deps, &notifier);
    let handle = |event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(sender::run(deps, notifier, &event.payload, &event.context).await)
    };
    lambda_runtime::run(service_fn(handle)).await
}
