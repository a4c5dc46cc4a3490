//! `cutover check RUNBOOK [--step ID]... [--phase requires|verifies] [--json]`
//!
//! Runs the named steps' checks once, against both clusters, in runbook order.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::builder::{PossibleValuesParser, TypedValueParser};
use serde_json::json;

use crate::checks::{
    self, render, CheckState, Clusters, Item, ItemSink, Keep, Outcome, Output, Status,
};
use crate::error::{Error, Result};
use crate::exit_code::Exit;
use crate::runbook::{Check, Phase, Runbook, Secrets};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The runbook file
    runbook: PathBuf,
    /// Only this step's checks (repeatable); all steps when omitted
    #[arg(long = "step", value_name = "ID")]
    steps: Vec<String>,
    /// Only the checks of this phase; both when omitted
    #[arg(
        long,
        value_parser = PossibleValuesParser::new(["requires", "verifies"])
            .map(|phase| phase.parse::<Phase>().expect("a possible value"))
    )]
    phase: Option<Phase>,
    /// JSON Lines on stdout: one object per check, then a summary
    #[arg(long)]
    json: bool,
    /// Show passing items too (only failing ones and the first 20 passing by default)
    #[arg(long)]
    all: bool,
}

pub fn exec(args: Args) -> Result<Exit> {
    run(
        &args.runbook,
        Options {
            steps: &args.steps,
            phase: args.phase,
            json: args.json,
            all: args.all,
        },
    )
}

pub struct Options<'a> {
    pub steps: &'a [String],
    pub phase: Option<Phase>,
    pub json: bool,
    pub all: bool,
}

pub fn run(path: &Path, options: Options<'_>) -> Result<Exit> {
    let loaded = crate::runbook::open(path)?;
    let runbook = &loaded.runbook;
    for id in options.steps {
        if runbook.step(id).is_none() {
            let known: Vec<&str> = runbook.steps().map(|s| s.id.as_str()).collect();
            return Err(Error::invalid(format!(
                "no step `{id}` in {} (steps: {})",
                path.display(),
                known.join(", ")
            )));
        }
    }
    let clusters = Clusters::connect(runbook).map_err(Error::invalid)?;
    checks::cluster_id::verify(runbook, &clusters)?;

    let selected: Vec<(&str, &'static str, &Check)> = runbook
        .steps()
        .filter(|step| options.steps.is_empty() || options.steps.contains(&step.id))
        .flat_map(|step| {
            let requires = step
                .requires
                .iter()
                .map(move |c| (step.id.as_str(), "requires", c));
            let verifies = step
                .verifies
                .iter()
                .map(move |c| (step.id.as_str(), "verifies", c));
            let phases: Vec<_> = match options.phase {
                Some(Phase::Requires) => requires.collect(),
                Some(Phase::Verifies) => verifies.collect(),
                // Not among `--phase`'s values: a rollback's checks.
                Some(Phase::UndoVerifies) => Vec::new(),
                None => requires.chain(verifies).collect(),
            };
            phases
        })
        .collect();

    let out = std::sync::Arc::new(std::sync::Mutex::new(std::io::BufWriter::with_capacity(
        1 << 16,
        std::io::stdout(),
    )));
    let width = (!std::io::stdout().is_terminal()).then_some(crate::present::DEFAULT_WIDTH);
    let (mut pass, mut fail, mut error) = (0, 0, 0);
    // With --json each item is written as its own line as it is judged (checks over group
    // partitions keep none); otherwise the tables' items are kept, bounded (`Keep::SHOWN`),
    // unless --all asks for every one.
    let keep = if options.all { Keep::All } else { Keep::SHOWN };
    let heads: Vec<String> = selected
        .iter()
        .enumerate()
        .map(|(index, (step, phase, check))| item_head(index, step, phase, check, runbook))
        .collect();
    let mut states: Vec<CheckState> = heads
        .iter()
        .map(|head| {
            CheckState::with_output(Output {
                sink: options.json.then(|| {
                    std::sync::Arc::new(JsonItems {
                        out: out.clone(),
                        head: head.clone(),
                        secrets: runbook.secrets.clone(),
                    }) as std::sync::Arc<dyn ItemSink>
                }),
                keep,
            })
        })
        .collect();
    let checks: Vec<Check> = selected.iter().map(|(_, _, c)| (*c).clone()).collect();
    // Kafka checks run at the same time over one snapshot of each cluster; `command` checks
    // one after another, in order (`checks::evaluate_round`).
    let outcomes = checks::evaluate_round(&checks, &mut states, runbook, &clusters);
    let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
    for (index, ((step, phase, check), outcome)) in selected.iter().zip(&outcomes).enumerate() {
        let (step, phase) = (*step, *phase);
        match outcome.status {
            Status::Pass => pass += 1,
            Status::Fail => fail += 1,
            Status::Error => error += 1,
        }
        if options.json {
            // Items the check kept (those not written as judged), then the check's line.
            for item in &outcome.items {
                write_item(&mut *out, &heads[index], item, &runbook.secrets);
            }
            let _ = write_check_line(&mut *out, index, step, phase, check, outcome, runbook);
            let _ = out.flush();
            continue;
        }
        let text = {
            let scope = crate::present::scope_label(&check.spec);
            let mut text = format!(
                "{} {step} {phase} {} ({scope}): {}\n",
                render::status_word(outcome.status),
                check.spec.kind(),
                outcome.summary
            );
            if let Some(table) = render::items_table(outcome, width, options.all) {
                text.push_str(&table);
                text.push_str("\n\n");
            }
            text
        };
        let _ = out.write_all(runbook.secrets.redact(&text).as_bytes());
        let _ = out.flush();
    }
    if options.json {
        let _ = writeln!(
            out,
            "{}",
            json!({"type": "summary", "pass": pass, "fail": fail, "error": error})
        );
    } else {
        let _ = writeln!(out, "{pass} passed, {fail} failed, {error} errored");
    }
    let _ = out.flush();
    Ok(if error > 0 {
        Exit::CheckError
    } else if fail > 0 {
        Exit::Failed
    } else {
        Exit::Done
    })
}

/// The fields an item line and a check line begin with (docs/checks.md, `--json`): the line's
/// type, the check's index among the check lines, its step, phase, kind and cluster.
#[derive(serde::Serialize)]
struct Head<'a> {
    #[serde(rename = "type")]
    kind_of_line: &'static str,
    index: usize,
    step: &'a str,
    phase: &'a str,
    kind: &'static str,
    cluster: Option<&'static str>,
}

