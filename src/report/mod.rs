//! The run report, built only from journals: what was done, by whom, when, with which
//! evidence. Markdown for change tickets, a self-contained HTML page, or JSON.

pub mod html;
pub mod markdown;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::journal::rundir::{self, RunDirError, RunState};
use crate::journal::{Entry, Event, RunKind};

#[derive(Debug, Serialize)]
pub struct Report {
    pub run_id: String,
    pub kind: RunKind,
    pub dry_run: bool,
    pub name: String,
    pub runbook: String,
    pub runbook_sha256: String,
    pub started: String,
    pub started_by: String,
    pub ended: Option<String>,
    pub outcome: String,
    pub rollback_of: Option<String>,
    pub steps: Vec<StepReport>,
    pub confirmations: Vec<Confirmation>,
    pub decisions: Vec<Decision>,
    pub resumes: Vec<String>,
    /// What the journal notes besides steps: a lost transcript (stdout closed), a prompt
    /// that had no answer before `--prompt-timeout` (nothing was decided).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Rollbacks of this run, by run id, with their outcome.
    pub rollbacks: Vec<RollbackSummary>,
    /// The rehearsal the step timings are compared with, if any.
    pub baseline: Option<String>,
    /// `rollback --without`: the clusters left out, with the operator's reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub without: Vec<String>,
    /// Journal events written by a newer cutover, which this report cannot interpret.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_events: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct StepReport {
    pub step: String,
    pub tier: String,
    pub started: Option<String>,
    pub ended: Option<String>,
    pub seconds: Option<f64>,
    pub baseline_seconds: Option<f64>,
    /// done, skipped, unchecked (rollback without undo_verifies), or unfinished.
    pub status: String,
    pub skip_reason: Option<String>,
    pub actions: Vec<ActionReport>,
    pub checks: Vec<CheckReport>,
}

#[derive(Debug, Serialize)]
pub struct ActionReport {
    pub command: String,
    pub attempt: u32,
    pub exit: Option<i32>,
    pub timed_out: bool,
    pub interrupted: bool,
    pub seconds: Option<f64>,
    pub log: String,
}

