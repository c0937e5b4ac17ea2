//! The local run: an API Gateway stand-in in front of the very handlers the Lambdas run. It routes a
//! request as the HTTP API's routes do, checks a development token in place of the JWT authorizer,
//! and hands the handler the same payload-2.0 event it gets in AWS. Beside the API it serves the Users
//! window with its development sign-in (`console`), the page the emailed links open (`page`) and a
//! development sign-in for invitees (`signin`). `local setup`
//! (`setup`) readies DynamoDB Local and the SES emulator for the Lambda functions instead: the table the
//! template declares (`table`) and the invitations the sample events name (`samples`).
pub mod auth;
pub mod console;
pub mod gateway;
pub mod page;
pub mod samples;
pub mod setup;
pub mod signin;
pub mod table;
