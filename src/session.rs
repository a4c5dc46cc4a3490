//! The one session path: starting, resuming and rolling back a run all go through here.
//! Each takes the cluster lock first, then reads or creates the journal, then builds the
//! executor, so no state read before the lock can be acted on after it.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::checks::Clusters;
use crate::engine::lock::{self, Holder, LockError};
use crate::engine::poll::Live;
use crate::engine::prompter::{NonInteractive, Prompter, Scripted, Terminal};
use crate::engine::{self, unit, Executor, Identity, Mode, Settings, Tally};
use crate::error::{Error, Result};
use crate::exit_code::Exit;
use crate::interrupt;
use crate::journal::rundir::{self, RunState};
use crate::journal::{self, Event, Journal, RunKind};
use crate::runbook::{Role, Runbook, Secrets};

pub mod rollback;
pub mod unfinished;

/// How confirmations are answered, common to run, resume and rollback.
pub struct Answering {
    pub yes: bool,
    pub answers: Option<PathBuf>,
    pub prompt_timeout: Option<Duration>,
}

impl Answering {
    pub fn prompter(&self) -> Result<Box<dyn Prompter>> {
        if let Some(path) = &self.answers {
            return Scripted::from_file(path)
                .map(|p| Box::new(p) as Box<dyn Prompter>)
                .map_err(|e| {
                    Error::invalid(format!("cannot read answers file {}: {e}", path.display()))
                });
        }
        // A person answers on stdin; the questions go to the terminal (stderr, or /dev/tty
        // when stderr is piped too: `2>&1 | tee log`). Stdout is the transcript.
        let terminal = std::io::stdin().is_terminal();
        Ok(if self.yes || !terminal {
            Box::new(NonInteractive { yes: self.yes })
        } else {
            Box::new(Terminal {
                timeout: self.prompt_timeout,
            })
        })
    }
}

fn fail<E: std::fmt::Display>(e: E) -> Error {
    Error::failed(e)
}

/// Connect and refuse the wrong clusters, before anything runs.
pub fn connect(runbook: &Runbook) -> Result<Clusters> {
    let clusters = Clusters::connect(runbook)
        .map_err(Error::invalid)?
        .with_cancel(interrupt::token());
    crate::checks::cluster_id::verify(runbook, &clusters)?;
    Ok(clusters)
}

/// The ids the clusters report now, asked with at most `wait` (a cluster that does not answer
/// is left out: the run's checks will say so).
pub fn seen_cluster_ids(clusters: &Clusters, wait: Duration) -> BTreeMap<String, String> {
    let (source, target) = clusters.both(
        |c| c.cluster_id_within(wait.min(c.timeout)),
        |c| c.cluster_id_within(wait.min(c.timeout)),
    );
    [("source", source), ("target", target)]
        .into_iter()
        .filter_map(|(role, id)| Some((role.to_string(), id.ok()?)))
        .collect()
}

/// Which clusters (source, target) the checks of these steps ask: a forward run's
/// `requires` and `verifies`, a rollback's `undo_verifies`. `command` checks ask none.
pub fn used_clusters(runbook: &Runbook, mode: Mode) -> (bool, bool) {
    let mut used = (false, false);
    for step in runbook.steps() {
        let checks: Vec<&crate::runbook::Check> = match mode {
            Mode::Forward => step.requires.iter().chain(&step.verifies).collect(),
            Mode::Rollback => step.undo_verifies.iter().collect(),
        };
        for check in checks {
            match crate::present::cluster_scope(&check.spec) {
                Some("source") => used.0 = true,
                Some("target") => used.1 = true,
                Some(_) => used = (true, true),
                None => {}
            }
        }
    }
    used
}

