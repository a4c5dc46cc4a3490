//! `cutover check RUNBOOK [--step ID]... [--phase requires|verifies] [--json]`
//!
//! Runs the named steps' checks once, against both clusters, in runbook order.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::builder::{PossibleValuesParser, TypedValueParser};
use serde_json::json;

use crate::checks::{self, render, CheckState, Clusters, Status};
use crate::error::{Error, Result};
use crate::exit_code::Exit;
use crate::runbook::{Check, Phase};

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

    let stdout = std::io::stdout();
    // Buffered: a JSON line is written item by item; flushed after each check.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let width = (!std::io::stdout().is_terminal()).then_some(crate::present::DEFAULT_WIDTH);
    let (mut pass, mut fail, mut error) = (0, 0, 0);
    // Kafka checks are read-only: evaluate them all at once (they share one snapshot of each
    // cluster), and print in runbook order as results arrive. `command` checks may have side
    // effects, so they run one after another, in order, on this thread.
    let (send, receive) = std::sync::mpsc::channel();
    let mut pending: std::collections::BTreeMap<usize, checks::Outcome> = Default::default();
    std::thread::scope(|scope| {
        for (index, (_, _, check)) in selected.iter().enumerate() {
            if !matches!(check.spec, crate::runbook::CheckSpec::Command { .. }) {
                let send = send.clone();
                let clusters = &clusters;
                scope.spawn(move || {
                    let mut state = CheckState::default();
                    let _ = send.send((
                        index,
                        checks::evaluate(check, runbook, clusters, &mut state),
                    ));
                });
            }
        }
        drop(send);
        for (index, (step, phase, check)) in selected.iter().enumerate() {
            let outcome = if matches!(check.spec, crate::runbook::CheckSpec::Command { .. }) {
                let mut state = CheckState::default();
                checks::evaluate(check, runbook, &clusters, &mut state)
            } else {
                loop {
                    if let Some(outcome) = pending.remove(&index) {
                        break outcome;
                    }
                    let (done, outcome) = receive.recv().expect("every check thread answers");
                    pending.insert(done, outcome);
                }
            };
            let (step, phase) = (*step, *phase);
            match outcome.status {
                Status::Pass => pass += 1,
                Status::Fail => fail += 1,
                Status::Error => error += 1,
            }
            if options.json {
                let redact = |text: &str| runbook.secrets.redact(text);
                let _ = render::write_json_line(&mut out, step, phase, check, &outcome, &redact);
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
                if let Some(table) = render::items_table(&outcome, width, options.all) {
                    text.push_str(&table);
                    text.push_str("\n\n");
                }
                text
            };
            let _ = out.write_all(runbook.secrets.redact(&text).as_bytes());
            let _ = out.flush();
        }
    });
    if options.json {
        let _ = writeln!(
            out,
            "{}",
            json!({"type": "summary", "pass": pass, "fail": fail, "error": error})
        );
    } else {
        let _ = writeln!(out, "{pass} passed, {fail} failed, {error} errored");
    }
    Ok(if error > 0 {
        Exit::CheckError
    } else if fail > 0 {
        Exit::Failed
    } else {
        Exit::Done
    })
}
