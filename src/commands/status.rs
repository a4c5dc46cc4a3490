//! `cutover status [RUN_ID]`: where a run stands, step by step. Without a run id: the newest
//! forward run (run or rehearsal), with the rollbacks of it after it.

use std::path::Path;

use super::args::StateArgs;
use super::runs;
use crate::error::Result;
use crate::exit_code::Exit;
use crate::journal::rundir::{self, RunState, StepStatus};
use crate::journal::Event;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run, from any directory (default: the newest run or rehearsal, with its rollbacks)
    run_id: Option<String>,
    #[command(flatten)]
    state: StateArgs,
}

pub fn exec(args: Args) -> Result<Exit> {
    run(args.state.state_dir.as_deref(), args.run_id.as_deref())
}

pub fn run(flag: Option<&Path>, run_id: Option<&str>) -> Result<Exit> {
    let found = runs::locate(flag, run_id, runs::Default::NewestForward)?;
    show(&found.state);
    if run_id.is_none() {
        for id in rundir::run_ids(&found.state_dir) {
            let Ok(other) = rundir::load(&found.state_dir, &id) else {
                continue;
            };
            if other.rollback_of.as_deref() == Some(found.state.run_id.as_str()) {
                crate::outln!();
                show(&other);
            }
        }
    }
    Ok(Exit::Done)
}

fn show(state: &RunState) {
    let standing = state.standing();
    let of = state
        .rollback_of
        .as_deref()
        .map(|id| format!(" of run {id}"))
        .unwrap_or_default();
    crate::outln!("Run {} ({}{of})", state.run_id, state.kind_word());
    crate::outln!(
        "  runbook: {} (sha256 {})",
        state.runbook.display(),
        &state.runbook_sha256[..12.min(state.runbook_sha256.len())]
    );
    crate::outln!("  started {} by {}", state.started, state.started_by);
    crate::outln!("  state:   {standing}");
    if state.torn_tail {
        crate::outln!("  warning: the journal's last line was cut off mid-write and is ignored");
    }
    for unknown in &state.unknown_events {
        crate::outln!("  warning: {unknown}; resume and rollback refuse this run");
    }
    crate::outln!();
    let unconfirmed = state.unconfirmed_steps();
    for id in &state.steps {
        let status = match state.step(id) {
            None => "pending".to_string(),
            Some(StepStatus::Started) => "started (no action run yet)".to_string(),
            Some(StepStatus::InDoubt { attempt }) => {
                let running = match state
                    .processes
                    .get(id)
                    .filter(|p| crate::process::still_running(p))
                {
                    Some(p) => format!(
                        "; still running as process group {} (stop it with: {})",
                        p.pgid,
                        p.kill_command()
                    ),
                    None => String::new(),
                };
                format!("IN DOUBT: action attempt {attempt} started, result unknown{running}")
            }
            Some(StepStatus::ActionFinished {
                succeeded: true, ..
            }) => "action done, verifying".to_string(),
            Some(StepStatus::ActionFinished { attempt, .. }) => {
                format!("action attempt {attempt} failed")
            }
            Some(StepStatus::Done) if unconfirmed.contains(id) => {
                "done, not confirmed (no undo_verifies and no person: cutover confirm records a check)"
                    .to_string()
            }
            Some(StepStatus::Done) => "done".to_string(),
            Some(StepStatus::Skipped(reason)) => format!("skipped: {reason}"),
        };
        crate::outln!("  {id:<32} {status}");
    }
    let confirmations = state
        .entries
        .iter()
        .filter(|e| matches!(e.event, Event::Confirmation { .. }))
        .count();
    crate::outln!(
        "\n{} journal events, {confirmations} confirmations",
        state.entries.len()
    );
}
