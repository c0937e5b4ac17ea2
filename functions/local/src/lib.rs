//! The local run: an API Gateway stand-in in front of the very handlers the Lambdas run. It routes a
//! request as the HTTP API's routes do, checks a development token in place of the JWT authorizer,
//! and hands the handler the same payload-2.0 event it gets in AWS.
pub mod auth;
pub mod gateway;
