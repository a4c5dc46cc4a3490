//! `cutover run RUNBOOK [--dry-run]`: execute the runbook step by step, journaled, under the
//! clusters' lock. The session itself (lock, journal, executor) is `crate::session`.

use std::path::Path;

use crate::engine::Mode;
use crate::error::Result;
use crate::exit_code::Exit;
pub use crate::session::Answering;
use crate::session::{self, Start};

pub fn run(
    path: &Path,
    state_dir: &Path,
    answering: &Answering,
    dry_run: bool,
    run_commands: bool,
) -> Result<Exit> {
    session::start(Start {
        runbook: path,
        state_dir,
        answering,
        mode: Mode::Forward,
        dry_run,
        run_commands,
        past_point_of_no_return: false,
        rollback_of: None,
        again: false,
        without: Default::default(),
    })
}
