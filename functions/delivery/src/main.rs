//! Serves SES's events of the configuration set `SES_CONFIGURATION_SET`, as an EventBridge rule
//! delivers them: each one recorded on its invitation, or logged and dropped when it names none.
use invitations::{entry::delivery, logging, startup::wiring};
use lambda_http::{lambda_runtime, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let (deps, configuration_set) = wiring::for_delivery().await?;
    let (deps, configuration_set) = (&deps, configuration_set.as_str());
    let handle = |event: LambdaEvent<serde_json::Value>| async move {
        let body = serde_json::to_vec(&event.payload)?;
        Ok::<_, Error>(delivery::handle(deps, configuration_set, &body).await?)
    };
    lambda_runtime::run(service_fn(handle)).await
}
