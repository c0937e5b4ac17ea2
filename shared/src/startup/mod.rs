//! Start-up: reading the configuration (`config`) and building the clients and the use cases' dependencies
//! from it, once per process (`wiring`).
pub mod config;
pub mod wiring;
