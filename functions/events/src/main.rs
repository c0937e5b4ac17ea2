//! Serves DynamoDB stream batches: each record's item before and after becomes its lifecycle events on
//! the EventBridge bus `EVENT_BUS_NAME`; the answer names the record the stream must resume from.
use aws_lambda_events::event::dynamodb::Event;
use invitations::service::publish::Retry;
use invitations::{entry::stream, logging, startup::wiring};
use lambda_http::{lambda_runtime, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let bus = wiring::event_bus().await?;
    let bus = &bus;
    let handle = |event: LambdaEvent<Event>| async move {
        Ok::<_, Error>(stream::handle(bus, event.payload, Retry::default()).await)
    };
    lambda_runtime::run(service_fn(handle)).await
}
