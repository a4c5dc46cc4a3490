//! cutover: walks an operator through migrating live Kafka workloads between clusters.
//!
//! Data flows one way: runbook -> plan -> engine -> (kafka, actions) -> journal -> report.

pub mod cancel;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod connect;
pub mod demo;
pub mod engine;
pub mod error;
pub mod exit_code;
pub mod init;
pub mod interrupt;
pub mod journal;
pub mod kafka;
pub mod memory;
pub mod mm2;
pub mod output;
pub mod plan;
pub mod present;
pub mod process;
pub mod report;
pub mod runbook;
pub mod session;
