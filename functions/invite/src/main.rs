use invitations::{api, logging, wiring};
use lambda_http::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let (deps, sender) = wiring::with_mail().await?;
    run(service_fn(|req| api::invite(&deps, &sender, req))).await
}
