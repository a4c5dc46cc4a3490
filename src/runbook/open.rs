//! A runbook opened for a command: its warnings and notes go to stderr as they are found,
//! its problems are the command's error (each a `FILE:LINE:COLUMN: error:` line).

use std::io::Write;
use std::path::Path;

use super::{load, Invalid, Loaded};
use crate::error::Error;

/// Load a runbook, printing its warnings to stderr (its problems are the error).
pub fn open(path: &Path) -> Result<Loaded, Error> {
    report(load(path))
}

/// Print what loading found (warnings and notes) to stderr; the problems are the error.
pub fn report(result: Result<Loaded, Invalid>) -> Result<Loaded, Error> {
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