/// Before anything runs: each cluster the run's checks ask must answer metadata and its
/// cluster id within `request_timeout`, else exit 3 naming the cluster and the cause. Ids
/// of the other clusters are asked for a second, best-effort. Returns the ids seen.
/// `rollback` names the forward run and its state directory, for the `--without` hint.
pub fn preflight(
    runbook: &Runbook,
    clusters: &Clusters,
    mode: Mode,
    without: &BTreeMap<String, String>,
    rollback: Option<(&str, &Path)>,
) -> Result<BTreeMap<String, String>> {
    let (need_source, need_target) = used_clusters(runbook, mode);
    // `rollback --without CLUSTER`: not needed (its undo_verifies are not evaluated).
    let need_source = need_source && !without.contains_key(Role::Source.name());
    let need_target = need_target && !without.contains_key(Role::Target.name());
    let ask = |c: &crate::kafka::Connection, needed: bool| {
        if !needed {
            return c
                .cluster_id_within(Duration::from_secs(1).min(c.timeout))
                .map_err(|_| None);
        }
        let started = std::time::Instant::now();
        c.fetch_topics().map_err(Some)?;
        let left = c.timeout.saturating_sub(started.elapsed());
        c.cluster_id_within(left.max(Duration::from_millis(100)))
            .map_err(Some)
    };
    let (source, target) = clusters.both(|c| ask(c, need_source), |c| ask(c, need_target));
    let mut ids = BTreeMap::new();
    // One `error:` line: the first cluster that did not answer; the other one follows it.
    let mut silent = Vec::new();
    let mut failed = Vec::new();
    for (role, answer) in [(Role::Source, source), (Role::Target, target)] {
        match answer {
            Ok(id) => {
                ids.insert(role.name().to_string(), id);
            }
            Err(None) => {}
            Err(Some(e)) => {
                silent.push(format!(
                    "the {role} cluster ({}) did not answer within the request timeout ({}): {}",
                    runbook.cluster(role).bootstrap.shown,
                    humantime::format_duration(runbook.defaults.request_timeout),
                    runbook.secrets.redact(&e.to_string())
                ));
                failed.push(role.name());
            }
        }
    }
    if let Some((first, others)) = silent.split_first() {
        let mut error = Error::new(Exit::CheckError, format!("preflight: {first}"));
        for other in others {
            error = error.hint(format!("and {other}"));
        }
        error = error.hint("Nothing was run: the run's checks need that cluster.");
        if let (Mode::Rollback, Some((forward, state_dir))) = (mode, rollback) {
            // Runnable as printed (only the reason is the operator's): a new rollback of
            // the run starts with it, an unfinished one is resumed with it.
            let left_out: String = failed
                .iter()
                .map(|role| format!(" --without {role}"))
                .collect();
            error = error.hint(format!(
                "A rollback can go on without it (journaled; the undo_verifies that ask it are not evaluated, and those steps are confirmed by hand; with --yes they are done but not confirmed, exit 7); go on without it with: {}",
                rundir::hint(
                    &format!("rollback {forward}{left_out} --reason TEXT"),
                    state_dir
                )
            ));
        }
        return Err(error);
    }
    Ok(ids)
}

/// Test hook: hold a session this long just before it takes the lock, so a test can make
/// another process finish in between.
fn pause_before_lock() {
    if let Some(ms) = std::env::var("CUTOVER_TEST_PAUSE_BEFORE_LOCK_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Lock the runbook's clusters (by bootstrap lists, and by ids when both are known) in the
/// per-user state directory.
pub fn lock_clusters(
    runbook: &Runbook,
    ids: &BTreeMap<String, String>,
    holder: &Holder,
) -> Result<Vec<lock::Lock>> {
    let id = |role: Role, name: &str| {
        runbook
            .cluster(role)
            .cluster_id
            .as_ref()
            .map(|s| s.value.clone())
            .or_else(|| ids.get(name).cloned())
    };
    let (source, target) = (id(Role::Source, "source"), id(Role::Target, "target"));
    let keys = lock::cluster_keys(
        &runbook.source.bootstrap.value,
        &runbook.target.bootstrap.value,
        source.as_deref().zip(target.as_deref()),
    );
    pause_before_lock();
    lock::acquire_all(&rundir::user_state_dir(), &keys, holder).map_err(|e| match e {
        LockError::Held(_) => Error::new(
            Exit::Locked,
            format!(
                "{e}; wait for it to finish, or stop it first (the lock covers the source and target on this machine)"
            ),
        ),
        LockError::Io { .. } => fail(e),
    })
}

pub fn holder(run_id: &str, who: &Identity, runbook: &Path, state_dir: &Path) -> Holder {
    let absolute = |p: &Path| {
        std::fs::canonicalize(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    Holder {
        run_id: run_id.to_string(),
        user: who.user.clone(),
        host: who.host.clone(),
        pid: who.pid,
        since: journal::now(),
        runbook: absolute(runbook),
        state_dir: absolute(state_dir),
    }
}

/// The runbook as written, normalized: the YAML tree (comments and layout dropped), with
/// `${VAR}` references as written and every literal secret masked.
pub fn runbook_content(path: &Path, secrets: &Secrets) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut value: Value = serde_yaml_ng::from_str(&text).ok()?;
    redact_strings(&mut value, secrets);
    Some(value)
}

fn redact_strings(value: &mut Value, secrets: &Secrets) {
    match value {
        Value::String(text) => *text = secrets.redact(text),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_strings(v, secrets)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_strings(v, secrets)),
        _ => {}
    }
}

fn flatten(path: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, v) in map {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten(&child, v, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{path}[{i}]"), v, out);
            }
        }
        other => {
            out.insert(path.to_string(), other.to_string());
        }
    }
}

