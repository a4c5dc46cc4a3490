//! What the executor walks: a forward run walks the runbook's steps; a rollback walks the
//! steps that were done, newest first, with their undo and undo_verifies.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::plan::rollback;
use crate::runbook::{Check, Phase, Runbook, Step};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Forward,
    Rollback,
}

#[derive(Debug, Clone)]
pub struct Unit<'r> {
    pub step: &'r Step,
    /// The shell command: `run` forward, `undo` in a rollback.
    pub action: Option<&'r str>,
    pub instructions: Option<String>,
    pub requires: &'r [Check],
    /// Owned only when `rollback --without` left some out.
    pub verifies: Cow<'r, [Check]>,
    /// The journal's phase name for `verifies`: verifies, or undo_verifies in a rollback.
    pub verifies_phase: Phase,
    pub confirm: Option<&'r str>,
    /// The operator types the step id before going on.
    pub point_of_no_return: bool,
    /// A rollback step without undo_verifies: confirmed by hand, journaled as unchecked.
    pub unchecked: bool,
    /// A rollback of a step that changed nothing.
    pub nothing_to_undo: bool,
    pub warning: Option<String>,
}

pub fn forward(runbook: &Runbook) -> Vec<Unit<'_>> {
    runbook
        .steps()
        .map(|step| Unit {
            step,
            action: step.run.as_deref(),
            instructions: step.instructions.clone(),
            requires: &step.requires,
            verifies: Cow::Borrowed(&step.verifies),
            verifies_phase: Phase::Verifies,
            confirm: step.confirm.as_deref(),
            point_of_no_return: step.point_of_no_return,
            unchecked: false,
            nothing_to_undo: false,
            warning: None,
        })
        .collect()
}

/// The rollback of `done` (step ids in the order they were done).
pub fn rollback<'r>(runbook: &'r Runbook, done: &[String]) -> Vec<Unit<'r>> {
    let steps: Vec<&Step> = done.iter().filter_map(|id| runbook.step(id)).collect();
    let plan = rollback::plan(runbook, steps.iter().copied());
    plan.steps
        .iter()
        .map(|r| {
            let step = runbook
                .step(&r.step)
                .expect("planned from the runbook's steps");
            let instructions = match (&step.undo, &step.instructions) {
                (Some(_), instructions) => instructions.clone(),
                (None, Some(instructions)) => Some(format!(
                    "No undo is defined. Reverse by hand what this step did:\n{}",
                    instructions.trim_end()
                )),
                (None, None) => None,
            };
            let crossing = plan.point_of_no_return.as_deref() == Some(step.id.as_str());
            Unit {
                step,
                action: step.undo.as_deref(),
                instructions,
                requires: &[],
                verifies: Cow::Borrowed(&step.undo_verifies),
                verifies_phase: Phase::UndoVerifies,
                confirm: None,
                point_of_no_return: crossing,
                unchecked: r.is_unchecked() && !r.nothing_to_undo,
                nothing_to_undo: r.nothing_to_undo,
                warning: if crossing { plan.warning.clone() } else { None },
            }
        })
        .collect()
}

/// `rollback --without CLUSTER --reason TEXT`: the undo_verifies that ask an excluded cluster
/// (on its own or beside the other) are not evaluated. A step that loses any is unchecked:
/// confirmed by hand and journaled as such, never passed on the checks that remain alone.
pub fn without(units: &mut [Unit<'_>], without: &BTreeMap<String, String>) {
    if without.is_empty() {
        return;
    }
    for unit in units.iter_mut() {
        let asks_excluded = |check: &Check| match crate::present::cluster_scope(&check.spec) {
            Some("both") => true,
            Some(role) => without.contains_key(role),
            None => false,
        };
        let left_out: Vec<&Check> = unit.verifies.iter().filter(|c| asks_excluded(c)).collect();
        if left_out.is_empty() {
            continue;
        }
        let why = without
            .iter()
            .map(|(cluster, reason)| format!("--without {cluster}: {reason}"))
            .collect::<Vec<_>>()
            .join("; ");
        let note = format!(
            "{} undo_verifies not evaluated ({why}): a person confirms this step (under --yes it is done, not confirmed)",
            left_out.len()
        );
        unit.verifies = Cow::Owned(
            unit.verifies
                .iter()
                .filter(|c| !asks_excluded(c))
                .cloned()
                .collect(),
        );
        unit.unchecked = true;
        unit.warning = Some(match unit.warning.take() {
            Some(w) => format!("{w}\n{note}"),
            None => note,
        });
    }
}
