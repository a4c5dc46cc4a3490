//! One file per subcommand.

pub mod abandon;
pub mod check;
pub mod demo;
pub mod init;
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

use crate::exit_code::Exit;
use crate::runbook::{self, Loaded};

/// Load a runbook, printing its warnings (or its problems) to stderr.
pub fn load_runbook(path: &Path) -> Result<Loaded, Exit> {
    print_loaded(runbook::load(path))
}

/// Print what loading found (warnings and notes, or the problems) to stderr.
pub fn print_loaded(result: Result<Loaded, runbook::Invalid>) -> Result<Loaded, Exit> {
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
        Err(invalid) => {
            for problem in &invalid.0 {
                let _ = writeln!(err, "{problem}");
            }
            Err(Exit::Invalid)
        }
    }
}
