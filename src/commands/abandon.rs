//! `cutover abandon RUN_ID --reason TEXT`: give up an unfinished run, journaled. It is no
//! longer resumed nor held against a new run; a forward run can still be rolled back.

use std::path::Path;

use super::args::StateArgs;
use super::runs;
use crate::engine;
use crate::error::{Error, Result};
use crate::exit_code::Exit;
use crate::journal::rundir;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run to abandon
    run_id: String,
    /// Why (journaled, shown by status and in reports)
    #[arg(long, value_name = "TEXT")]
    reason: String,
    #[command(flatten)]
    state: StateArgs,
}

pub fn exec(args: Args) -> Result<Exit> {
    run(args.state.state_dir.as_deref(), &args.run_id, &args.reason)
}

pub fn run(flag: Option<&Path>, run_id: &str, reason: &str) -> Result<Exit> {
    if reason.trim().is_empty() {
        return Err(Error::invalid(
            "--reason is empty: say why the run is abandoned (it is journaled)",
        ));
    }
    let found = runs::locate(flag, Some(run_id), runs::Default::NewestForward)?;
    let state = &found.state;
    if let Some(abandoned) = &state.abandoned {
        eprintln!("Run {run_id} was already abandoned: {abandoned}.");
        return Ok(Exit::Done);
    }
    if state.finished {
        return Err(Error::invalid(format!(
            "run {run_id} finished: there is nothing to abandon"
        )));
    }
    if state.dry_run {
        return Err(Error::invalid(format!(
            "run {run_id} is a {}: it executed nothing and blocks nothing, there is nothing to abandon",
            state.kind_word()
        )));
    }
    let who = engine::identity();
    crate::session::unfinished::abandon(&found, reason, &who)?;
    eprintln!(
        "Run {run_id} abandoned (journaled): it will not be resumed, and a new run of its runbook may start."
    );
    if state.kind == crate::journal::RunKind::Run {
        eprintln!(
            "What it did stays done; to undo it: {}",
            rundir::hint(&format!("rollback {run_id}"), &found.state_dir)
        );
    }
    Ok(Exit::Done)
}
