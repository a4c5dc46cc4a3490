//! Check outcomes for people (a comfy-table of items, failing first) and for tools (JSON).

use serde_json::Value;

use super::{ItemStatus, Outcome, Status};
use crate::present;

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
    if outcome.items.is_empty() && outcome.progress.elsewhere.is_empty() {
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
    // Items judged but not kept (`checks::Keep`): counted here, listed by `--json`.
    let elsewhere = outcome.progress.elsewhere;
    hidden += (elsewhere.pass + elsewhere.info) as usize;
    if elsewhere.fail + elsewhere.error > 0 {
        text.push_str(&format!(
            "\n... and {} more failing item(s) not shown (--json lists every item)",
            elsewhere.fail + elsewhere.error
        ));
    }
    if hidden > 0 {
        text.push_str(&format!(
            "\n... and {hidden} more passing item(s) (--all shows them)"
        ));
    }
    Some(text)
}
