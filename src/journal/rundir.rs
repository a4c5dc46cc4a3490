//! Run directories: `<state-dir>/runs/<run-id>/` with a copy of the runbook, the journal and
//! the action logs. Run ids sort by start time: `20261123T221500Z-4f2a`.
//!
//! The state directory is `.cutover` beside the runbook (or `--state-dir`, or
//! `$CUTOVER_STATE_DIR`), and every state directory a run starts in is recorded in a per-user
//! index (`user_state_dir()/state-dirs`), so `status`, `resume`, `rollback`, `report`,
//! `abandon` and `runs` find a run from any working directory.

use std::path::{Path, PathBuf};

use crate::journal::{self, Entry, Event, RunKind};

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
    /// A rollback's `--without` clusters, with the operator's reasons.
    pub without: std::collections::BTreeMap<String, String>,
    pub started: String,
    pub started_by: String,
    pub user: String,
    pub host: String,
    pub finished: bool,
    /// `cutover abandon` (or `run --new`): why, by whom, when.
    pub abandoned: Option<String>,
    pub aborted: Option<String>,
    pub interrupted: bool,
    pub status: std::collections::HashMap<String, StepStatus>,
    /// The process of each step's in-doubt action, when it was journaled (`action_started`).
    pub processes: std::collections::HashMap<String, ActionProcess>,
    pub next_seq: u64,
    pub torn_tail: bool,
    pub valid_len: u64,
    pub entries: Vec<Entry>,
    /// Events written by a newer version of cutover: shown, and never acted on.
    pub unknown_events: Vec<journal::UnknownEvent>,
}

/// An action's process group as journaled when it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionProcess {
    pub pgid: u32,
    pub start_time: u64,
    pub boot_id: String,
}

impl ActionProcess {
    /// The command that stops the group, as the operator would type it.
    pub fn kill_command(&self) -> String {
        format!("kill -TERM -{}", self.pgid)
    }
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
    /// Neither finished nor abandoned: `resume` can pick it up.
    pub fn is_unfinished(&self) -> bool {
        !self.finished && self.abandoned.is_none()
    }

    /// An unfinished run that a new `cutover run` must not silently start beside: a real run
    /// or rollback (not a rehearsal) with neither a finished nor an abandoned event (aborted
    /// and interrupted ones count), that started an action or finished or skipped a step. A
    /// run that stopped before doing anything left nothing to resume.
    pub fn holds_the_runbook(&self) -> bool {
        self.is_unfinished()
            && !self.dry_run
            && self.kind != RunKind::Rehearsal
            && self.entries.iter().any(|e| {
                matches!(
                    e.event,
                    Event::ActionIntent { .. } | Event::StepDone { .. } | Event::StepSkipped { .. }
                )
            })
    }

    /// Steps done but not confirmed (a rollback step without undo_verifies done under
    /// `--yes`) that no person confirmed later (`cutover confirm`), in journal order.
    pub fn unconfirmed_steps(&self) -> Vec<String> {
        let mut steps: Vec<String> = Vec::new();
        for entry in &self.entries {
            match &entry.event {
                Event::StepDone {
                    step,
                    unconfirmed: true,
                    ..
                } if !steps.contains(step) => steps.push(step.clone()),
                Event::StepConfirmed { step, .. } => steps.retain(|s| s != step),
                _ => {}
            }
        }
        steps
    }

    /// Where the run stands, in words (status, `cutover runs`, reports).
    pub fn standing(&self) -> String {
        if let Some(abandoned) = &self.abandoned {
            format!("abandoned: {abandoned}")
        } else if self.finished {
            let skipped = self
                .status
                .values()
                .filter(|s| matches!(s, StepStatus::Skipped(_)))
                .count();
            // A rehearsal evaluates each check once: an error is a problem to fix first.
            let errors = if self.dry_run || self.kind == RunKind::Rehearsal {
                self.entries
                    .iter()
                    .filter(
                        |e| matches!(&e.event, Event::Check { status, .. } if status == "error"),
                    )
                    .count()
            } else {
                0
            };
            let count = |n: usize, what: &str| match n {
                0 => None,
                1 => Some(format!("1 {what}")),
                n => Some(format!("{n} {what}s")),
            };
            // Rollback steps done unattended without undo_verifies: nobody confirmed them.
            let unconfirmed = self.unconfirmed_steps().len();
            let parts: Vec<String> = [
                count(skipped, "skipped step"),
                count(unconfirmed, "unconfirmed step"),
                count(errors, "check error"),
            ]
            .into_iter()
            .flatten()
            .collect();
            if parts.is_empty() {
                "finished".to_string()
            } else {
                format!("finished with {}", parts.join(" and "))
            }
        } else if let Some(reason) = &self.aborted {
            format!("aborted: {reason}")
        } else if self.interrupted {
            "interrupted".to_string()
        } else {
            "unfinished (running now, or the process died)".to_string()
        }
    }

