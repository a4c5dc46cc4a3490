//! `--dry-run`: every check evaluated once for real, nothing executed, and a closing summary
//! of what passes now, what fails now, and what can only pass after an earlier action.

use std::time::Instant;

use super::journal::Event;
use super::{Executor, Stop, Unit};
use crate::checks::{self, render, CheckState, Status};
use crate::runbook::{Check, CheckSpec};

#[derive(Debug, Clone)]
pub struct Observed {
    pub step: String,
    pub phase: String,
    pub kind: String,
    /// None: not run (a `command` check without --run-commands).
    pub status: Option<Status>,
    pub summary: String,
    pub millis: u64,
    /// The step's own action, or an earlier one, is what should make it pass.
    pub after_action: bool,
}

pub fn evaluate_once(
    executor: &mut Executor<'_>,
    unit: &Unit<'_>,
    phase: &str,
    list: &[Check],
) -> Result<Vec<Observed>, Stop> {
    let position = executor
        .units
        .iter()
        .position(|u| u.step.id == unit.step.id)
        .unwrap_or(0);
    let acts = |u: &Unit<'_>| u.action.is_some() || u.instructions.is_some();
    let earlier = executor.units[..position].iter().any(acts);
    let after_action = earlier || (phase != "requires" && acts(unit));
    executor.clusters.new_round();
    let mut observed = Vec::new();
    for check in list {
        let kind = check.spec.kind().name().to_string();
        if matches!(check.spec, CheckSpec::Command { .. }) && !executor.settings.run_commands {
            executor.say(&format!(
                "  NOT RUN {kind}: shown only (--run-commands runs it)"
            ));
            executor.journal.record(Event::Check {
                step: unit.step.id.clone(),
                phase: phase.into(),
                kind: kind.clone(),
                status: "not run".into(),
                summary: crate::plan::describe::check(check, executor.runbook),
                items: None,
                remaining: None,
                elapsed_ms: 0,
            })?;
            observed.push(Observed {
                step: unit.step.id.clone(),
                phase: phase.into(),
                kind,
                status: None,
                summary: "not run".into(),
                millis: 0,
                after_action,
            });
            continue;
        }
        let started = Instant::now();
        let mut state = CheckState::default();
        let outcome = checks::evaluate(check, executor.runbook, executor.clusters, &mut state);
        let millis = started.elapsed().as_millis() as u64;
        executor.say(&format!(
            "  {} {kind} ({phase}): {} [{millis} ms]",
            render::status_word(outcome.status),
            outcome.summary
        ));
        executor.journal.record(Event::Check {
            step: unit.step.id.clone(),
            phase: phase.into(),
            kind: kind.clone(),
            status: render::status_word(outcome.status).to_lowercase(),
            summary: outcome.summary.clone(),
            items: Some(serde_json::to_value(&outcome.items).expect("items serialize")),
            remaining: outcome.progress.remaining,
            elapsed_ms: millis,
        })?;
        observed.push(Observed {
            step: unit.step.id.clone(),
            phase: phase.into(),
            kind,
            status: Some(outcome.status),
            summary: outcome.summary,
            millis,
            after_action,
        });
    }
    Ok(observed)
}

pub fn summary(observed: &[Observed]) -> String {
    let mut pass = Vec::new();
    let mut fail_now = Vec::new();
    let mut later = Vec::new();
    let mut not_run = Vec::new();
    for o in observed {
        let line = format!(
            "  {} {} {}: {} [{} ms]",
            o.step, o.phase, o.kind, o.summary, o.millis
        );
        match o.status {
            None => not_run.push(line),
            Some(Status::Pass) => pass.push(line),
            Some(_) if o.after_action => later.push(line),
            Some(_) => fail_now.push(line),
        }
    }
    let mut text = String::from("\nRehearsal summary\n");
    for (title, lines) in [
        ("Pass now", &pass),
        (
            "Fail now, before any action could explain it (fix these first)",
            &fail_now,
        ),
        (
            "Can only pass after an earlier action (expected to fail in a rehearsal)",
            &later,
        ),
        (
            "Not run (command checks; --run-commands runs them)",
            &not_run,
        ),
    ] {
        text.push_str(&format!("\n{title}: {}\n", lines.len()));
        for line in lines.iter() {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// What the newest rehearsal of the same runbook content measured, shown beside a real run.
#[derive(Debug, Default, Clone)]
pub struct Baseline {
    pub run_id: Option<String>,
    /// (step, phase, kind) -> (status, milliseconds to evaluate once).
    pub checks: std::collections::HashMap<(String, String, String), (String, u64)>,
}

impl Baseline {
    pub fn load(state_dir: &std::path::Path, runbook_sha256: &str) -> Baseline {
        use super::journal::RunKind;
        use super::rundir;
        let newest = rundir::run_ids(state_dir).into_iter().rev().find_map(|id| {
            let state = rundir::load(state_dir, &id).ok()?;
            (state.kind == RunKind::Rehearsal && state.runbook_sha256 == runbook_sha256)
                .then_some(state)
        });
        let Some(state) = newest else {
            return Baseline::default();
        };
        let mut checks = std::collections::HashMap::new();
        for entry in &state.entries {
            if let Event::Check {
                step,
                phase,
                kind,
                status,
                elapsed_ms,
                ..
            } = &entry.event
            {
                checks
                    .entry((step.clone(), phase.clone(), kind.clone()))
                    .or_insert((status.clone(), *elapsed_ms));
            }
        }
        Baseline {
            run_id: Some(state.run_id),
            checks,
        }
    }

    /// "rehearsal: pass in 120 ms" for a check, when the rehearsal evaluated it.
    pub fn beside(&self, step: &str, phase: &str, kind: &str) -> Option<String> {
        let (status, ms) =
            self.checks
                .get(&(step.to_string(), phase.to_string(), kind.to_string()))?;
        Some(format!("rehearsal: {status} in {ms} ms"))
    }
}