impl ActionReport {
    /// How the action ended, in words.
    pub fn outcome(&self) -> String {
        match (self.exit, self.timed_out, self.interrupted) {
            (_, true, _) => "timed out".to_string(),
            (Some(code), _, _) => code.to_string(),
            (None, _, true) => "interrupted".to_string(),
            (None, _, _) => "unknown (in doubt)".to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub phase: String,
    pub kind: String,
    pub status: String,
    pub summary: String,
    pub polls: usize,
    /// The final evidence (a poll's: its failing items up to 1,000 and 20 passing ones).
    pub items: Value,
    /// How many items of each status the final round judged, listed in `items` or not
    /// (absent in journals written before issue 14, whose `items` hold every item).
    pub item_counts: Option<crate::checks::ItemCounts>,
    /// (seconds since the wait started, remaining lag) for drain checks.
    pub lag: Vec<(f64, i64)>,
    /// How long each poll of this step's phase took, in milliseconds, in order (the
    /// journal's `poll` events; empty for journals written before them).
    pub poll_ms: Vec<u64>,
}

/// The per-poll timings in words: the first poll, then what the later ones cost against it.
pub fn poll_timings(poll_ms: &[u64]) -> Option<String> {
    let (first, later) = poll_ms.split_first()?;
    let secs = |ms: u64| format!("{:.2} s", ms as f64 / 1000.0);
    let mut text = format!("Poll timings: first {}", secs(*first));
    if !later.is_empty() {
        let mut sorted = later.to_vec();
        sorted.sort_unstable();
        let median = sorted[sorted.len() / 2];
        let share = if *first > 0 {
            format!(
                " ({:.0}% of the first)",
                median as f64 * 100.0 / *first as f64
            )
        } else {
            String::new()
        };
        text.push_str(&format!(
            ", later {} poll(s): median {}{share}, slowest {}",
            later.len(),
            secs(median),
            secs(*sorted.last().expect("not empty"))
        ));
    }
    const SHOWN: usize = 12;
    let each: Vec<String> = poll_ms.iter().take(SHOWN).map(|ms| secs(*ms)).collect();
    text.push_str(&format!("; each: {}", each.join(", ")));
    if poll_ms.len() > SHOWN {
        text.push_str(&format!(", ... ({} more)", poll_ms.len() - SHOWN));
    }
    Some(text)
}

#[derive(Debug, Serialize)]
pub struct Confirmation {
    pub time: String,
    pub step: String,
    pub prompt: String,
    pub answer: String,
    pub by: String,
    pub user: String,
    pub host: String,
}

#[derive(Debug, Serialize)]
pub struct Decision {
    pub time: String,
    pub step: String,
    pub choice: String,
    pub reason: Option<String>,
    pub by: String,
}

#[derive(Debug, Serialize)]
pub struct RollbackSummary {
    pub run_id: String,
    pub outcome: String,
    pub steps: Vec<String>,
}

fn millis_between(a: &str, b: &str) -> Option<f64> {
    let a = humantime::parse_rfc3339(a).ok()?;
    let b = humantime::parse_rfc3339(b).ok()?;
    Some(b.duration_since(a).ok()?.as_secs_f64())
}

fn outcome(state: &RunState) -> String {
    state.standing()
}

/// How an outcome reads at a glance: "pass" only for a plain "finished"; a run finished with
/// skipped steps or check errors, or abandoned, is a warning; an aborted one a failure.
pub fn outcome_class(outcome: &str) -> &'static str {
    if outcome == "finished" {
        "pass"
    } else if outcome.starts_with("aborted") {
        "fail"
    } else if outcome.contains("error") {
        "error"
    } else {
        "skipped"
    }
}

/// Step durations of a run, by step id.
fn durations(entries: &[Entry]) -> BTreeMap<String, f64> {
    let mut started: BTreeMap<String, String> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for e in entries {
        match &e.event {
            Event::StepStarted { step, .. } => {
                started.entry(step.clone()).or_insert(e.time.clone());
            }
            Event::StepDone { step, .. } | Event::StepSkipped { step, .. } => {
                if let Some(seconds) = started.get(step).and_then(|s| millis_between(s, &e.time)) {
                    out.insert(step.clone(), seconds);
                }
            }
            _ => {}
        }
    }
    out
}

pub fn build(state_dir: &Path, state: &RunState) -> Result<Report, RunDirError> {
    let entries = &state.entries;
    let name = entries
        .iter()
        .find_map(|e| match &e.event {
            Event::RunStarted { name, .. } => Some(name.clone()),
            _ => None,
        })
        .unwrap_or_default();
    // The newest rehearsal of the same runbook content is the baseline.
    let mut baseline = None;
    let mut rollbacks = Vec::new();
    for id in rundir::run_ids(state_dir) {
        if id == state.run_id {
            continue;
        }
        let other = rundir::load(state_dir, &id)?;
        let comparable = state.kind == RunKind::Run && !state.dry_run;
        if comparable
            && other.kind == RunKind::Rehearsal
            && other.runbook_sha256 == state.runbook_sha256
        {
            baseline = Some(other);
        } else if other.rollback_of.as_deref() == Some(state.run_id.as_str()) {
            rollbacks.push(RollbackSummary {
                run_id: other.run_id.clone(),
                outcome: outcome(&other),
                steps: other
                    .entries
                    .iter()
                    .filter_map(|e| match &e.event {
                        Event::StepDone { step, .. } => Some(step.clone()),
                        _ => None,
                    })
                    .collect(),
            });
        }
    }
    let baseline_durations = baseline
        .as_ref()
        .map(|b| durations(&b.entries))
        .unwrap_or_default();

    let mut steps: Vec<StepReport> = Vec::new();
    let mut confirmations: Vec<Confirmation> = Vec::new();
    let mut decisions = Vec::new();
    let mut resumes = Vec::new();
    let mut notes = Vec::new();
    let mut check_index: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut poll_times: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    let step_slot = |steps: &mut Vec<StepReport>, id: &str, tier: &str| -> usize {
        if let Some(i) = steps.iter().position(|s| s.step == id) {
            return i;
        }
        steps.push(StepReport {
            step: id.to_string(),
            tier: tier.to_string(),
            started: None,
            ended: None,
            seconds: None,
            baseline_seconds: None,
            status: "unfinished".into(),
            skip_reason: None,
            actions: Vec::new(),
            checks: Vec::new(),
        });
        steps.len() - 1
    };
    for e in entries {
        match &e.event {
            Event::StepStarted { step, tier } => {
                let i = step_slot(&mut steps, step, tier);
                steps[i].started.get_or_insert(e.time.clone());
            }
            Event::ActionIntent {
                step,
                command,
                attempt,
                log,
            } => {
                let i = step_slot(&mut steps, step, "");
                steps[i].actions.push(ActionReport {
                    command: command.clone(),
                    attempt: *attempt,
                    exit: None,
                    timed_out: false,
                    interrupted: false,
                    seconds: None,
                    log: log.clone(),
                });
            }
            Event::ActionResult {
                step,
                attempt,
                exit,
                timed_out,
                interrupted,
                duration_ms,
            } => {
                let i = step_slot(&mut steps, step, "");
                if let Some(a) = steps[i]
                    .actions
                    .iter_mut()
                    .rev()
                    .find(|a| a.attempt == *attempt)
                {
                    a.exit = *exit;
                    a.timed_out = *timed_out;
                    a.interrupted = *interrupted;
                    a.seconds = Some(*duration_ms as f64 / 1000.0);
                }
            }
            Event::Check {
                step,
                phase,
                kind,
                status,
                summary,
                items,
                item_counts,
                remaining,
                elapsed_ms,
            } => {
                let i = step_slot(&mut steps, step, "");
                let key = (step.clone(), phase.clone(), kind.clone());
                let slot = *check_index.entry(key).or_insert_with(|| {
                    steps[i].checks.push(CheckReport {
                        phase: phase.clone(),
                        kind: kind.clone(),
                        status: String::new(),
                        summary: String::new(),
                        polls: 0,
                        items: Value::Null,
                        item_counts: None,
                        lag: Vec::new(),
                        poll_ms: Vec::new(),
                    });
                    steps[i].checks.len() - 1
                });
                let check = &mut steps[i].checks[slot];
                check.polls += 1;
                check.status = status.clone();
                check.summary = summary.clone();
                if let Some(items) = items {
                    check.items = items.clone();
                    check.item_counts = *item_counts;
                }
                if let (Some(lag), "lag_zero") = (remaining, kind.as_str()) {
                    check.lag.push((*elapsed_ms as f64 / 1000.0, *lag));
                }
            }
            Event::StepDone {
                step,
                unchecked,
                unconfirmed,
            } => {
                let i = step_slot(&mut steps, step, "");
                // Journals of older versions answered the "confirm by hand" prompt with
                // --yes: that is no person's confirmation either.
                let by_yes = confirmations
                    .iter()
                    .rev()
                    .find(|c| &c.step == step)
                    .is_some_and(|c| c.by == "--yes");
                steps[i].status = if *unconfirmed || (*unchecked && by_yes) {
                    "done, not confirmed (no undo_verifies and no person)"
                } else if *unchecked {
                    "done (unchecked: confirmed by hand)"
                } else {
                    "done"
                }
                .into();
                steps[i].ended = Some(e.time.clone());
            }
            Event::StepConfirmed {
                step,
                reason,
                user,
                host,
            } => {
                let i = step_slot(&mut steps, step, "");
                steps[i].status = format!(
                    "done, confirmed later by {user}@{host} at {} (no undo_verifies): {reason}",
                    e.time
                );
            }
            Event::StepSkipped { step, reason } => {
                let i = step_slot(&mut steps, step, "");
                steps[i].status = "skipped".into();
                steps[i].skip_reason = Some(reason.clone());
                steps[i].ended = Some(e.time.clone());
            }
            Event::Confirmation {
                step,
                prompt,
                answer,
                by,
                user,
                host,
            } => confirmations.push(Confirmation {
                time: e.time.clone(),
                step: step.clone(),
                prompt: prompt.clone(),
                answer: answer.clone(),
                by: by.clone(),
                user: user.clone(),
                host: host.clone(),
            }),
            Event::Decision {
                step,
                choice,
                reason,
                by,
            } => decisions.push(Decision {
                time: e.time.clone(),
                step: step.clone(),
                choice: choice.clone(),
                reason: reason.clone(),
                by: by.clone(),
            }),
            Event::Resumed {
                user, host, forced, ..
            } => resumes.push(format!(
                "{} by {user}@{host}{}",
                e.time,
                if *forced {
                    " (forced: the runbook's steps had changed)"
                } else {
                    ""
                }
            )),
            Event::TranscriptLost => notes.push(format!(
                "{}: stdout was closed: the transcript after this was not shown (the journal and the action logs keep everything)",
                e.time
            )),
            Event::PromptTimedOut { step, prompt } => notes.push(format!(
                "{}: step `{step}`: no answer before --prompt-timeout, nothing was decided ({prompt})",
                e.time
            )),
            Event::Poll {
                step,
                phase,
                took_ms,
                ..
            } => poll_times
                .entry((step.clone(), phase.clone()))
                .or_default()
                .push(*took_ms),
            _ => {}
        }
    }
    for step in &mut steps {
        for check in &mut step.checks {
            if let Some(times) = poll_times.get(&(step.step.clone(), check.phase.clone())) {
                check.poll_ms = times.clone();
            }
        }
        if let (Some(a), Some(b)) = (&step.started, &step.ended) {
            step.seconds = millis_between(a, b);
        }
        step.baseline_seconds = baseline_durations.get(&step.step).copied();
    }
    let ended = entries
        .last()
        .filter(|_| !state.is_unfinished() || state.aborted.is_some())
        .map(|e| e.time.clone());
    Ok(Report {
        run_id: state.run_id.clone(),
        kind: state.kind,
        dry_run: state.dry_run,
        name,
        runbook: state.runbook.display().to_string(),
        runbook_sha256: state.runbook_sha256.clone(),
        started: state.started.clone(),
        started_by: state.started_by.clone(),
        ended,
        outcome: outcome(state),
        rollback_of: state.rollback_of.clone(),
        steps,
        confirmations,
        decisions,
        resumes,
        notes,
        rollbacks,
        baseline: baseline.map(|b| b.run_id),
        unknown_events: state.unknown_events.iter().map(|u| u.to_string()).collect(),
        without: state
            .without
            .iter()
            .map(|(cluster, reason)| {
                format!("{cluster}: {reason} (its undo_verifies were not evaluated)")
            })
            .collect(),
    })
}

impl Report {
    /// Every action of the run, with its step, in the order they ran.
    pub fn actions(&self) -> Vec<(&StepReport, &ActionReport)> {
        self.steps
            .iter()
            .flat_map(|s| s.actions.iter().map(move |a| (s, a)))
            .collect()
    }
}

pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("a report serializes") + "\n"
}

