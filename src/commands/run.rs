//! `cutover run RUNBOOK`: execute the runbook step by step, journaled, under a lock.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::checks::Clusters;
use crate::engine::journal::{Event, Journal, RunKind};
use crate::engine::lock::{self, Holder, LockError};
use crate::engine::prompter::{NonInteractive, Prompter, Scripted, Terminal};
use crate::engine::{self, interrupt, rundir, Executor, Identity, Settings};
use crate::exit_code::Exit;
use crate::runbook::Runbook;

/// How confirmations are answered, common to run and resume.
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

pub fn run(path: &Path, state_dir: &Path, answering: &Answering) -> Exit {
    match start(path, state_dir, answering) {
        Ok(exit) | Err(exit) => exit,
    }
}

fn start(path: &Path, state_dir: &Path, answering: &Answering) -> Result<Exit, Exit> {
    let loaded = super::load_runbook(path)?;
    let runbook = &loaded.runbook;
    let prompter = answering.prompter()?;
    let who = engine::identity();
    let run_id = rundir::new_run_id();
    let _lock = take_lock(state_dir, path, &run_id, &who)?;
    let clusters = connect(runbook)?;
    interrupt::install();

    let run_dir = rundir::run_dir(state_dir, &run_id);
    let io = |e: std::io::Error| {
        eprintln!(
            "error: cannot create the run directory {}: {e}",
            run_dir.display()
        );
        Exit::Failed
    };
    std::fs::create_dir_all(&run_dir).map_err(io)?;
    std::fs::copy(path, run_dir.join("runbook.yaml")).map_err(io)?;
    let mut journal = Journal::open(&run_dir.join("journal.jsonl"), 1, runbook.secrets.clone())
        .map_err(|e| {
            eprintln!("error: {e}");
            Exit::Failed
        })?;
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    journal
        .record(Event::RunStarted {
            run_id: run_id.clone(),
            kind: RunKind::Run,
            runbook: absolute.display().to_string(),
            runbook_sha256: runbook.sha256.clone(),
            steps: runbook.steps().map(|s| s.id.clone()).collect(),
            steps_fingerprint: engine::steps_fingerprint(runbook),
            user: who.user.clone(),
            host: who.host.clone(),
            pid: who.pid,
            version: env!("CARGO_PKG_VERSION").into(),
        })
        .map_err(|e| {
            eprintln!("error: {e}");
            Exit::Failed
        })?;
    eprintln!(
        "Run {run_id} of \"{}\" ({} steps); journal: {}",
        runbook.secrets.redact(&runbook.name),
        runbook.steps().count(),
        journal.path().display()
    );
    let mut executor = Executor {
        runbook,
        clusters: &clusters,
        journal,
        prompter,
        run_id,
        run_dir,
        settings: Settings {
            yes: answering.yes,
            mark_done: Vec::new(),
            rerun: Vec::new(),
        },
        who,
    };
    Ok(executor.execute(None))
}
