//! The forward plan, tier by tier, in plain words: what `cutover plan` shows and what the
//! executor walks.

pub mod describe;
pub mod render;
pub mod rollback;

use serde::Serialize;

use crate::runbook::{Check, Role, Runbook, Step};
use rollback::RollbackPlan;

#[derive(Debug, Serialize)]
pub struct Plan {
    pub runbook: String,
    pub name: String,
    pub sha256: String,
    pub clusters: Vec<PlanCluster>,
    pub mirror: PlanMirror,
    pub tiers: Vec<PlanTier>,
    pub rollback: RollbackPlan,
}

#[derive(Debug, Serialize)]
pub struct PlanCluster {
    pub role: Role,
    /// As written in the runbook: `${VAR}` stays a reference, never its value.
    pub bootstrap: String,
    pub expected_cluster_id: Option<String>,
    pub properties_file: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PlanMirror {
    pub engine: &'static str,
    pub source_alias: Option<String>,
    pub topic_naming: &'static str,
    pub checkpoints_topic: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PlanTier {
    pub name: String,
    pub steps: Vec<PlanStep>,
}

#[derive(Debug, Serialize)]
pub struct PlanStep {
    pub id: String,
    pub title: String,
    pub tier: String,
    pub instructions: Option<String>,
    pub run: Option<String>,
    /// A `connector:` action (then `run` describes it): the state it wants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector: Option<&'static str>,
    pub run_timeout: Option<String>,
    pub undo: Option<String>,
    pub requires: Vec<PlanCheck>,
    pub verifies: Vec<PlanCheck>,
    pub confirm: Option<String>,
    pub point_of_no_return: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanCheck {
    pub kind: &'static str,
    /// source, target, both, or null for `command`.
    pub cluster: Option<&'static str>,
    pub description: String,
    pub timeout: String,
    pub poll_interval: String,
}

impl PlanCheck {
    pub fn new(check: &Check, runbook: &Runbook) -> PlanCheck {
        PlanCheck {
            kind: check.spec.kind().name(),
            cluster: crate::present::cluster_scope(&check.spec),
            description: describe::check(check, runbook),
            timeout: crate::present::duration(check.timeout),
            poll_interval: crate::present::duration(check.poll_interval),
        }
    }
}

pub fn checks(list: &[Check], runbook: &Runbook) -> Vec<PlanCheck> {
    list.iter().map(|c| PlanCheck::new(c, runbook)).collect()
}

impl PlanStep {
    fn new(step: &Step, runbook: &Runbook) -> PlanStep {
        PlanStep {
            id: step.id.clone(),
            title: step.title.clone(),
            tier: step.tier.clone(),
            instructions: step.instructions.clone(),
            run: step.run.clone(),
            connector: step.connector.as_ref().map(|c| c.state.name()),
            run_timeout: step
                .run
                .as_ref()
                .map(|_| crate::present::duration(step.run_timeout)),
            undo: step.undo.clone(),
            requires: checks(&step.requires, runbook),
            verifies: checks(&step.verifies, runbook),
            confirm: step.confirm.clone(),
            point_of_no_return: step.point_of_no_return,
        }
    }
}

impl Plan {
    pub fn new(runbook: &Runbook) -> Plan {
        let clusters = [Role::Source, Role::Target]
            .into_iter()
            .map(|role| {
                let cluster = runbook.cluster(role);
                PlanCluster {
                    role,
                    bootstrap: cluster.bootstrap.shown.clone(),
                    expected_cluster_id: cluster.cluster_id.as_ref().map(|id| id.shown.clone()),
                    properties_file: cluster.properties_file.as_ref().map(|p| p.shown.clone()),
                }
            })
            .collect();
        let mirror = &runbook.mirror;
        Plan {
            runbook: runbook.path.display().to_string(),
            name: runbook.name.clone(),
            sha256: runbook.sha256.clone(),
            clusters,
            mirror: PlanMirror {
                engine: mirror.engine.name(),
                source_alias: mirror.source_alias.clone(),
                topic_naming: match mirror.topic_naming {
                    crate::runbook::TopicNaming::Identity => "identity",
                    crate::runbook::TopicNaming::Prefixed => "prefixed",
                },
                checkpoints_topic: mirror.checkpoints_topic.clone(),
            },
            tiers: runbook
                .tiers
                .iter()
                .map(|tier| PlanTier {
                    name: tier.name.clone(),
                    steps: tier
                        .steps
                        .iter()
                        .map(|step| PlanStep::new(step, runbook))
                        .collect(),
                })
                .collect(),
            rollback: rollback::plan(runbook, runbook.steps()),
        }
    }
}
