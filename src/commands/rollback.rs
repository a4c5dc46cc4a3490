//! `cutover rollback [RUN_ID]`: undo what a forward run did, newest step first, with the
//! same machinery as `run` (lock, journal, confirmations, undo_verifies polled, resume).
//! A run is rolled back once: a second rollback is refused (exit 5) unless `--again`, and an
//! interrupted rollback is resumed, not restarted. The session is `crate::session::rollback`.

use super::args::{AnsweringArgs, StateArgs, WithoutArgs};
use super::runs;
use crate::error::Result;
use crate::exit_code::Exit;
use crate::session::rollback::{self, Options};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The forward run to undo (default: the newest run that is not a rehearsal)
    run_id: Option<String>,
    /// Rehearse the rollback: nothing is executed
    #[arg(long)]
    dry_run: bool,
    /// With --yes, go back past the point of no return without typing its step id
    #[arg(long)]
    past_point_of_no_return: bool,
    /// Roll back although a rollback of this run already finished (journaled)
    #[arg(long)]
    again: bool,
    #[command(flatten)]
    without: WithoutArgs,
    #[command(flatten)]
    answering: AnsweringArgs,
    #[command(flatten)]
    state: StateArgs,
}

pub fn exec(args: Args) -> Result<Exit> {
    let answering = args.answering.answering();
    let without = args.without.clusters();
    let found = runs::locate(
        args.state.state_dir.as_deref(),
        args.run_id.as_deref(),
        runs::Default::NewestRun,
    )?;
    let id = found.state.run_id.clone();
    let found = runs::enter_working_dir(found, &id)?;
    rollback::start(
        &found.state_dir,
        Options {
            run_id: Some(&found.state.run_id),
            dry_run: args.dry_run,
            past_point_of_no_return: args.past_point_of_no_return,
            again: args.again,
            without,
        },
        &answering,
    )
}
