//! `cutover plan` output: a terminal table, Markdown for change tickets, JSON for tools.

use std::fmt::Write;

use super::rollback::{RollbackPlan, RollbackStep};
use super::{Plan, PlanCheck, PlanStep};
use crate::present::table;

fn header(plan: &Plan) -> Vec<String> {
    let mut lines = vec![format!(
        "Runbook: {} ({}, sha256 {})",
        plan.name,
        plan.runbook,
        &plan.sha256[..12.min(plan.sha256.len())]
    )];
    for cluster in &plan.clusters {
        let mut line = format!("{}: {}", cluster.role, cluster.bootstrap);
        if let Some(id) = &cluster.expected_cluster_id {
            let _ = write!(line, " (expected cluster id {id})");
        }
        if let Some(file) = &cluster.properties_file {
            let _ = write!(line, ", properties from {file}");
        }
        lines.push(line);
    }
    let m = &plan.mirror;
    let mut mirror = format!("mirror: {}", m.engine);
    if let Some(alias) = &m.source_alias {
        let _ = write!(mirror, ", source alias {alias}");
    }
    let _ = write!(mirror, ", {} topic naming", m.topic_naming);
    if let Some(topic) = &m.checkpoints_topic {
        let _ = write!(mirror, ", checkpoints in {topic} on target");
    }
    lines.push(mirror);
    lines
}

/// How an action is labelled: a shell command runs; a connector action names the state it
/// wants.
fn action_label(step: &PlanStep) -> String {
    match step.connector {
        Some(state) => format!("connector (wanted state: {state})"),
        None => "run".to_string(),
    }
}

fn undo_label(step: &RollbackStep) -> &'static str {
    if step.connector {
        "connector (wanted state: as before the step)"
    } else {
        "run"
    }
}

fn action(step: &PlanStep) -> String {
    let label = action_label(step);
    let mut text = match (&step.run, &step.run_timeout) {
        (Some(run), Some(timeout)) => format!("{label}: {run}\n(timeout {timeout})"),
        (Some(run), None) => format!("{label}: {run}"),
        (None, _) => "manual".to_string(),
    };
    if let Some(instructions) = &step.instructions {
        let _ = write!(text, "\n{}", instructions.trim_end());
    }
    text
}

fn check_lines(label: &str, checks: &[PlanCheck], out: &mut Vec<String>) {
    for check in checks {
        out.push(format!("{label}: {}", check.description));
    }
}

fn step_checks(step: &PlanStep) -> String {
    let mut lines = Vec::new();
    check_lines("requires", &step.requires, &mut lines);
    check_lines("verifies", &step.verifies, &mut lines);
    if let Some(confirm) = &step.confirm {
        lines.push(format!("confirm: {confirm}"));
    }
    if lines.is_empty() {
        lines.push("none".into());
    }
    lines.join("\n")
}

fn step_name(id: &str, title: &str, point_of_no_return: bool) -> String {
    let mut text = format!("{id}\n{title}");
    if point_of_no_return {
        text.push_str("\nPOINT OF NO RETURN");
    }
    text
}

fn undo_text(step: &RollbackStep) -> String {
    if step.nothing_to_undo {
        return "nothing to undo (the step only checked)".into();
    }
    match &step.undo {
        Some(undo) => format!("{}: {undo}", undo_label(step)),
        None => {
            let mut text = "manual: no undo defined".to_string();
            if let Some(instructions) = &step.instructions {
                let _ = write!(
                    text,
                    "\nforward instructions were:\n{}",
                    instructions.trim_end()
                );
            }
            text
        }
    }
}