/// A one-line chart of lag over time: ▁▂▃▄▅▆▇█.
pub fn sparkline(points: &[(f64, i64)]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    points
        .iter()
        .map(|(_, v)| BARS[((*v).max(0) as f64 / max as f64 * 7.0).round() as usize])
        .collect()
}

pub fn kind_word(report: &Report) -> &'static str {
    match (report.kind, report.dry_run) {
        (RunKind::Run, _) => "run",
        (RunKind::Rehearsal, _) => "rehearsal",
        (RunKind::Rollback, false) => "rollback",
        (RunKind::Rollback, true) => "rollback rehearsal",
    }
}

/// Items the final round judged but the journal does not list: (failing or erroring,
/// passing or info). Zero for a journal whose `items` hold every item.
pub fn unlisted(check: &CheckReport) -> (u64, u64) {
    let Some(counts) = check.item_counts else {
        return (0, 0);
    };
    let listed = |status: &str| {
        check.items.as_array().map_or(0, |l| {
            l.iter().filter(|i| i["status"] == status).count() as u64
        })
    };
    (
        (counts.fail + counts.error).saturating_sub(listed("fail") + listed("error")),
        (counts.pass + counts.info).saturating_sub(listed("pass") + listed("info")),
    )
}

/// An item list as rows of (status, where, source, target, reason).
pub fn item_rows(items: &Value) -> Vec<[String; 5]> {
    let cell = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    items
        .as_array()
        .map(|list| {
            list.iter()
                .map(|item| {
                    let mut place = Vec::new();
                    for key in ["group", "topic", "connector"] {
                        if let Some(v) = item.get(key).filter(|v| !v.is_null()) {
                            place.push(cell(v));
                        }
                    }
                    if let Some(t) = item.get("task").filter(|v| !v.is_null()) {
                        place.push(format!("task {}", cell(t)));
                    }
                    if let Some(p) = item.get("partition").filter(|v| !v.is_null()) {
                        place.push(format!("[{}]", cell(p)));
                    }
                    [
                        cell(&item["status"]),
                        place.join(" "),
                        cell(&item["source"]),
                        cell(&item["target"]),
                        cell(&item["reason"]),
                    ]
                })
                .collect()
        })
        .unwrap_or_default()
}

