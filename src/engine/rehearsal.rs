//! `--dry-run`: every check evaluated once for real, nothing executed, and a closing summary
//! of what passes now, what must be fixed first, and what is expected to fail until a named
//! earlier step's action has run.
//!
//! Honest by construction: an error (a cluster that cannot be reached, refused credentials,
//! an unsupported API, bad configuration) is never "expected": no action of the runbook makes
//! an unreachable cluster answer. It is always "fix these first" and makes the rehearsal exit
//! 3. Only a fail that an earlier action can plausibly change is expected, and the summary
//! names that action's step.

use std::time::Instant;

use super::{Executor, Stop, Unit};
use crate::checks::{self, render, CheckState, Status};
use crate::exit_code::Exit;
use crate::journal::Event;
use crate::runbook::{Check, CheckSpec, Phase};

#[derive(Debug, Clone)]
pub struct Observed {
    pub step: String,
    pub phase: String,
    pub kind: String,
    /// None: not run (a `command` check without --run-commands).
    pub status: Option<Status>,
    pub summary: String,
    pub millis: u64,
    /// The step whose action (its own, for verifies; the nearest earlier one otherwise)
    /// should make a failing check pass; None when no action runs before it.
    pub expected_until: Option<String>,
}

/// Where a rehearsed check belongs in the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// An error, or a fail no earlier action can explain.
    FixFirst,
    /// A fail the named step's action can plausibly change.
    ExpectedUntil(String),
    NotRun,
}

impl Observed {
    pub fn verdict(&self) -> Verdict {
        match self.status {
            None => Verdict::NotRun,
            Some(Status::Pass) => Verdict::Pass,
            // An error says the check could not be evaluated at all: no action fixes that.
            Some(Status::Error) => Verdict::FixFirst,
            // No action of a runbook changes which cluster answers at an address.
            Some(Status::Fail) if self.kind == "cluster_id" => Verdict::FixFirst,
            Some(Status::Fail) => match &self.expected_until {
                Some(step) => Verdict::ExpectedUntil(step.clone()),
                None => Verdict::FixFirst,
            },
        }
    }
}

/// The step whose action should make a check of `unit` in `phase` pass: the unit's own
/// action for its verifies, else the nearest earlier unit that acts (an action or manual
/// instructions).
fn expected_until(units: &[Unit<'_>], position: usize, phase: Phase) -> Option<String> {
    let acts = |u: &Unit<'_>| u.action.is_some() || u.instructions.is_some();
    let unit = units.get(position)?;
    if phase != Phase::Requires && acts(unit) {
        return Some(unit.step.id.clone());
    }
    units[..position]
        .iter()
        .rev()
        .find(|u| acts(u))
        .map(|u| u.step.id.clone())
}

pub fn evaluate_once(
    executor: &mut Executor<'_>,
    unit: &Unit<'_>,
    phase: Phase,
    list: &[Check],
) -> Result<Vec<Observed>, Stop> {
    let position = executor
        .units
        .iter()
        .position(|u| u.step.id == unit.step.id)
        .unwrap_or(0);
    let expected_until = expected_until(&executor.units, position, phase);
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
                item_counts: None,
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
                expected_until: expected_until.clone(),
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
            item_counts: None,
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
            expected_until: expected_until.clone(),
        });
    }
    Ok(observed)
}

pub fn summary(observed: &[Observed]) -> String {
    let mut pass = Vec::new();
    let mut fix_first = Vec::new();
    let mut later = Vec::new();
    let mut not_run = Vec::new();
    for o in observed {
        let line = format!(
            "  {} {} {}: {} [{} ms]",
            o.step, o.phase, o.kind, o.summary, o.millis
        );
        match o.verdict() {
            Verdict::NotRun => not_run.push(line),
            Verdict::Pass => pass.push(line),
            Verdict::FixFirst => {
                let word = match o.status {
                    Some(Status::Error) => "ERROR",
                    _ => "FAIL",
                };
                fix_first.push(format!("  {word}{}", &line[1..]));
            }
            Verdict::ExpectedUntil(step) => later.push(format!(
                "{line}
    expected to fail until step `{step}` has run"
            )),
        }
    }
    let mut text = String::from("\nRehearsal summary\n");
    for (title, lines) in [
        ("Pass now", &pass),
        (
            "Fix these first (errors, and fails no earlier action can explain)",
            &fix_first,
        ),
        (
            "Expected to fail until an earlier step's action has run",
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
    let errors = observed
        .iter()
        .filter(|o| o.status == Some(Status::Error))
        .count();
    let verdict = match (errors, fix_first.len()) {
        (0, 0) => "nothing to fix first".to_string(),
        (0, n) => format!("{n} to fix first (exit 1)"),
        (e, n) => {
            format!("{n} to fix first, {e} of them errors: a check could not be evaluated (exit 3)")
        }
    };
    text.push_str(&format!("\nRehearsal result: {verdict}\n"));
    text
}

/// How a rehearsal that walked every step exits: 3 when a check could not be evaluated (an
/// error), 1 when a check fails that no earlier action explains, 0 otherwise.
pub fn exit(observed: &[Observed]) -> Exit {
    if observed.iter().any(|o| o.status == Some(Status::Error)) {
        Exit::CheckError
    } else if observed.iter().any(|o| o.verdict() == Verdict::FixFirst) {
        Exit::Failed
    } else {
        Exit::Done
    }
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
        use crate::journal::rundir;
        use crate::journal::RunKind;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(kind: &str, status: Option<Status>, until: Option<&str>) -> Observed {
        Observed {
            step: "s".into(),
            phase: "requires".into(),
            kind: kind.into(),
            status,
            summary: String::new(),
            millis: 0,
            expected_until: until.map(str::to_string),
        }
    }

    #[test]
    fn an_error_is_never_expected_and_exits_3() {
        let error = observed("lag_zero", Some(Status::Error), Some("stop-producers"));
        assert_eq!(error.verdict(), Verdict::FixFirst);
        let later = observed("lag_zero", Some(Status::Fail), Some("stop-producers"));
        assert_eq!(
            later.verdict(),
            Verdict::ExpectedUntil("stop-producers".into())
        );
        assert_eq!(exit(std::slice::from_ref(&later)), Exit::Done);
        assert_eq!(exit(&[later, error]), Exit::CheckError);
    }

    #[test]
    fn a_fail_no_action_explains_is_fixed_first_and_exits_1() {
        let first = observed("command", Some(Status::Fail), None);
        assert_eq!(first.verdict(), Verdict::FixFirst);
        assert_eq!(exit(&[first]), Exit::Failed);
        // No action makes another cluster answer at the address.
        let wrong = observed("cluster_id", Some(Status::Fail), Some("switch"));
        assert_eq!(wrong.verdict(), Verdict::FixFirst);
        let text = summary(&[wrong, observed("command", None, None)]);
        assert!(
            text.contains("Fix these first (errors, and fails no earlier action can explain): 1")
        );
        assert!(
            text.contains("Rehearsal result: 1 to fix first (exit 1)"),
            "{text}"
        );
    }
}