    /// "run", "rehearsal", "rollback" or "rollback rehearsal".
    pub fn kind_word(&self) -> &'static str {
        match (self.kind, self.dry_run) {
            (RunKind::Run, _) => "run",
            (RunKind::Rehearsal, _) => "rehearsal",
            (RunKind::Rollback, false) => "rollback",
            (RunKind::Rollback, true) => "rollback rehearsal",
        }
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
    /// A run id looked up in several state directories.
    #[error("no run `{id}` in {looked}")]
    NotFound { id: String, looked: String },
    /// No run at all in the state directories looked in.
    #[error("no run in {0}")]
    NoneFound(String),
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
            without,
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
                without: without.clone(),
                started: entry.time.clone(),
                started_by: format!("{user}@{host}"),
                user: user.clone(),
                host: host.clone(),
                finished: false,
                abandoned: None,
                aborted: None,
                interrupted: false,
                status: Default::default(),
                processes: Default::default(),
                next_seq: 0,
                torn_tail: false,
                valid_len: 0,
                entries: Vec::new(),
                unknown_events: Vec::new(),
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
                state.processes.remove(step);
            }
            Event::ActionStarted {
                step,
                pgid,
                start_time,
                boot_id,
                ..
            } => {
                state.processes.insert(
                    step.clone(),
                    ActionProcess {
                        pgid: *pgid,
                        start_time: *start_time,
                        boot_id: boot_id.clone(),
                    },
                );
            }
            Event::ActionResult {
                step,
                attempt,
                exit,
                timed_out,
                ..
            } => {
                state.processes.remove(step);
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
            Event::Abandoned { reason, user, host } => {
                state.abandoned = Some(format!("{reason} (by {user}@{host} at {})", entry.time))
            }
            Event::Resumed { without, .. } => {
                state.aborted = None;
                state.interrupted = false;
                state.without.extend(without.clone());
            }
            _ => {}
        }
    }
    let mut state = state.ok_or(RunDirError::NotARun(path))?;
    state.next_seq = contents.entries.last().map_or(1, |e| e.seq + 1);
    state.torn_tail = contents.torn_tail;
    state.valid_len = contents.valid_len;
    state.entries = contents.entries;
    state.unknown_events = contents.unknown;
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

/// The environment variable that sets the state directory (operators of a shift sharing one).
pub const STATE_DIR_ENV: &str = "CUTOVER_STATE_DIR";

/// The per-user index: one absolute state directory per line, in the order first used.
pub fn index_path() -> PathBuf {
    user_state_dir().join("state-dirs")
}