/// How many topics the per-topic count table shows (worst first), besides its total row.
pub const COUNT_ROWS: usize = 100;

/// The rows of [`count_rows`] to show: the worst `COUNT_ROWS` topics and the total row, and
/// how many topics are left out.
pub fn count_rows_shown(rows: &[[String; 7]]) -> (Vec<&[String; 7]>, usize) {
    let Some((total, topics)) = rows.split_last() else {
        return (Vec::new(), 0);
    };
    let mut shown: Vec<&[String; 7]> = topics.iter().take(COUNT_ROWS).collect();
    shown.push(total);
    (shown, topics.len().saturating_sub(COUNT_ROWS))
}

/// `record_counts` evidence as a per-topic table, worst first: rows of (topic, source,
/// target, extra, extra ratio, missing, status), sorted by extra ratio (a topic with extra
/// records and no source record first), then a total row. Empty for other kinds, or when
/// the items hold no per-topic counts (a run journaled before them).
pub fn count_rows(kind: &str, items: &Value) -> Vec<[String; 7]> {
    if kind != "record_counts" {
        return Vec::new();
    }
    let Some(list) = items.as_array() else {
        return Vec::new();
    };
    let number = |v: &Value| v.as_i64().unwrap_or(0);
    let mut topics: Vec<&Value> = list
        .iter()
        .filter(|i| i["partition"].is_null() && i.get("source_records").is_some())
        .collect();
    let ratio_of = |i: &Value| i["extra_ratio"].as_f64().unwrap_or(f64::INFINITY);
    topics.sort_by(|a, b| {
        ratio_of(b)
            .total_cmp(&ratio_of(a))
            .then_with(|| a["topic"].as_str().cmp(&b["topic"].as_str()))
    });
    let shown = |r: Option<f64>| match r {
        Some(r) => crate::present::ratio(r),
        None => "no source records".to_string(),
    };
    let mut rows = Vec::new();
    let (mut source, mut target, mut extra, mut missing) = (0, 0, 0, 0);
    for item in &topics {
        source += number(&item["source_records"]);
        target += number(&item["target_records"]);
        extra += number(&item["extra"]);
        missing += number(&item["missing"]);
        rows.push([
            item["topic"].as_str().unwrap_or("").to_string(),
            number(&item["source_records"]).to_string(),
            number(&item["target_records"]).to_string(),
            number(&item["extra"]).to_string(),
            shown(item["extra_ratio"].as_f64()),
            number(&item["missing"]).to_string(),
            item["status"].as_str().unwrap_or("").to_string(),
        ]);
    }
    if !rows.is_empty() {
        let total_ratio = match (extra, source) {
            (0, _) => Some(0.0),
            (_, 0) => None,
            (e, s) => Some(e as f64 / s as f64),
        };
        rows.push([
            "total".to_string(),
            source.to_string(),
            target.to_string(),
            extra.to_string(),
            shown(total_ratio),
            missing.to_string(),
            String::new(),
        ]);
    }
    rows
}

