//! Presentation helpers shared by the plan, check output and the report: durations and
//! ratios in words, which cluster(s) a check reads, and the one table style.

use std::time::Duration;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, ContentArrangement, Table};

use crate::runbook::CheckSpec;

/// Width used when stdout is not a terminal, so piped output and snapshots are stable.
pub const DEFAULT_WIDTH: u16 = 120;

pub fn duration(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// Which cluster(s) a check reads.
pub fn cluster_scope(spec: &CheckSpec) -> Option<&'static str> {
    match spec {
        CheckSpec::Command { .. } | CheckSpec::ConnectorState { .. } => None,
        other => Some(other.cluster().map_or("both", |role| role.name())),
    }
}

/// Where a check asks, for progress and result lines: its cluster scope, the Kafka Connect
/// endpoint of a `connector_state`, or `local` for a `command`.
pub fn scope_label(spec: &CheckSpec) -> String {
    match spec {
        CheckSpec::ConnectorState { connect, .. } => format!("connect {connect}"),
        other => cluster_scope(other).unwrap_or("local").to_string(),
    }
}

/// A ratio as a percentage: 0.01 -> "1%", 0.005 -> "0.5%".
pub fn ratio(r: f64) -> String {
    let percent = r * 100.0;
    if (percent - percent.round()).abs() < 1e-9 {
        format!("{}%", percent.round())
    } else {
        format!("{}%", (percent * 1000.0).round() / 1000.0)
    }
}

/// A table with these headers, `width` wide (None: comfy-table measures the terminal).
pub fn table(headers: &[&str], width: Option<u16>) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.iter().map(Cell::new));
    if let Some(width) = width {
        table.set_width(width);
    }
    table
}
