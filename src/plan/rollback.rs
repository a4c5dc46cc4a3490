//! The rollback plan: what was done, undone newest first.
//!
//! It never invents checks. Swapping source and target is not an inverse in general (a
//! one-way mirror leaves no checkpoints on the source), so a step without `undo_verifies`
//! is marked unchecked, and one without `undo` is a manual step with its instructions.

use serde::Serialize;

use super::{checks, PlanCheck};
use crate::runbook::{Engine, Runbook, Step};

#[derive(Debug, Serialize)]
pub struct RollbackPlan {
    /// Newest first: the exact reverse of the steps given.
    pub steps: Vec<RollbackStep>,
    /// The point-of-no-return step the rollback crosses, if any.
    pub point_of_no_return: Option<String>,
    /// What crossing it means for the data; set when `point_of_no_return` is.
    pub warning: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RollbackStep {
    pub step: String,
    pub tier: String,
    pub title: String,
    /// The undo command; None means a manual step.
    pub undo: Option<String>,
    /// The undo is a `connector:` action (then `undo` describes it).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub connector: bool,
    /// Shown for manual steps: the forward instructions say what to reverse.
    pub instructions: Option<String>,
    /// Empty means unchecked: the operator confirms by hand.
    pub undo_verifies: Vec<PlanCheck>,
    pub point_of_no_return: bool,
    /// Undoing this step goes back past the point of no return.
    pub past_point_of_no_return: bool,
    /// The step changed nothing (no action, no instructions: only checks or a go/no-go).
    pub nothing_to_undo: bool,
}

impl RollbackStep {
    pub fn is_manual(&self) -> bool {
        self.undo.is_none()
    }

    pub fn is_unchecked(&self) -> bool {
        self.undo_verifies.is_empty()
    }
}

/// The rollback of `done` (in the order they were done) for this runbook.
pub fn plan<'a>(runbook: &Runbook, done: impl IntoIterator<Item = &'a Step>) -> RollbackPlan {
    let done: Vec<&Step> = done.into_iter().collect();
    // Rolling back crosses the latest point of no return that was done; everything done
    // up to and including it is undone "past" it.
    let crossing = done.iter().rposition(|step| step.point_of_no_return);
    let steps = done
        .iter()
        .enumerate()
        .rev()
        .map(|(i, step)| RollbackStep {
            step: step.id.clone(),
            tier: step.tier.clone(),
            title: step.title.clone(),
            undo: step.undo.clone(),
            connector: step.connector.is_some(),
            instructions: step.instructions.clone(),
            undo_verifies: checks(&step.undo_verifies, runbook),
            point_of_no_return: step.point_of_no_return,
            past_point_of_no_return: crossing.is_some_and(|c| i <= c),
            nothing_to_undo: step.run.is_none()
                && step.undo.is_none()
                && step.instructions.is_none(),
        })
        .collect();
    let point_of_no_return = crossing.map(|c| done[c].id.clone());
    let warning = point_of_no_return
        .as_ref()
        .map(|id| past_point_warning(id, runbook.mirror.engine));
    RollbackPlan {
        steps,
        point_of_no_return,
        warning,
    }
}

/// What rolling back past the point of no return costs, for this mirror engine.
pub fn past_point_warning(step: &str, engine: Engine) -> String {
    let head = format!(
        "Rolling back past the point of no return (step `{step}`): records written to the target after that point are not on the source"
    );
    match engine {
        Engine::Mirrormaker2 => format!(
            "{head}. MirrorMaker 2 mirrors one way, source to target: nothing copies them back unless you set up a reverse mirror (target to source) before rolling back."
        ),
        _ => format!("{head} unless a reverse mirror copies them back."),
    }
}