#[cfg(test)]
mod count_tests {
    use super::count_rows;
    use serde_json::json;

    #[test]
    fn the_per_topic_table_is_sorted_by_extra_ratio_with_a_total() {
        let items = json!([
            {"topic": "a", "partition": null, "status": "pass", "source_records": 100, "target_records": 100, "extra": 0, "missing": 0, "extra_ratio": 0.0},
            {"topic": "a", "partition": 0, "status": "pass", "source": 100, "target": 100},
            {"topic": "b", "partition": null, "status": "fail", "source_records": 10, "target_records": 30, "extra": 20, "missing": 0, "extra_ratio": 2.0},
            {"topic": "c", "partition": null, "status": "fail", "source_records": 0, "target_records": 4, "extra": 4, "missing": 0, "extra_ratio": null},
            {"topic": "d", "partition": null, "status": "info", "reason": "not comparable by count"}
        ]);
        let rows = count_rows("record_counts", &items);
        let order: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(order, ["c", "b", "a", "total"]);
        assert_eq!(rows[0][4], "no source records");
        assert_eq!(rows[1][4], "200%");
        assert_eq!(rows[3], ["total", "110", "134", "24", "21.818%", "0", ""]);
        assert!(count_rows("tail_match", &items).is_empty());
        let many: Vec<serde_json::Value> = (0..150)
            .map(|i| json!({"topic": format!("t{i:03}"), "partition": null, "status": "pass", "source_records": 1, "target_records": 1, "extra": 0, "missing": 0, "extra_ratio": 0.0}))
            .collect();
        let rows = count_rows("record_counts", &serde_json::Value::Array(many));
        let (shown, hidden) = super::count_rows_shown(&rows);
        assert_eq!((shown.len(), hidden), (super::COUNT_ROWS + 1, 50));
        assert_eq!(shown.last().unwrap()[0], "total");
        assert_eq!(shown.last().unwrap()[1], "150");
    }
}
