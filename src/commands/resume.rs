//! `cutover resume [RUN_ID]`: continue an interrupted, crashed or aborted run after its last
//! finished step. An action that was started but has no result is in doubt: never re-run
//! silently, never marked done without evidence. The session is `crate::session::resume`.

use std::path::Path;

use super::args::{AnsweringArgs, StateArgs, WithoutArgs};
use super::runs;
use crate::error::Result;
use crate::exit_code::Exit;
use crate::session::{self, Answering, ResumeOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run (default: the newest unfinished run)
    run_id: Option<String>,
    /// Mark this step's in-doubt action as done (repeatable)
    #[arg(long = "mark-done", value_name = "STEP")]
    mark_done: Vec<String>,
    /// Run this step's in-doubt action again (repeatable)
    #[arg(long = "rerun", value_name = "STEP")]
    rerun: Vec<String>,
    /// Resume although the runbook changed since the run started (clusters, checks,
    /// actions, parameters); the changes are journaled
    #[arg(long = "accept-changes", alias = "force")]
    accept_changes: bool,
    /// With --yes, a resumed rollback may go back past the point of no return
    #[arg(long)]
    past_point_of_no_return: bool,
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
    let found = runs::locate_for_resume(args.state.state_dir.as_deref(), args.run_id.as_deref())?;
    let id = found.state.run_id.clone();
    let found = runs::enter_working_dir(found, &id)?;
    run(
        &found.state_dir,
        Options {
            run_id: Some(&found.state.run_id),
            accept_changes: args.accept_changes,
            mark_done: args.mark_done,
            rerun: args.rerun,
            past_point_of_no_return: args.past_point_of_no_return,
            without,
        },
        &answering,
    )
}

pub struct Options<'a> {
    pub run_id: Option<&'a str>,
    /// `--accept-changes` (hidden alias `--force`).
    pub accept_changes: bool,
    pub mark_done: Vec<String>,
    pub rerun: Vec<String>,
    pub past_point_of_no_return: bool,
    /// A rollback's `--without CLUSTER --reason TEXT` (journaled on the resume).
    pub without: std::collections::BTreeMap<String, String>,
}

pub fn run(state_dir: &Path, options: Options<'_>, answering: &Answering) -> Result<Exit> {
    session::resume(
        state_dir,
        ResumeOptions {
            run_id: options.run_id,
            accept_changes: options.accept_changes,
            mark_done: options.mark_done,
            rerun: options.rerun,
            past_point_of_no_return: options.past_point_of_no_return,
            without: options.without,
        },
        answering,
    )
}