/// What changed in a runbook between a run's start and its resume.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Clusters, mirror, defaults, steps, actions, undo, checks and their parameters.
    pub refused: Vec<String>,
    /// Titles and the runbook's name: noted, not refused.
    pub noted: Vec<String>,
}

/// Each changed path as `path: then -> now` (`(absent)` for a side without it).
pub fn diff(then: &Value, now: &Value) -> Changes {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten("", then, &mut a);
    flatten("", now, &mut b);
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort_by_key(|p| natural(p));
    paths.dedup();
    let absent = "(absent)".to_string();
    let mut changes = Changes::default();
    for path in paths {
        let (old, new) = (
            a.get(path).unwrap_or(&absent),
            b.get(path).unwrap_or(&absent),
        );
        if old == new {
            continue;
        }
        let line = format!("{path}: {old} -> {new}");
        let cosmetic = path == "name" || path.ends_with(".title") || path.ends_with(".description");
        if cosmetic {
            changes.noted.push(line);
        } else {
            changes.refused.push(line);
        }
    }
    changes
}

/// Sort `tiers[10]` after `tiers[9]`.
fn natural(path: &str) -> Vec<(String, u64)> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut number: Option<u64> = None;
    for c in path.chars() {
        if let Some(d) = c.to_digit(10) {
            number = Some(number.unwrap_or(0) * 10 + d as u64);
        } else {
            if let Some(n) = number.take() {
                parts.push((std::mem::take(&mut text), n));
            }
            text.push(c);
        }
    }
    parts.push((text, number.unwrap_or(0)));
    parts
}

/// What differs between a started and a resumed session's executor.
struct Parts<'r> {
    units: Vec<unit::Unit<'r>>,
    mode: Mode,
    journal: Journal,
    prompter: Box<dyn Prompter>,
    run_id: String,
    run_dir: PathBuf,
    settings: Settings,
    who: Identity,
}

/// The executor of a session: check outcomes from the clusters, the newest rehearsal of the
/// runbook as the baseline.
fn executor<'r>(
    runbook: &'r Runbook,
    clusters: &'r Clusters,
    parts: Parts<'r>,
    state_dir: &Path,
) -> Executor<'r> {
    Executor {
        runbook,
        clusters,
        rounds: Box::new(Live { runbook, clusters }),
        units: parts.units,
        mode: parts.mode,
        journal: parts.journal,
        prompter: parts.prompter,
        run_id: parts.run_id,
        run_dir: parts.run_dir,
        settings: parts.settings,
        who: parts.who,
        rehearsal: Vec::new(),
        baseline: engine::rehearsal::Baseline::load(state_dir, &runbook.sha256),
        tally: Tally::default(),
    }
}

/// What kind of run to start.
pub struct Start<'a> {
    pub runbook: &'a Path,
    pub state_dir: &'a Path,
    pub answering: &'a Answering,
    pub mode: Mode,
    pub dry_run: bool,
    pub run_commands: bool,
    pub past_point_of_no_return: bool,
    /// For a rollback: the forward run it undoes.
    pub rollback_of: Option<String>,
    /// `rollback --again`: roll back although a rollback of that run already finished.
    pub again: bool,
    /// `rollback --without CLUSTER --reason TEXT`: clusters left out, with the reason.
    pub without: BTreeMap<String, String>,
}

/// Start a run (or a rollback): lock, then journal, then execute.
pub fn start(start: Start<'_>) -> Result<Exit> {
    start_inner(start)
}