impl<'a> Head<'a> {
    fn new(
        kind_of_line: &'static str,
        index: usize,
        step: &'a str,
        phase: &'a str,
        check: &Check,
    ) -> Self {
        Head {
            kind_of_line,
            index,
            step,
            phase,
            kind: check.spec.kind().name(),
            cluster: crate::present::cluster_scope(&check.spec),
        }
    }
}

/// An item line's fields before the item's own. Redacted.
fn item_head(index: usize, step: &str, phase: &str, check: &Check, runbook: &Runbook) -> String {
    let head = serde_json::to_string(&Head::new("item", index, step, phase, check))
        .expect("item heads serialize");
    // Without its closing brace: the item's fields follow.
    runbook.secrets.redact(&head[..head.len() - 1])
}

/// One item line: the head, then the item's fields (redacted as one piece, so a secret
/// inside any value is found whole).
fn write_item(out: &mut dyn Write, head: &str, item: &Item, secrets: &Secrets) {
    let body = serde_json::to_string(item).expect("check results serialize");
    let body = secrets.redact(&body);
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(b",");
    let _ = out.write_all(body.strip_prefix('{').unwrap_or(&body).as_bytes());
    let _ = out.write_all(b"\n");
}

/// Writes each item of a check to stdout as it is judged (`--json`).
struct JsonItems {
    out: std::sync::Arc<std::sync::Mutex<std::io::BufWriter<std::io::Stdout>>>,
    head: String,
    secrets: Secrets,
}

impl ItemSink for JsonItems {
    fn item(&self, item: &Item) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        write_item(&mut *out, &self.head, item, &self.secrets);
    }
}

/// A check's own line, after its items: every field but the items, and how many of each
/// status there were (`item_counts`).
fn write_check_line(
    out: &mut dyn Write,
    index: usize,
    step: &str,
    phase: &str,
    check: &Check,
    outcome: &Outcome,
    runbook: &Runbook,
) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        #[serde(flatten)]
        head: Head<'a>,
        status: Status,
        summary: &'a str,
        item_counts: checks::ItemCounts,
    }
    let line = serde_json::to_string(&Line {
        head: Head::new("check", index, step, phase, check),
        status: outcome.status,
        summary: &outcome.summary,
        item_counts: outcome.item_counts(),
    })
    .expect("check results serialize");
    out.write_all(runbook.secrets.redact(&line).as_bytes())?;
    out.write_all(b"\n")
}
