//! One file per subcommand: its `Args` (clap) and its `exec`; `cli.rs` lists them.

pub mod abandon;
pub mod args;
pub mod check;
pub mod completions;
pub mod confirm;
pub mod demo;
pub mod init;
pub mod man;
pub mod plan;
pub mod report;
pub mod resume;
pub mod rollback;
pub mod run;
pub mod runs;
pub mod status;
pub mod validate;
