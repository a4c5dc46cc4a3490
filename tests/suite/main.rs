//! One integration test binary: links rdkafka once instead of once per file.

mod brokers;
mod checks;
mod demo;
mod docs;
mod faults;
mod fixture;
mod kafka;
mod plan;
mod rollback;
mod run;
mod support;
mod validate;
