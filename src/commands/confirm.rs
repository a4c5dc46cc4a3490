//! `cutover confirm RUN_ID --step STEP --reason TEXT`: a person records that a step done but
//! not confirmed (a rollback step without undo_verifies, done unattended under `--yes`, exit
//! 7) was checked by hand and worked. Journaled with who and why; the report shows it.

use super::args::StateArgs;
use super::runs;
use crate::engine;
use crate::error::{Error, Result};
use crate::exit_code::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run whose steps were done but not confirmed
    run_id: String,
    /// A step you checked by hand and that worked (repeatable)
    #[arg(long = "step", value_name = "STEP", required = true)]
    steps: Vec<String>,
    /// What you checked (journaled, shown in reports)
    #[arg(long, value_name = "TEXT")]
    reason: String,
    #[command(flatten)]
    state: StateArgs,
}

pub fn exec(args: Args) -> Result<Exit> {
    if args.reason.trim().is_empty() {
        return Err(Error::invalid(
            "--reason is empty: say what you checked (it is journaled)",
        ));
    }
    let found = runs::locate(
        args.state.state_dir.as_deref(),
        Some(&args.run_id),
        runs::Default::NewestForward,
    )?;
    let who = engine::identity();
    crate::session::unfinished::confirm(&found, &args.steps, &args.reason, &who)?;
    let state = crate::journal::rundir::load(&found.state_dir, &found.state.run_id)
        .map_err(Error::failed)?;
    let left = state.unconfirmed_steps();
    if left.is_empty() {
        eprintln!(
            "Confirmed (journaled): {}. Every step of run {} is now confirmed.",
            args.steps.join(", "),
            args.run_id
        );
    } else {
        eprintln!(
            "Confirmed (journaled): {}. Still not confirmed: {}.",
            args.steps.join(", "),
            left.join(", ")
        );
    }
    Ok(Exit::Done)
}
