//! A rollback: undo what a forward run did, newest step first, through the same session
//! path as a run (lock, journal, confirmations, undo_verifies polled, resume). A run is
//! rolled back once: a second rollback is refused (exit 5) unless `again`, and an
//! interrupted rollback is resumed, not restarted.

use std::path::Path;

use super::{Answering, ResumeOptions, Start};
use crate::engine::Mode;
use crate::error::{Error, Result};
use crate::exit_code::Exit;
use crate::journal::rundir::{self, RunState};
use crate::journal::RunKind;
use crate::plan::render;
use crate::plan::rollback;

pub struct Options<'a> {
    pub run_id: Option<&'a str>,
    pub dry_run: bool,
    pub past_point_of_no_return: bool,
    /// Roll back again although a rollback of the run already finished (journaled).
    pub again: bool,
    /// `--without CLUSTER --reason TEXT`: go on without a cluster (journaled).
    pub without: std::collections::BTreeMap<String, String>,
}

/// The forward run to undo: the one named, or the newest real (not rehearsed) run.
fn forward_run(state_dir: &Path, run_id: Option<&str>) -> Result<RunState, String> {
    if let Some(id) = run_id {
        let state = rundir::load(state_dir, id).map_err(|e| e.to_string())?;
        return match state.kind {
            RunKind::Run => Ok(state),
            other => Err(format!(
                "run {id} is a {other:?}, not a forward run: nothing to roll back"
            )),
        };
    }
    for id in rundir::run_ids(state_dir).into_iter().rev() {
        let state = rundir::load(state_dir, &id).map_err(|e| e.to_string())?;
        if state.kind == RunKind::Run {
            return Ok(state);
        }
    }
    Err(format!(
        "no forward run in {}",
        rundir::runs_dir(state_dir).display()
    ))
}

pub fn start(state_dir: &Path, options: Options<'_>, answering: &Answering) -> Result<Exit> {
    let forward = forward_run(state_dir, options.run_id).map_err(Error::invalid)?;
    super::refuse_unknown_events(&forward, "rollback")?;
    if !options.dry_run {
        // An unfinished rollback of this run is continued where it stopped.
        if let Some(earlier) = super::rollbacks_of(state_dir, &forward.run_id)
            .into_iter()
            .find(|r| !r.finished && r.abandoned.is_none())
        {
            eprintln!(
                "Rollback {} of run {} did not finish: resuming it.",
                earlier.run_id, forward.run_id
            );
            return super::resume(
                state_dir,
                ResumeOptions {
                    run_id: Some(&earlier.run_id),
                    accept_changes: false,
                    mark_done: Vec::new(),
                    rerun: Vec::new(),
                    past_point_of_no_return: options.past_point_of_no_return,
                    without: options.without,
                },
                answering,
            );
        }
        super::refuse_second_rollback(state_dir, &forward.run_id, options.again)?;
    }
    let loaded = crate::runbook::open(&forward.runbook)?;
    let runbook = &loaded.runbook;
    let done = forward.done_steps(runbook);
    if done.is_empty() {
        eprintln!("Run {} did nothing that needs undoing.", forward.run_id);
        return Ok(Exit::Done);
    }
    let steps: Vec<_> = done.iter().filter_map(|id| runbook.step(id)).collect();
    let plan = rollback::plan(runbook, steps.iter().copied());
    // The plan opens the rollback's transcript (stdout).
    crate::outln!(
        "Rollback of run {} ({} steps, newest first):\n",
        forward.run_id,
        plan.steps.len()
    );
    let width = (!std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .then_some(crate::present::DEFAULT_WIDTH);
    crate::outln!(
        "{}",
        runbook
            .secrets
            .redact(&render::rollback_table(&plan, width))
    );
    super::start(Start {
        runbook: &forward.runbook,
        state_dir,
        answering,
        mode: Mode::Rollback,
        dry_run: options.dry_run,
        run_commands: false,
        past_point_of_no_return: options.past_point_of_no_return,
        rollback_of: Some(forward.run_id.clone()),
        again: options.again,
        without: options.without,
    })
}