fn undo_checks(step: &RollbackStep) -> String {
    if step.nothing_to_undo && step.undo_verifies.is_empty() {
        return String::new();
    }
    if step.undo_verifies.is_empty() {
        return "unchecked: confirm by hand".into();
    }
    step.undo_verifies
        .iter()
        .map(|c| c.description.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn text(plan: &Plan, width: Option<u16>) -> String {
    let mut out = header(plan).join("\n");
    out.push_str("\n\nFORWARD PLAN\n");
    let total = plan.tiers.len();
    let mut number = 0;
    for (t, tier) in plan.tiers.iter().enumerate() {
        let _ = writeln!(out, "\nTier {} of {total}: {}", t + 1, tier.name);
        let mut table = table(&["#", "Step", "Action", "Checks"], width);
        for step in &tier.steps {
            number += 1;
            table.add_row(vec![
                number.to_string(),
                step_name(&step.id, &step.title, step.point_of_no_return),
                action(step),
                step_checks(step),
            ]);
        }
        let _ = writeln!(out, "{table}");
    }
    out.push_str("\nGENERATED ROLLBACK PLAN (newest step first)\n");
    out.push_str(&rollback_table(&plan.rollback, width));
    out
}

/// The rollback plan as a table, with its point-of-no-return warning first.
pub fn rollback_table(rollback: &RollbackPlan, width: Option<u16>) -> String {
    let mut out = String::new();
    if let Some(warning) = &rollback.warning {
        let _ = writeln!(out, "WARNING: {warning}");
    }
    let mut table = table(&["#", "Undo step", "Undo action", "Then verify"], width);
    for (i, step) in rollback.steps.iter().enumerate() {
        let mut name = step_name(&step.step, &step.title, step.point_of_no_return);
        if step.past_point_of_no_return && !step.point_of_no_return {
            name.push_str("\n(past the point of no return)");
        }
        table.add_row(vec![
            (i + 1).to_string(),
            name,
            undo_text(step),
            undo_checks(step),
        ]);
    }
    let _ = writeln!(out, "{table}");
    out
}

/// A command as Markdown: inline code, or an indented code block when it spans lines.
fn md_command(label: &str, command: &str) -> String {
    if command.trim_end().contains('\n') {
        let body: String = command
            .trim_end()
            .lines()
            .map(|l| format!("         {l}\n"))
            .collect();
        format!("   - {label}:\n\n{body}\n")
    } else {
        let fence = if command.contains('`') { "``" } else { "`" };
        format!("   - {label}: {fence}{command}{fence}\n")
    }
}

pub fn markdown(plan: &Plan) -> String {
    let mut out = format!("# Cutover plan: {}\n\n", plan.name);
    for line in header(plan) {
        let _ = writeln!(out, "- {line}");
    }
    out.push_str("\n## Forward plan\n");
    let mut number = 0;
    for (t, tier) in plan.tiers.iter().enumerate() {
        let _ = writeln!(out, "\n### Tier {}: {}\n", t + 1, tier.name);
        for step in &tier.steps {
            number += 1;
            let marker = if step.point_of_no_return {
                " **(point of no return)**"
            } else {
                ""
            };
            let _ = writeln!(out, "{number}. **{}**: {}{marker}", step.id, step.title);
            if let Some(instructions) = &step.instructions {
                for line in instructions.trim_end().lines() {
                    let _ = writeln!(out, "   > {line}");
                }
            }
            match (&step.run, &step.run_timeout) {
                (Some(run), Some(timeout)) => {
                    out.push_str(&md_command(
                        &format!("{} (timeout {timeout})", action_label(step)),
                        run,
                    ));
                }
                _ => out.push_str("   - manual step\n"),
            }
            for check in &step.requires {
                let _ = writeln!(out, "   - requires: {}", check.description);
            }
            for check in &step.verifies {
                let _ = writeln!(out, "   - verifies: {}", check.description);
            }
            if let Some(confirm) = &step.confirm {
                let _ = writeln!(out, "   - confirm: {confirm}");
            }
        }
    }
    out.push_str("\n## Generated rollback plan (newest step first)\n\n");
    if let Some(warning) = &plan.rollback.warning {
        let _ = writeln!(out, "> **Warning:** {warning}\n");
    }
    for (i, step) in plan.rollback.steps.iter().enumerate() {
        let marker = if step.point_of_no_return {
            " **(point of no return)**"
        } else if step.past_point_of_no_return {
            " (past the point of no return)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{}. undo **{}**: {}{marker}",
            i + 1,
            step.step,
            step.title
        );
        match &step.undo {
            _ if step.nothing_to_undo => {
                out.push_str("   - nothing to undo (the step only checked)\n")
            }
            Some(undo) => out.push_str(&md_command(undo_label(step), undo)),
            None => {
                out.push_str("   - manual: no undo defined\n");
                if let Some(instructions) = &step.instructions {
                    for line in instructions.trim_end().lines() {
                        let _ = writeln!(out, "   > {line}");
                    }
                }
            }
        }
        if step.undo_verifies.is_empty() && !step.nothing_to_undo {
            out.push_str("   - unchecked: confirm by hand\n");
        }
        for check in &step.undo_verifies {
            let _ = writeln!(out, "   - then verify: {}", check.description);
        }
    }
    out
}

pub fn json(plan: &Plan) -> String {
    serde_json::to_string_pretty(plan).expect("a plan always serializes") + "\n"
}
