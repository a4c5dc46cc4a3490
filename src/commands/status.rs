//! `cutover status [RUN_ID]`: where a run stands, step by step. Without a run id: the newest
//! forward run (run or rehearsal), with the rollbacks of it after it.

use std::path::Path;

use super::runs;
use crate::engine::journal::Event;
use crate::engine::rundir::{self, RunState, StepStatus};
use crate::exit_code::Exit;

pub fn run(flag: Option<&Path>, run_id: Option<&str>) -> Exit {
    let found = match runs::locate(flag, run_id, runs::Default::NewestForward) {
        Ok(found) => found,
        Err(exit) => return exit,
    };
    show(&found.state);
    if run_id.is_none() {
        for id in rundir::run_ids(&found.state_dir) {
            let Ok(other) = rundir::load(&found.state_dir, &id) else {
                continue;
            };
            if other.rollback_of.as_deref() == Some(found.state.run_id.as_str()) {
                println!();
                show(&other);
            }
        }
    }
    Exit::Done
}

fn show(state: &RunState) {
    let standing = state.standing();
    let of = state
        .rollback_of
        .as_deref()
        .map(|id| format!(" of run {id}"))
        .unwrap_or_default();
    println!("Run {} ({}{of})", state.run_id, state.kind_word());
    println!(
        "  runbook: {} (sha256 {})",
        state.runbook.display(),
        &state.runbook_sha256[..12.min(state.runbook_sha256.len())]
    );
    println!("  started {} by {}", state.started, state.started_by);
    println!("  state:   {standing}");
    if state.torn_tail {
        println!("  warning: the journal's last line was cut off mid-write and is ignored");
    }
    for unknown in &state.unknown_events {
        println!("  warning: {unknown}; resume and rollback refuse this run");
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
}
