use invitations::{api, logging, wiring};
use lambda_http::{lambda_runtime, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let (deps, sender) = wiring::with_mail().await?;
    lambda_runtime::run(service_fn(|event| api::resend_or_sweep(&deps, &sender, event))).await
}
