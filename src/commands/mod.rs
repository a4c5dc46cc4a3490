//! One file per subcommand: its `Args` (clap) and its `exec`; `cli.rs` lists them.

pub mod abandon;
pub mod args;
pub mod check;
pub mod completions;
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
pub mod unfinished;
pub mod validate;

use std::io::Write;
use std::path::Path;

use crate::error::Error;
use crate::runbook::{self, Loaded};

/// Load a runbook, printing its warnings to stderr (its problems are the error).
pub fn load_runbook(path: &Path) -> Result<Loaded, Error> {
    print_loaded(runbook::load(path))
}

/// Print what loading found (warnings and notes) to stderr; the problems are the error.
pub fn print_loaded(result: Result<Loaded, runbook::Invalid>) -> Result<Loaded, Error> {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    match result {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                let _ = writeln!(
                    err,
                    "{}",
                    loaded.runbook.secrets.redact(&warning.to_string())
                );
            }
            Ok(loaded)
        }
        Err(invalid) => Err(Error::Problems(
            invalid
                .0
                .iter()
                .map(|problem| problem.to_string())
                .collect(),
        )),
    }
}