/// The rollbacks of `forward` (not rehearsed), oldest first.
pub fn rollbacks_of(state_dir: &Path, forward: &str) -> Vec<RunState> {
    rundir::run_ids(state_dir)
        .into_iter()
        .filter_map(|id| rundir::load(state_dir, &id).ok())
        .filter(|s| {
            s.kind == RunKind::Rollback && !s.dry_run && s.rollback_of.as_deref() == Some(forward)
        })
        .collect()
}

/// Refuse (exit 5) to act on a run whose journal holds events this version does not know:
/// whatever they record (an action, a decision) could be repeated or skipped.
pub fn refuse_unknown_events(state: &RunState, verb: &str) -> Result<()> {
    let Some(first) = state.unknown_events.first() else {
        return Ok(());
    };
    let more = match state.unknown_events.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    Err(Error::new(
        Exit::ResumeRefused,
        format!(
            "the journal of run {} has an {first}{more}; {verb} refused: use the cutover that wrote it",
            state.run_id
        ),
    ))
}

/// Refuse a second rollback of a forward run (exit 5) unless `again`; an unfinished one is
/// to be resumed, not restarted.
pub fn refuse_second_rollback(state_dir: &Path, forward: &str, again: bool) -> Result<()> {
    for earlier in rollbacks_of(state_dir, forward) {
        // An abandoned rollback is given up: neither resumed nor a reason to refuse.
        if earlier.abandoned.is_some() {
            continue;
        }
        if !earlier.finished {
            return Err(Error::new(
                Exit::ResumeRefused,
                format!(
                    "rollback {} of run {forward} did not finish; continue it with: {} (or {})",
                    earlier.run_id,
                    rundir::hint(&format!("rollback {forward}"), state_dir),
                    rundir::hint(&format!("resume {}", earlier.run_id), state_dir)
                ),
            ));
        }
        if !again {
            return Err(Error::new(
                Exit::ResumeRefused,
                format!(
                    "run {forward} was already rolled back by rollback {} (started {} by {}); refused. Roll it back again (journaled) with: {}",
                    earlier.run_id,
                    earlier.started,
                    earlier.started_by,
                    rundir::hint(&format!("rollback {forward} --again"), state_dir)
                ),
            ));
        }
    }
    Ok(())
}

fn start_inner(start: Start<'_>) -> Result<Exit> {
    let path = start.runbook;
    let loaded = crate::runbook::open(path)?;
    let runbook = &loaded.runbook;
    let prompter = start.answering.prompter()?;
    let who = engine::identity();
    let run_id = rundir::new_run_id();
    let clusters = connect(runbook)?;
    // Recorded for resume's wrong-cluster guard and the lock.
    let cluster_ids = preflight(
        runbook,
        &clusters,
        start.mode,
        &start.without,
        start
            .rollback_of
            .as_deref()
            .map(|forward| (forward, start.state_dir)),
    )?;
    let _locks = lock_clusters(
        runbook,
        &cluster_ids,
        &holder(&run_id, &who, path, start.state_dir),
    )?;

    // Under the lock: what earlier runs did. A new forward run refuses to start beside an
    // unfinished one of the same runbook or clusters (exit 5).
    if !start.dry_run && start.rollback_of.is_none() {
        unfinished::refuse(start.state_dir, path, runbook)?;
    }
    let (units, kind, steps) = match &start.rollback_of {
        None => (
            unit::forward(runbook),
            if start.dry_run {
                RunKind::Rehearsal
            } else {
                RunKind::Run
            },
            runbook.steps().map(|s| s.id.clone()).collect(),
        ),
        Some(forward) => {
            if !start.dry_run {
                refuse_second_rollback(start.state_dir, forward, start.again)?;
            }
            let state = rundir::load(start.state_dir, forward).map_err(fail)?;
            refuse_unknown_events(&state, "rollback")?;
            let done = state.done_steps(runbook);
            let mut units = unit::rollback(runbook, &done);
            unit::without(&mut units, &start.without);
            (units, RunKind::Rollback, done)
        }
    };
    interrupt::install();

    let run_dir = rundir::run_dir(start.state_dir, &run_id);
    let io = |e: std::io::Error| {
        Error::failed(format!(
            "cannot create the run directory {}: {e}",
            run_dir.display()
        ))
    };
    std::fs::create_dir_all(&run_dir).map_err(io)?;
    rundir::record_working_dir(&run_dir).map_err(io)?; // where a resume runs its actions
    std::fs::copy(path, run_dir.join("runbook.yaml")).map_err(io)?;
    let mut journal =
        Journal::open(&run_dir.join("journal.jsonl"), 1, runbook.secrets.clone()).map_err(fail)?;
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    journal
        .record(Event::RunStarted {
            run_id: run_id.clone(),
            kind,
            name: runbook.name.clone(),
            runbook: absolute.display().to_string(),
            runbook_sha256: runbook.sha256.clone(),
            steps,
            steps_fingerprint: engine::steps_fingerprint(runbook),
            rollback_of: start.rollback_of.clone(),
            dry_run: start.dry_run,
            cluster_ids,
            runbook_content: runbook_content(path, &runbook.secrets),
            again: start.again && start.rollback_of.is_some(),
            without: start.without.clone(),
            user: who.user.clone(),
            host: who.host.clone(),
            pid: who.pid,
            version: env!("CARGO_PKG_VERSION").into(),
        })
        .map_err(fail)?;
    let what = match (start.mode, start.dry_run) {
        (Mode::Forward, false) => "Run",
        (Mode::Forward, true) => "Rehearsal (dry run: nothing is executed)",
        (Mode::Rollback, false) => "Rollback",
        (Mode::Rollback, true) => "Rollback rehearsal (dry run: nothing is executed)",
    };
    crate::outln!(
        "{what} {run_id} of \"{}\" ({} steps); journal: {}",
        runbook.secrets.redact(&runbook.name),
        units.len(),
        journal.path().display()
    );
    let settings = Settings {
        yes: start.answering.yes,
        mark_done: Vec::new(),
        rerun: Vec::new(),
        dry_run: start.dry_run,
        run_commands: start.run_commands,
        past_point_of_no_return: start.past_point_of_no_return,
    };
    let parts = Parts {
        units,
        mode: start.mode,
        journal,
        prompter,
        run_id,
        run_dir,
        settings,
        who,
    };
    let mut executor = executor(runbook, &clusters, parts, start.state_dir);
    executor.execute(None)
}

