//! `cutover run RUNBOOK [--dry-run]`: execute the runbook step by step, journaled, under a
//! lock. The machinery is shared with `rollback` (see `launch`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::checks::Clusters;
use crate::engine::journal::{Event, Journal, RunKind};
use crate::engine::lock::{self, Holder, LockError};
use crate::engine::prompter::{NonInteractive, Prompter, Scripted, Terminal};
use crate::engine::{self, interrupt, rundir, unit, Executor, Identity, Mode, Settings};
use crate::exit_code::Exit;
use crate::runbook::Runbook;

/// How confirmations are answered, common to run, resume and rollback.
pub struct Answering {
    pub yes: bool,
    pub answers: Option<PathBuf>,
    pub prompt_timeout: Option<Duration>,
}

impl Answering {
    pub fn prompter(&self) -> Result<Box<dyn Prompter>, Exit> {
        if let Some(path) = &self.answers {
            return Scripted::from_file(path)
                .map(|p| Box::new(p) as Box<dyn Prompter>)
                .map_err(|e| {
                    eprintln!("error: cannot read answers file {}: {e}", path.display());
                    Exit::Invalid
                });
        }
        let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        Ok(if self.yes || !terminal {
            Box::new(NonInteractive { yes: self.yes })
        } else {
            Box::new(Terminal {
                timeout: self.prompt_timeout,
            })
        })
    }
}

pub fn take_lock(
    state_dir: &Path,
    runbook_path: &Path,
    run_id: &str,
    who: &Identity,
) -> Result<lock::Lock, Exit> {
    let holder = Holder {
        run_id: run_id.to_string(),
        user: who.user.clone(),
        host: who.host.clone(),
        pid: who.pid,
        since: engine::journal::now(),
    };
    lock::acquire(&lock::lock_path(state_dir, runbook_path), &holder).map_err(|e| match e {
        LockError::Held(_) => {
            eprintln!("error: {e}; wait for it to finish, or stop it first");
            Exit::Locked
        }
        LockError::Io { .. } => {
            eprintln!("error: {e}");
            Exit::Failed
        }
    })
}

/// Connect and refuse the wrong clusters, before anything runs.
pub fn connect(runbook: &Runbook) -> Result<Clusters, Exit> {
    let clusters = Clusters::connect(runbook).map_err(|e| {
        eprintln!("error: {e}");
        Exit::Invalid
    })?;
    super::check::verify_cluster_ids(runbook, &clusters)?;
    Ok(clusters)
}

/// The ids the clusters report now, asked with at most `wait` (a cluster that does not answer
/// is left out: the run's checks will say so).
pub fn seen_cluster_ids(
    clusters: &Clusters,
    wait: Duration,
) -> std::collections::BTreeMap<String, String> {
    let (source, target) = clusters.both(
        |c| c.cluster_id_within(wait.min(c.timeout)),
        |c| c.cluster_id_within(wait.min(c.timeout)),
    );
    [("source", source), ("target", target)]
        .into_iter()
        .filter_map(|(role, id)| Some((role.to_string(), id.ok()?)))
        .collect()
}

/// What kind of run to start.
pub struct Launch<'a> {
    pub runbook: &'a Path,
    pub state_dir: &'a Path,
    pub answering: &'a Answering,
    pub mode: Mode,
    pub dry_run: bool,
    pub run_commands: bool,
    pub past_point_of_no_return: bool,
    /// For a rollback: the forward run and the steps it did, in order.
    pub rollback_of: Option<(String, Vec<String>)>,
}

pub fn run(
    path: &Path,
    state_dir: &Path,
    answering: &Answering,
    dry_run: bool,
    run_commands: bool,
) -> Exit {
    launch(Launch {
        runbook: path,
        state_dir,
        answering,
        mode: Mode::Forward,
        dry_run,
        run_commands,
        past_point_of_no_return: false,
        rollback_of: None,
    })
}

