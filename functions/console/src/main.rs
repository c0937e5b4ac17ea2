//! Serves the console's page and files, embedded in the binary, for the routes the template gives it
//! without the JWT authorizer. It builds no AWS client and calls nothing.
use invitations::{logging, startup::wiring};
use invitations_console::Site;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let site = match Site::from_env() {
        Ok(site) => site,
        Err(e) => return Err(wiring::init_failed(e).await.into()),
    };
    let site = &site;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(site.answer_event(&event.payload))
    }))
    .await
}
