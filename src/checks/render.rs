//! Check outcomes for people (a comfy-table of items, failing first) and for tools (JSON).

use std::io::Write;

use serde_json::Value;

use super::{ItemStatus, Outcome, Status};
use crate::present;
use crate::runbook::Check;

/// Passing rows shown before the rest are only counted: a 2,000-partition pass is one line.
const PASSING_ROWS: usize = 20;

pub fn status_word(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Error => "ERROR",
    }
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The items as a table, failing and erroring first; None when there are none.
pub fn items_table(outcome: &Outcome, width: Option<u16>, all: bool) -> Option<String> {
    if outcome.items.is_empty() {
        return None;
    }
    let mut table = present::table(
        &[
            "Status", "Group", "Topic", "Part", "Source", "Target", "Details", "Reason",
        ],
        width,
    );
    let mut hidden = 0;
    let mut passing = 0;
    for item in &outcome.items {
        let quiet = matches!(item.status, ItemStatus::Pass | ItemStatus::Info);
        if quiet && !all {
            passing += 1;
            if passing > PASSING_ROWS {
                hidden += 1;
                continue;
            }
        }
        let details: Vec<String> = item
            .extra
            .iter()
            .filter(|(k, _)| *k != "output")
            .map(|(k, v)| format!("{k}={}", cell(v)))
            .collect();
        let mut reason = item.reason.clone().unwrap_or_default();
        if let Some(output) = item.extra.get("output").and_then(Value::as_str) {
            if !output.is_empty() {
                reason = format!("{reason}\n{output}");
            }
        }
        table.add_row(vec![
            format!("{:?}", item.status).to_lowercase(),
            item.group.clone().unwrap_or_default(),
            item.topic.clone().unwrap_or_default(),
            item.partition.map(|p| p.to_string()).unwrap_or_default(),
            cell(&item.source),
            cell(&item.target),
            details.join(" "),
            reason,
        ]);
    }
    let mut text = table.to_string();
    if hidden > 0 {
        text.push_str(&format!(
            "\n... and {hidden} more passing item(s) (--all shows them)"
        ));
    }
    Some(text)
}

/// Write one JSON Lines object for a check result, in the `cutover check --json` contract,
/// item by item: a check over 200,000 group partitions never becomes one string (it was three:
/// the line, the line with its newline, and the redacted copy). `redact` masks each piece; a
/// piece is one item or the line's head, so a secret inside any value is found whole.
pub fn write_json_line(
    out: &mut dyn Write,
    step: &str,
    phase: &str,
    check: &Check,
    outcome: &Outcome,
    redact: &dyn Fn(&str) -> String,
) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Head<'a> {
        #[serde(rename = "type")]
        kind_of_line: &'static str,
        step: &'a str,
        phase: &'a str,
        kind: &'static str,
        cluster: Option<&'static str>,
        status: super::Status,
        summary: &'a str,
    }
    let head = serde_json::to_string(&Head {
        kind_of_line: "check",
        step,
        phase,
        kind: check.spec.kind().name(),
        cluster: present::cluster_scope(&check.spec),
        status: outcome.status,
        summary: &outcome.summary,
    })
    .expect("check results serialize");
    // The head without its closing brace, then the items, then the brace.
    out.write_all(redact(&head[..head.len() - 1]).as_bytes())?;
    out.write_all(b",\"items\":[")?;
    for (i, item) in outcome.items.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let item = serde_json::to_string(item).expect("check results serialize");
        out.write_all(redact(&item).as_bytes())?;
    }
    out.write_all(b"]}\n")
}
