//! Run directories: `<state-dir>/runs/<run-id>/` with a copy of the runbook, the journal and
//! the action logs. Run ids sort by start time: `20261123T221500Z-4f2a`.

use std::path::{Path, PathBuf};

use super::journal::{self, Entry, Event, RunKind};

pub const DEFAULT_STATE_DIR: &str = ".cutover";

/// The per-user state directory, shared by every state directory of this user on this
/// machine (it holds the cluster locks): `$CUTOVER_USER_STATE_DIR` (for tests), else
/// `$XDG_STATE_HOME/cutover`, else `~/.local/state/cutover`.
pub fn user_state_dir() -> PathBuf {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = set("CUTOVER_USER_STATE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = set("XDG_STATE_HOME").map(PathBuf::from) {
        // The XDG spec ignores a relative value.
        if dir.is_absolute() {
            return dir.join("cutover");
        }
    }
    let home = set("HOME").map(PathBuf::from).unwrap_or_else(|| {
        // No HOME: the password database's home directory, else the temp directory.
        unsafe {
            let entry = libc::getpwuid(libc::getuid());
            if entry.is_null() || (*entry).pw_dir.is_null() {
                return std::env::temp_dir();
            }
            PathBuf::from(
                std::ffi::CStr::from_ptr((*entry).pw_dir)
                    .to_string_lossy()
                    .into_owned(),
            )
        }
    });
    home.join(".local/state/cutover")
}

pub fn new_run_id() -> String {
    let now = std::time::SystemTime::now();
    let stamp: String = humantime::format_rfc3339_seconds(now)
        .to_string()
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    let nanos = now
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let suffix = (nanos ^ std::process::id().rotate_left(16)) & 0xffff;
    format!("{stamp}-{suffix:04x}")
}

pub fn runs_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("runs")
}

pub fn run_dir(state_dir: &Path, run_id: &str) -> PathBuf {
    runs_dir(state_dir).join(run_id)
}

/// Every run id under the state directory, oldest first.
pub fn run_ids(state_dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(runs_dir(state_dir))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().join("journal.jsonl").is_file())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// Where one run stands, rebuilt from its journal.
#[derive(Debug, Clone)]
pub struct RunState {
    pub run_id: String,
    pub kind: RunKind,
    pub runbook: PathBuf,
    pub runbook_sha256: String,
    pub steps: Vec<String>,
    pub steps_fingerprint: String,
    pub rollback_of: Option<String>,
    pub dry_run: bool,
    pub cluster_ids: std::collections::BTreeMap<String, String>,
    /// The normalized runbook journaled at the start (None in journals of older versions).
    pub runbook_content: Option<serde_json::Value>,
    pub started: String,
    pub started_by: String,
    pub finished: bool,
    pub aborted: Option<String>,
    pub interrupted: bool,
    pub status: std::collections::HashMap<String, StepStatus>,
    pub next_seq: u64,
    pub torn_tail: bool,
    pub valid_len: u64,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepStatus {
    Started,
    /// The action's intent is journaled but not its result: it may or may not have run.
    InDoubt {
        attempt: u32,
    },
    ActionFinished {
        attempt: u32,
        succeeded: bool,
    },
    Done,
    Skipped(String),
}

impl RunState {
    pub fn is_unfinished(&self) -> bool {
        !self.finished
    }

    pub fn step(&self, id: &str) -> Option<&StepStatus> {
        self.status.get(id)
    }

