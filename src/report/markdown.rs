//! The report as Markdown: readable in a change ticket.

use std::fmt::Write;

use super::{count_rows, item_rows, kind_word, sparkline, Report};

/// Failing evidence is always shown; passing items up to this many per check.
const PASSING_ROWS: usize = 10;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn seconds(s: Option<f64>) -> String {
    s.map(|s| format!("{s:.1}s")).unwrap_or_else(|| "-".into())
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Cutover {}: {}\n", kind_word(r), r.name);
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| run | `{}` |", r.run_id);
    let _ = writeln!(
        out,
        "| runbook | `{}` (sha256 `{}`) |",
        r.runbook, r.runbook_sha256
    );
    let _ = writeln!(out, "| started | {} by {} |", r.started, r.started_by);
    let _ = writeln!(out, "| ended | {} |", r.ended.as_deref().unwrap_or("-"));
    // Markdown has no colour: anything short of a plain "finished" is marked and bold.
    let outcome = match super::outcome_class(&r.outcome) {
        "pass" => cell(&r.outcome),
        _ => format!("**⚠ {}**", cell(&r.outcome)),
    };
    let _ = writeln!(out, "| outcome | {outcome} |");
    if let Some(of) = &r.rollback_of {
        let _ = writeln!(out, "| rollback of | `{of}` |");
    }
    if let Some(baseline) = &r.baseline {
        let _ = writeln!(out, "| rehearsal baseline | `{baseline}` |");
    }
    for resume in &r.resumes {
        let _ = writeln!(out, "| resumed | {resume} |");
    }
    for without in &r.without {
        let _ = writeln!(out, "| **⚠ without** | {} |", cell(without));
    }
    for note in &r.notes {
        let _ = writeln!(out, "| **⚠ note** | {} |", cell(note));
    }
    for unknown in &r.unknown_events {
        let _ = writeln!(out, "| **⚠ not understood** | {} |", cell(unknown));
    }

    out.push_str("\n## Timeline\n\n| step | tier | status | took | rehearsal | started |\n|---|---|---|---|---|---|\n");
    for s in &r.steps {
        let status = match &s.skip_reason {
            Some(reason) => format!("skipped: {}", cell(reason)),
            None => s.status.clone(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            s.step,
            s.tier,
            status,
            seconds(s.seconds),
            seconds(s.baseline_seconds),
            s.started.as_deref().unwrap_or("-")
        );
    }

    out.push_str("\n## Confirmations, decisions and overrides\n\n");
    if r.confirmations.is_empty() && r.decisions.is_empty() {
        out.push_str("None.\n");
    }
    for c in &r.confirmations {
        let _ = writeln!(
            out,
            "- {} `{}`: {} → **{}** ({}, {}@{})",
            c.time,
            c.step,
            cell(&c.prompt),
            c.answer,
            c.by,
            c.user,
            c.host
        );
    }
    for d in &r.decisions {
        let reason = d
            .reason
            .as_deref()
            .map(|r| format!(": {}", cell(r)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- {} `{}`: **{}**{reason} ({})",
            d.time, d.step, d.choice, d.by
        );
    }

    out.push_str("\n## Actions\n\n");
    let actions = r.actions();
    if actions.is_empty() {
        out.push_str("None executed.\n");
    } else {
        out.push_str(
            "| step | attempt | command | exit | took | log |\n|---|---|---|---|---|---|\n",
        );
        for (s, a) in actions {
            let exit = a.outcome();
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {} | `{}` |",
                s.step,
                a.attempt,
                cell(&a.command),
                exit,
                seconds(a.seconds),
                a.log
            );
        }
    }

    out.push_str("\n## Evidence\n");
    for s in &r.steps {
        for c in &s.checks {
            let _ = writeln!(
                out,
                "\n### {} {} {}: {}\n\n{} after {} poll(s)",
                s.step,
                c.phase,
                c.kind,
                c.status.to_uppercase(),
                cell(&c.summary),
                c.polls
            );
            if let Some(timings) = super::poll_timings(&c.poll_ms) {
                let _ = writeln!(out, "\n{timings}");
            }
            if c.lag.len() > 1 {
                let first = c.lag.first().map_or(0, |p| p.1);
                let last = c.lag.last().map_or(0, |p| p.1);
                let _ = writeln!(
                    out,
                    "\nLag over time: `{}` ({first} → {last})",
                    sparkline(&c.lag)
                );
            }
            let counts = count_rows(&c.kind, &c.items);
            if !counts.is_empty() {
                out.push_str("\nRecords per topic, most extra first:\n\n| topic | source | target | extra | extra ratio | missing | status |\n|---|---|---|---|---|---|---|\n");
                let (shown, hidden) = super::count_rows_shown(&counts);
                for row in shown {
                    let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
                    let _ = writeln!(out, "| {} |", cells.join(" | "));
                }
                if hidden > 0 {
                    let _ = writeln!(
                        out,
                        "\n…and {hidden} more topic(s) with a lower extra ratio (the JSON report has all; the total counts them)."
                    );
                }
            }
            let rows = item_rows(&c.items);
            if rows.is_empty() {
                continue;
            }
            out.push_str(
                "\n| status | where | source | target | reason |\n|---|---|---|---|---|\n",
            );
            let mut passing = 0;
            let mut hidden = 0;
            for row in rows {
                if row[0] == "pass" || row[0] == "info" {
                    passing += 1;
                    if passing > PASSING_ROWS {
                        hidden += 1;
                        continue;
                    }
                }
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    row[0],
                    cell(&row[1]),
                    cell(&row[2]),
                    cell(&row[3]),
                    cell(&row[4])
                );
            }
            // Items the journal counted but did not list (a poll keeps the failing ones up to
            // 1,000 and 20 passing ones).
            let (failing, passing) = super::unlisted(c);
            if failing > 0 {
                let _ = writeln!(
                    out,
                    "\n…and {failing} more failing item(s), counted but not journaled (a poll journals the first 1,000)."
                );
            }
            if hidden > 0 && passing == 0 {
                let _ = writeln!(
                    out,
                    "\n…and {hidden} more passing item(s) (the JSON report has all)."
                );
            } else if hidden + passing as usize > 0 {
                let _ = writeln!(
                    out,
                    "\n…and {} more passing item(s), counted (a poll journals 20).",
                    hidden + passing as usize
                );
            }
        }
    }
    if !r.rollbacks.is_empty() {
        out.push_str("\n## Rollbacks of this run\n\n");
        for rb in &r.rollbacks {
            let _ = writeln!(
                out,
                "- `{}`: {}; undone: {}",
                rb.run_id,
                cell(&rb.outcome),
                rb.steps.join(", ")
            );
        }
    }
    out
}