pub struct ResumeOptions<'a> {
    pub run_id: Option<&'a str>,
    /// Resume although the runbook changed (journaled with the changes).
    pub accept_changes: bool,
    pub mark_done: Vec<String>,
    pub rerun: Vec<String>,
    pub past_point_of_no_return: bool,
    /// A rollback's `--without CLUSTER --reason TEXT` given on the resume: added to those of
    /// its start, journaled on the `resumed` event.
    pub without: BTreeMap<String, String>,
}

/// Resume a run: find it, lock its clusters, then read its journal and go on.
pub fn resume(state_dir: &Path, options: ResumeOptions<'_>, answering: &Answering) -> Result<Exit> {
    resume_inner(state_dir, options, answering)
}

fn find(state_dir: &Path, run_id: Option<&str>) -> Result<RunState> {
    let found = match run_id {
        Some(id) => rundir::load(state_dir, id),
        None => rundir::newest_unfinished(state_dir),
    };
    found.map_err(|e| match e {
        // Resuming what already finished is not a mistake: say so and succeed.
        rundir::RunDirError::NothingUnfinished(..) => {
            Error::Nothing(format!("Nothing to resume: {e}."))
        }
        e => Error::invalid(e),
    })
}

fn resume_inner(
    state_dir: &Path,
    options: ResumeOptions<'_>,
    answering: &Answering,
) -> Result<Exit> {
    // Before the lock only which run and which runbook: its state is read under the lock.
    let found = find(state_dir, options.run_id)?;
    if !options.without.is_empty() && found.kind != RunKind::Rollback {
        return Err(Error::new(
            Exit::Invalid,
            format!(
                "--without applies to a rollback only: run {} is a {}, whose checks ask both clusters",
                found.run_id,
                match found.kind {
                    RunKind::Rehearsal => "rehearsal",
                    _ => "forward run",
                }
            ),
        ));
    }
    if found.finished {
        eprintln!("Run {} already finished: nothing to resume.", found.run_id);
        return Ok(Exit::Done);
    }
    refuse_unknown_events(&found, "resume")?;
    // The clusters left out: those of the rollback's start, and those given now.
    let mut without = found.without.clone();
    without.extend(options.without.clone());
    let run_id = found.run_id.clone();
    let loaded = crate::runbook::open(&found.runbook)?;
    let runbook = &loaded.runbook;
    let who = engine::identity();
    let clusters = connect(runbook)?;
    let mode = match found.kind {
        RunKind::Rollback => Mode::Rollback,
        RunKind::Run | RunKind::Rehearsal => Mode::Forward,
    };
    // Resume acts only on the clusters the run started on, cluster_id set or not.
    let forward = found.rollback_of.clone().unwrap_or_default();
    let mut ids_now = preflight(
        runbook,
        &clusters,
        mode,
        &without,
        (mode == Mode::Rollback).then_some((forward.as_str(), state_dir)),
    )?;
    if found
        .cluster_ids
        .keys()
        .any(|role| !ids_now.contains_key(role))
    {
        let wait = runbook.defaults.request_timeout;
        for (role, id) in seen_cluster_ids(&clusters, wait) {
            ids_now.entry(role).or_insert(id);
        }
    }
    let _locks = lock_clusters(
        runbook,
        &ids_now,
        &holder(&run_id, &who, &found.runbook, state_dir),
    )?;

    let state = rundir::load(state_dir, &run_id).map_err(fail)?;
    if state.finished {
        eprintln!(
            "Run {run_id} finished while this resume waited for its lock: nothing to resume."
        );
        return Ok(Exit::Done);
    }
    refuse_unknown_events(&state, "resume")?;
    // A forward run that was rolled back is not continued: its done steps were undone.
    if state.kind == RunKind::Run {
        if let Some(rollback) = rollbacks_of(state_dir, &run_id).first() {
            return Err(Error::new(
                Exit::ResumeRefused,
                format!(
                    "run {run_id} was rolled back by rollback {} (started {} by {}); resuming it would redo on top of the undone steps. Resume refused; start a new run instead.",
                    rollback.run_id, rollback.started, rollback.started_by
                ),
            ));
        }
    }
    if state.torn_tail {
        eprintln!(
            "warning: the last line of the journal of run {run_id} was cut off mid-write (the process died); it is ignored"
        );
    }

    let mut accepted: Vec<String> = Vec::new();
    let mut forced = false;
    match &state.runbook_content {
        Some(then) => {
            let now = runbook_content(&state.runbook, &runbook.secrets).unwrap_or(Value::Null);
            let changes = diff(then, &now);
            if !changes.refused.is_empty() {
                let list = changes
                    .refused
                    .iter()
                    .map(|c| format!("  {c}"))
                    .collect::<Vec<_>>()
                    .join("\n");
                if !options.accept_changes {
                    return Err(Error::new(
                        Exit::ResumeRefused,
                        format!(
                            "the runbook changed since run {run_id} started:\n{list}\nResume refused; --accept-changes resumes anyway (the changes are journaled)."
                        ),
                    ));
                }
                eprintln!(
                    "warning: the runbook changed since run {run_id} started; resuming anyway (--accept-changes):\n{list}"
                );
                forced = true;
            }
            if !changes.noted.is_empty() {
                eprintln!(
                    "note: titles changed since the run started (not refused):\n{}",
                    changes
                        .noted
                        .iter()
                        .map(|c| format!("  {c}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
            accepted = changes.refused.into_iter().chain(changes.noted).collect();
        }
        None => {
            // A journal of an older version: only the steps' fingerprint to compare.
            let now = engine::steps_fingerprint(runbook);
            if now != state.steps_fingerprint {
                let current: Vec<String> = runbook.steps().map(|s| s.id.clone()).collect();
                if !options.accept_changes {
                    return Err(Error::new(
                        Exit::ResumeRefused,
                        format!(
                            "the runbook's steps changed since run {run_id} started (ids, order or actions).\n  then: {}\n  now:  {}\nResume refused; --accept-changes resumes anyway (journaled).",
                            state.steps.join(", "),
                            current.join(", ")
                        ),
                    ));
                }
                forced = true;
            }
        }
    }
    for id in options.mark_done.iter().chain(&options.rerun) {
        if runbook.step(id).is_none() {
            return Err(Error::invalid(format!("no step `{id}` in the runbook")));
        }
    }
    // A second attempt beside the first one, still running since the tool died, could do
    // the work twice: refused while the orphan lives.
    for id in &options.rerun {
        if let Some(process) = state
            .processes
            .get(id)
            .filter(|p| crate::process::still_running(p))
        {
            return Err(Error::new(
                Exit::ResumeRefused,
                format!(
                    "--rerun {id} refused: the action of step `{id}` is still running as process group {} (started by run {run_id} before the tool stopped); wait for it to end, or stop it with: {}",
                    process.pgid,
                    process.kill_command()
                ),
            ));
        }
    }
    for (role, then) in &state.cluster_ids {
        // A cluster left out (`--without`, journaled with its reason) is not asked.
        if without.contains_key(role) && !ids_now.contains_key(role) {
            continue;
        }
        match ids_now.get(role) {
            Some(id) if id == then => {}
            Some(id) => {
                return Err(Error::invalid(format!(
                    "wrong cluster: the {role} cluster now has id {}, but run {run_id} started on {}; resume refused",
                    runbook.secrets.redact(id),
                    runbook.secrets.redact(then)
                )));
            }
            None => {
                return Err(Error::new(
                    Exit::CheckError,
                    format!(
                        "cannot verify that the {role} cluster is the one run {run_id} started on (it does not answer)"
                    ),
                ));
            }
        }
    }
    let prompter = answering.prompter()?;
    interrupt::install();

    let run_dir = rundir::run_dir(state_dir, &run_id);
    if state.torn_tail {
        journal::drop_torn_tail(&run_dir.join("journal.jsonl"), state.valid_len).map_err(fail)?;
    }
    let mut journal = Journal::open(
        &run_dir.join("journal.jsonl"),
        state.next_seq,
        runbook.secrets.clone(),
    )
    .map_err(fail)?;
    journal
        .record(Event::Resumed {
            user: who.user.clone(),
            host: who.host.clone(),
            pid: who.pid,
            forced,
            changes: accepted,
            without: options.without.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
        })
        .map_err(fail)?;
    crate::outln!(
        "Resuming run {run_id} of \"{}\"",
        runbook.secrets.redact(&runbook.name)
    );
    let (mode, units) = match state.kind {
        RunKind::Rollback => {
            let mut units = unit::rollback(runbook, &state.steps);
            unit::without(&mut units, &without);
            (Mode::Rollback, units)
        }
        RunKind::Run | RunKind::Rehearsal => (Mode::Forward, unit::forward(runbook)),
    };
    let settings = Settings {
        yes: answering.yes,
        mark_done: options.mark_done,
        rerun: options.rerun,
        dry_run: state.dry_run,
        // Command checks stay unexecuted in a resumed rehearsal: the safe choice.
        run_commands: false,
        past_point_of_no_return: options.past_point_of_no_return,
    };
    let parts = Parts {
        units,
        mode,
        journal,
        prompter,
        run_id: run_id.clone(),
        run_dir,
        settings,
        who,
    };
    let mut executor = executor(runbook, &clusters, parts, state_dir);
    executor.execute(Some(&state))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_yaml_ng::from_str(text).unwrap()
    }

    #[test]
    fn a_diff_lists_each_changed_path_and_notes_titles_only() {
        let then = yaml(
            "name: a\nclusters:\n  source: { bootstrap: 'x:1' }\ntiers:\n  - name: t\n    steps:\n      - id: s\n        title: Old\n        verifies:\n          - { kind: lag_zero, max_lag: 0 }\n",
        );
        let now = yaml(
            "name: b\nclusters:\n  source: { bootstrap: 'y:1', cluster_id: abc }\ntiers:\n  - name: t\n    steps:\n      - id: s\n        title: New\n        verifies:\n          - { kind: lag_zero, max_lag: 10 }\n",
        );
        let changes = diff(&then, &now);
        assert_eq!(
            changes.refused,
            [
                r#"clusters.source.bootstrap: "x:1" -> "y:1""#,
                r#"clusters.source.cluster_id: (absent) -> "abc""#,
                "tiers[0].steps[0].verifies[0].max_lag: 0 -> 10",
            ]
        );
        assert_eq!(
            changes.noted,
            [
                r#"name: "a" -> "b""#,
                r#"tiers[0].steps[0].title: "Old" -> "New""#
            ]
        );
        assert_eq!(diff(&then, &then), Changes::default());
    }

    #[test]
    fn paths_sort_by_number() {
        let mut paths = vec!["tiers[10].x", "tiers[9].x", "tiers[1].x"];
        paths.sort_by_key(|p| natural(p));
        assert_eq!(paths, ["tiers[1].x", "tiers[9].x", "tiers[10].x"]);
    }
}
