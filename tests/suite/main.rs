//! One integration test binary: links rdkafka once instead of once per file.

mod auth;
mod brokers;
mod checks;
mod connect;
mod counts;
mod demo;
mod docs;
mod errors;
mod faults;
mod fixture;
mod init;
mod kafka;
mod modules;
mod plan;
mod proptests;
mod rollback;
mod run;
mod safety;
mod scale;
mod security;
mod support;
mod validate;
mod window;