    /// What a rollback must undo, in the order it was done: every step whose action has an
    /// intent or a result (whether or not its verifies passed), and every manual step with a
    /// scripted `undo` that was done. Other manual steps have nothing the tool can undo;
    /// `cutover plan` lists them so the operator can reverse them by hand.
    pub fn done_steps(&self, runbook: &crate::runbook::Runbook) -> Vec<String> {
        let mut done: Vec<String> = Vec::new();
        for entry in &self.entries {
            let step = match &entry.event {
                Event::ActionIntent { step, .. } => step,
                Event::StepDone { step, .. }
                    if runbook
                        .step(step)
                        .is_some_and(|s| s.run.is_none() && s.undo.is_some()) =>
                {
                    step
                }
                _ => continue,
            };
            if !done.contains(step) {
                done.push(step.clone());
            }
        }
        done
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunDirError {
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
    #[error("{0} has no run_started event: not a cutover run")]
    NotARun(PathBuf),
    #[error("no run `{0}` here (looked in {1})")]
    NoSuchRun(String, PathBuf),
    #[error("no unfinished run in {0}: the newest, {1}, finished")]
    NothingUnfinished(PathBuf, String),
    #[error("no run in {0}")]
    NoRuns(PathBuf),
}

pub fn load(state_dir: &Path, run_id: &str) -> Result<RunState, RunDirError> {
    let dir = run_dir(state_dir, run_id);
    let path = dir.join("journal.jsonl");
    if !path.is_file() {
        return Err(RunDirError::NoSuchRun(run_id.into(), runs_dir(state_dir)));
    }
    let contents = journal::read(&path)?;
    let mut state: Option<RunState> = None;
    for entry in &contents.entries {
        let event = &entry.event;
        if let Event::RunStarted {
            run_id,
            kind,
            runbook,
            runbook_sha256,
            steps,
            steps_fingerprint,
            rollback_of,
            dry_run,
            cluster_ids,
            runbook_content,
            user,
            host,
            ..
        } = event
        {
            state = Some(RunState {
                run_id: run_id.clone(),
                kind: *kind,
                runbook: PathBuf::from(runbook),
                runbook_sha256: runbook_sha256.clone(),
                steps: steps.clone(),
                steps_fingerprint: steps_fingerprint.clone(),
                rollback_of: rollback_of.clone(),
                dry_run: *dry_run,
                cluster_ids: cluster_ids.clone(),
                runbook_content: runbook_content.clone(),
                started: entry.time.clone(),
                started_by: format!("{user}@{host}"),
                finished: false,
                aborted: None,
                interrupted: false,
                status: Default::default(),
                next_seq: 0,
                torn_tail: false,
                valid_len: 0,
                entries: Vec::new(),
            });
            continue;
        }
        let Some(state) = state.as_mut() else {
            return Err(RunDirError::NotARun(path));
        };
        match event {
            Event::StepStarted { step, .. } => {
                state.status.insert(step.clone(), StepStatus::Started);
            }
            Event::ActionIntent { step, attempt, .. } => {
                state
                    .status
                    .insert(step.clone(), StepStatus::InDoubt { attempt: *attempt });
            }
            Event::ActionResult {
                step,
                attempt,
                exit,
                timed_out,
                ..
            } => {
                state.status.insert(
                    step.clone(),
                    StepStatus::ActionFinished {
                        attempt: *attempt,
                        succeeded: *exit == Some(0) && !timed_out,
                    },
                );
            }
            Event::StepDone { step, .. } => {
                state.status.insert(step.clone(), StepStatus::Done);
            }
            Event::StepSkipped { step, reason } => {
                state
                    .status
                    .insert(step.clone(), StepStatus::Skipped(reason.clone()));
            }
            // Marking an in-doubt action done settles it like a successful result.
            Event::Decision { step, choice, .. } if choice == "mark-done" => {
                let attempt = match state.status.get(step) {
                    Some(StepStatus::InDoubt { attempt }) => *attempt,
                    _ => 0,
                };
                state.status.insert(
                    step.clone(),
                    StepStatus::ActionFinished {
                        attempt,
                        succeeded: true,
                    },
                );
            }
            Event::RunFinished => state.finished = true,
            Event::RunAborted { reason, .. } => state.aborted = Some(reason.clone()),
            Event::Interrupted { .. } => state.interrupted = true,
            Event::Resumed { .. } => {
                state.aborted = None;
                state.interrupted = false;
            }
            _ => {}
        }
    }
    let mut state = state.ok_or(RunDirError::NotARun(path))?;
    state.next_seq = contents.entries.last().map_or(1, |e| e.seq + 1);
    state.torn_tail = contents.torn_tail;
    state.valid_len = contents.valid_len;
    state.entries = contents.entries;
    Ok(state)
}

/// The newest run that has not finished (interrupted, crashed or aborted).
pub fn newest_unfinished(state_dir: &Path) -> Result<RunState, RunDirError> {
    let ids = run_ids(state_dir);
    let Some(newest) = ids.last().cloned() else {
        return Err(RunDirError::NoRuns(runs_dir(state_dir)));
    };
    for id in ids.into_iter().rev() {
        let state = load(state_dir, &id)?;
        if state.is_unfinished() {
            return Ok(state);
        }
    }
    Err(RunDirError::NothingUnfinished(runs_dir(state_dir), newest))
}

pub fn newest(state_dir: &Path) -> Result<RunState, RunDirError> {
    let id = run_ids(state_dir)
        .pop()
        .ok_or_else(|| RunDirError::NoRuns(runs_dir(state_dir)))?;
    load(state_dir, &id)
}
