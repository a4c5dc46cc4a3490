//! `cutover run RUNBOOK [--dry-run]`: execute the runbook step by step, journaled, under the
//! clusters' lock. The session itself (lock, journal, executor) is `crate::session`.

use std::path::{Path, PathBuf};

use super::args::{AnsweringArgs, StateArgs};
use crate::engine::Mode;
use crate::error::Result;
use crate::exit_code::Exit;
use crate::session::Answering;
use crate::session::{self, Start};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The runbook file
    runbook: PathBuf,
    /// Rehearse: evaluate every check once for real, show actions without running them
    #[arg(long)]
    dry_run: bool,
    /// With --dry-run: run `command` checks too (they are not read-only)
    #[arg(long, requires = "dry_run")]
    run_commands: bool,
    /// Start over although an unfinished run of this runbook exists: abandons it (journaled)
    #[arg(long)]
    new: bool,
    #[command(flatten)]
    answering: AnsweringArgs,
    #[command(flatten)]
    state: StateArgs,
}

pub fn exec(args: Args) -> Result<Exit> {
    let state_dir = crate::session::unfinished::prepare(
        args.state.state_dir.as_deref(),
        &args.runbook,
        args.new && !args.dry_run,
    )?;
    run(
        &args.runbook,
        &state_dir,
        &args.answering.answering(),
        args.dry_run,
        args.run_commands,
    )
}

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
