use invitations::{api, logging, wiring};
use lambda_http::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let deps = wiring::store_only().await?;
    run(service_fn(|req| api::cancel(&deps, req))).await
}
