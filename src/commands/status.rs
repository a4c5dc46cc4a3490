//! `cutover status [RUN_ID]`: where a run stands, step by step.

use std::path::Path;

use crate::engine::journal::Event;
use crate::engine::rundir::{self, StepStatus};
use crate::exit_code::Exit;

pub fn run(state_dir: &Path, run_id: Option<&str>) -> Exit {
    let state = match run_id {
        Some(id) => rundir::load(state_dir, id),
        None => rundir::newest(state_dir),
    };
    let state = match state {
        Ok(state) => state,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Invalid;
        }
    };
    let standing = if state.finished {
        "finished".to_string()
    } else if let Some(reason) = &state.aborted {
        format!("aborted: {reason}")
    } else if state.interrupted {
        "interrupted".to_string()
    } else {
        "unfinished (running now, or the process died)".to_string()
    };
    println!("Run {} ({:?})", state.run_id, state.kind);
    println!(
        "  runbook: {} (sha256 {})",
        state.runbook.display(),
        &state.runbook_sha256[..12]
    );
    println!("  started {} by {}", state.started, state.started_by);
    println!("  state:   {standing}");
    if state.torn_tail {
        println!("  warning: the journal's last line was cut off mid-write and is ignored");
    }
    println!();
    for id in &state.steps {
        let status = match state.step(id) {
            None => "pending".to_string(),
            Some(StepStatus::Started) => "started (no action run yet)".to_string(),
            Some(StepStatus::InDoubt { attempt }) => {
                format!("IN DOUBT: action attempt {attempt} started, result unknown")
            }
            Some(StepStatus::ActionFinished {
                succeeded: true, ..
            }) => "action done, verifying".to_string(),
            Some(StepStatus::ActionFinished { attempt, .. }) => {
                format!("action attempt {attempt} failed")
            }
            Some(StepStatus::Done) => "done".to_string(),
            Some(StepStatus::Skipped(reason)) => format!("skipped: {reason}"),
        };
        println!("  {id:<32} {status}");
    }
    let confirmations = state
        .entries
        .iter()
        .filter(|e| matches!(e.event, Event::Confirmation { .. }))
        .count();
    println!(
        "\n{} journal events, {confirmations} confirmations",
        state.entries.len()
    );
    Exit::Done
}