/// The state directory named by `--state-dir` or `$CUTOVER_STATE_DIR`, if any.
pub fn explicit_state_dir(flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_path_buf).or_else(|| {
        std::env::var_os(STATE_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// Where a run of `runbook` keeps its state: the explicit directory, else `.cutover` beside
/// the runbook (not the working directory: a second login finds it there).
pub fn state_dir_for(explicit: Option<&Path>, runbook: &Path) -> PathBuf {
    match explicit {
        Some(dir) => dir.to_path_buf(),
        None => runbook
            .parent()
            .unwrap_or(Path::new(""))
            .join(DEFAULT_STATE_DIR),
    }
}

/// Create `dir` if needed and prove that a run can write there.
pub fn ensure_writable(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

/// Record `dir` in the per-user index, once. The index only grows; a directory deleted
/// since is skipped when read.
pub fn register(dir: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let absolute = std::fs::canonicalize(dir)?;
    if indexed_dirs().contains(&absolute) {
        return Ok(());
    }
    let index = index_path();
    if let Some(parent) = index.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&index)?;
    // One write per line: appends from two processes do not interleave within a line.
    file.write_all(format!("{}\n", absolute.display()).as_bytes())?;
    file.sync_data()
}

/// The state directories in the index that still exist.
pub fn indexed_dirs() -> Vec<PathBuf> {
    let text = std::fs::read_to_string(index_path()).unwrap_or_default();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let dir = PathBuf::from(line);
        if dir.is_absolute() && dir.is_dir() && !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

/// Where to look for runs: only the explicit state directory when there is one; otherwise
/// `.cutover` in the working directory and every state directory in the index.
pub fn search_dirs(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(dir) = explicit {
        return vec![dir.to_path_buf()];
    }
    let mut dirs = vec![PathBuf::from(DEFAULT_STATE_DIR)];
    let mut seen: Vec<PathBuf> = dirs.iter().filter_map(|d| d.canonicalize().ok()).collect();
    for dir in indexed_dirs() {
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        if !seen.contains(&canonical) {
            seen.push(canonical);
            dirs.push(dir);
        }
    }
    dirs
}

/// The directories looked in, for messages.
pub fn describe_dirs(dirs: &[PathBuf]) -> String {
    let runs: Vec<String> = dirs
        .iter()
        .map(|d| runs_dir(d).display().to_string())
        .collect();
    match runs.len() {
        0 => "no state directory".to_string(),
        1 => runs[0].clone(),
        _ => format!("any of {}", runs.join(", ")),
    }
}

/// A run and the state directory that holds it.
#[derive(Debug, Clone)]
pub struct Found {
    pub state_dir: PathBuf,
    pub state: RunState,
}

/// Every run in `dirs`, oldest first (run ids sort by start time), with the journals that
/// could not be read.
pub fn all_runs(dirs: &[PathBuf]) -> (Vec<Found>, Vec<RunDirError>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for dir in dirs {
        for id in run_ids(dir) {
            match load(dir, &id) {
                Ok(state) => found.push(Found {
                    state_dir: dir.clone(),
                    state,
                }),
                Err(e) => errors.push(e),
            }
        }
    }
    found.sort_by(|a, b| a.state.run_id.cmp(&b.state.run_id));
    (found, errors)
}

/// The run `id` in the first of `dirs` that holds it.
pub fn find(dirs: &[PathBuf], id: &str) -> Result<Found, RunDirError> {
    for dir in dirs {
        if run_dir(dir, id).join("journal.jsonl").is_file() {
            return Ok(Found {
                state_dir: dir.clone(),
                state: load(dir, id)?,
            });
        }
    }
    Err(RunDirError::NotFound {
        id: id.to_string(),
        looked: describe_dirs(dirs),
    })
}

/// The newest run in `dirs` that `pick` accepts.
pub fn newest_where(
    dirs: &[PathBuf],
    pick: impl Fn(&RunState) -> bool,
) -> Result<Option<Found>, RunDirError> {
    let (runs, mut errors) = all_runs(dirs);
    if let Some(found) = runs.into_iter().rev().find(|f| pick(&f.state)) {
        return Ok(Some(found));
    }
    match errors.pop() {
        Some(e) => Err(e),
        None => Ok(None),
    }
}

/// A forward run: a run or a rehearsal, not a rollback.
pub fn is_forward(state: &RunState) -> bool {
    state.kind != RunKind::Rollback
}

/// The program as the user ran it, for hints that work when copied: a bare name stays bare
/// (found on PATH), a path becomes absolute (the hint may be run from another directory).
pub fn program() -> String {
    let argv0 = std::env::args_os()
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cutover"));
    let text = if argv0.components().count() > 1 {
        std::fs::canonicalize(&argv0).unwrap_or(argv0)
    } else {
        argv0
    };
    shell_word(&text.display().to_string())
}

/// `text` quoted for a POSIX shell when it needs it.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// ` --state-dir DIR` when a run in `state_dir` would not be found from any directory
/// without it; empty otherwise. Without an explicit state directory the lookup covers the
/// index; with `$CUTOVER_STATE_DIR` set, that directory only.
pub fn state_dir_hint(state_dir: &Path) -> String {
    let canonical = state_dir.canonicalize().ok();
    let same = |dir: &Path| canonical.is_some() && dir.canonicalize().ok() == canonical;
    let found_anyway = match explicit_state_dir(None) {
        Some(env) => same(&env),
        None => indexed_dirs().iter().any(|d| same(d)),
    };
    if found_anyway {
        String::new()
    } else {
        let shown = canonical.unwrap_or_else(|| state_dir.to_path_buf());
        format!(" --state-dir {}", shell_word(&shown.display().to_string()))
    }
}

/// A hint command that works when copied: the program as the user ran it, then `args`
/// (already shell-quoted where needed), then ` --state-dir DIR` when the runs in
/// `state_dir` would not be found without it. Every resume, rollback, abandon and status
/// hint is built here.
pub fn hint(args: &str, state_dir: &Path) -> String {
    format!("{} {args}{}", program(), state_dir_hint(state_dir))
}

/// A `run` hint that works when copied: the runbook `args` name (absolute) and ` --state-dir
/// DIR` when `state_dir` is not where `run` of that runbook would put its run without it.
pub fn run_hint(args: &str, runbook: &Path, state_dir: &Path) -> String {
    let default = state_dir_for(explicit_state_dir(None).as_deref(), runbook);
    let canonical = |dir: &Path| dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let flag = if canonical(&default) == canonical(state_dir) {
        String::new()
    } else {
        format!(
            " --state-dir {}",
            shell_word(&canonical(state_dir).display().to_string())
        )
    };
    format!("{} {args}{flag}", program())
}

/// The file in a run directory naming the working directory its actions run in.
const WORKING_DIR_FILE: &str = "working-dir";

/// Record in a new run's directory the working directory its actions run in: a resume or
/// rollback from another directory goes back there.
pub fn record_working_dir(run_dir: &Path) -> std::io::Result<()> {
    let cwd = std::env::current_dir()?;
    std::fs::write(
        run_dir.join(WORKING_DIR_FILE),
        cwd.as_os_str().as_encoded_bytes(),
    )
}

/// The working directory a run's actions ran in, if it was recorded (it may be gone since).
pub fn working_dir(state_dir: &Path, run_id: &str) -> Option<PathBuf> {
    let text = std::fs::read_to_string(run_dir(state_dir, run_id).join(WORKING_DIR_FILE)).ok()?;
    let dir = PathBuf::from(text);
    dir.is_absolute().then_some(dir)
}