pub fn launch(launch: Launch<'_>) -> Exit {
    match start(launch) {
        Ok(exit) | Err(exit) => exit,
    }
}

fn fail<E: std::fmt::Display>(e: E) -> Exit {
    eprintln!("error: {e}");
    Exit::Failed
}

fn start(launch: Launch<'_>) -> Result<Exit, Exit> {
    let path = launch.runbook;
    let loaded = super::load_runbook(path)?;
    let runbook = &loaded.runbook;
    let prompter = launch.answering.prompter()?;
    let who = engine::identity();
    let run_id = rundir::new_run_id();
    let _lock = take_lock(launch.state_dir, path, &run_id, &who)?;
    super::unfinished::admit(&launch, runbook)?;
    let clusters = connect(runbook)?;
    interrupt::install();

    let run_dir = rundir::run_dir(launch.state_dir, &run_id);
    let io = |e: std::io::Error| {
        eprintln!(
            "error: cannot create the run directory {}: {e}",
            run_dir.display()
        );
        Exit::Failed
    };
    std::fs::create_dir_all(&run_dir).map_err(io)?;
    rundir::record_working_dir(&run_dir).map_err(io)?; // where a resume runs its actions
    std::fs::copy(path, run_dir.join("runbook.yaml")).map_err(io)?;
    let mut journal =
        Journal::open(&run_dir.join("journal.jsonl"), 1, runbook.secrets.clone()).map_err(fail)?;
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let (units, kind, steps, rollback_of) = match &launch.rollback_of {
        None => (
            unit::forward(runbook),
            if launch.dry_run {
                RunKind::Rehearsal
            } else {
                RunKind::Run
            },
            runbook.steps().map(|s| s.id.clone()).collect(),
            None,
        ),
        Some((forward, done)) => (
            unit::rollback(runbook, done),
            RunKind::Rollback,
            done.clone(),
            Some(forward.clone()),
        ),
    };
    journal
        .record(Event::RunStarted {
            run_id: run_id.clone(),
            kind,
            name: runbook.name.clone(),
            runbook: absolute.display().to_string(),
            runbook_sha256: runbook.sha256.clone(),
            steps,
            steps_fingerprint: engine::steps_fingerprint(runbook),
            rollback_of,
            dry_run: launch.dry_run,
            // Recorded for resume's wrong-cluster guard; an id not seen within a second is
            // left out rather than holding up the start.
            cluster_ids: seen_cluster_ids(&clusters, Duration::from_secs(1)),
            user: who.user.clone(),
            host: who.host.clone(),
            pid: who.pid,
            version: env!("CARGO_PKG_VERSION").into(),
        })
        .map_err(fail)?;
    let what = match (launch.mode, launch.dry_run) {
        (Mode::Forward, false) => "Run",
        (Mode::Forward, true) => "Rehearsal (dry run: nothing is executed)",
        (Mode::Rollback, false) => "Rollback",
        (Mode::Rollback, true) => "Rollback rehearsal (dry run: nothing is executed)",
    };
    eprintln!(
        "{what} {run_id} of \"{}\" ({} steps); journal: {}",
        runbook.secrets.redact(&runbook.name),
        units.len(),
        journal.path().display()
    );
    let mut executor = Executor {
        runbook,
        clusters: &clusters,
        units,
        mode: launch.mode,
        journal,
        prompter,
        run_id,
        run_dir,
        settings: Settings {
            yes: launch.answering.yes,
            mark_done: Vec::new(),
            rerun: Vec::new(),
            dry_run: launch.dry_run,
            run_commands: launch.run_commands,
            past_point_of_no_return: launch.past_point_of_no_return,
        },
        who,
        rehearsal: Vec::new(),
        baseline: crate::engine::rehearsal::Baseline::load(launch.state_dir, &runbook.sha256),
    };
    Ok(executor.execute(None))
}
