//! `cutover runs`: every run this user can find (the working directory's `.cutover` and
//! every state directory in the per-user index), and the lookup of a run by id that
//! `status`, `resume`, `rollback`, `report` and `abandon` share.

use std::path::Path;

use super::args::StateArgs;
use crate::error::{Error, Result};
use crate::exit_code::Exit;
use crate::journal::rundir::{self, Found, RunDirError, RunState};
use crate::journal::RunKind;

/// What a command given no run id means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    /// The newest run or rehearsal (not a rollback): status, report.
    NewestForward,
    /// The newest real forward run: rollback.
    NewestRun,
    /// The newest run that is neither finished nor abandoned: resume.
    NewestUnfinished,
}

/// The hint after "not found": the command that lists what can be found, last on its line.
fn not_found_hint(flag: Option<&Path>) -> String {
    let whence = if flag.is_none() && rundir::explicit_state_dir(None).is_none() {
        format!(
            "the runs here and in every state directory in {}",
            rundir::index_path().display()
        )
    } else {
        "the runs in that state directory".to_string()
    };
    let runs = match flag {
        Some(dir) => rundir::hint("runs", dir),
        None => format!("{} runs", rundir::program()),
    };
    format!("  ({whence}; --state-dir DIR looks in another) list them: {runs}")
}

fn fail(e: RunDirError, flag: Option<&Path>) -> Error {
    let error = Error::invalid(&e);
    if matches!(
        e,
        RunDirError::NotFound { .. } | RunDirError::NoneFound(_) | RunDirError::NoRuns(_)
    ) {
        return error.hint(not_found_hint(flag));
    }
    error
}

/// The run `id` (looked up in the working directory's `.cutover` and every state directory in
/// the index), or the one `default` names (in the working directory's runs when it has any,
/// else in the index), or with an explicit state directory in that one only.
pub fn locate(flag: Option<&Path>, id: Option<&str>, default: Default) -> Result<Found> {
    let explicit = rundir::explicit_state_dir(flag);
    let mut dirs = rundir::search_dirs(explicit.as_deref());
    if let Some(id) = id {
        return rundir::find(&dirs, id).map_err(|e| fail(e, flag));
    }
    // Without a run id, the runs of the working directory come first: the newest run of
    // some other runbook in the index is not what `rollback` here means. Only where there
    // are none (a second login in the home directory) does the index answer.
    let here = std::path::PathBuf::from(rundir::DEFAULT_STATE_DIR);
    if explicit.is_none() && !rundir::run_ids(&here).is_empty() {
        dirs = vec![here];
    }
    let pick: fn(&RunState) -> bool = match default {
        Default::NewestForward => rundir::is_forward,
        Default::NewestRun => |s| s.kind == crate::journal::RunKind::Run,
        Default::NewestUnfinished => RunState::is_unfinished,
    };
    match rundir::newest_where(&dirs, pick) {
        Ok(Some(found)) => Ok(found),
        Ok(None) => {
            let (any, _) = rundir::all_runs(&dirs);
            match (default, any.last()) {
                (Default::NewestUnfinished, Some(newest)) => Err(Error::Nothing(format!(
                    "Nothing to resume: no unfinished run in {} (the newest, {}, is {}).",
                    rundir::describe_dirs(&dirs),
                    newest.state.run_id,
                    newest.state.standing()
                ))),
                (Default::NewestRun, Some(_)) => Err(Error::invalid(format!(
                    "no forward run in {}: nothing to roll back",
                    rundir::describe_dirs(&dirs)
                ))),
                _ => Err(fail(
                    RunDirError::NoneFound(rundir::describe_dirs(&dirs)),
                    flag,
                )),
            }
        }
        Err(e) => Err(fail(e, flag)),
    }
}

/// The run to resume; an abandoned run is not resumed.
pub fn locate_for_resume(flag: Option<&Path>, id: Option<&str>) -> Result<Found> {
    let found = locate(flag, id, Default::NewestUnfinished)?;
    if let Some(abandoned) = &found.state.abandoned {
        let state = &found.state;
        let runbook = rundir::shell_word(&state.runbook.display().to_string());
        // The way on is the same kind of run: a rollback of the same forward run (with
        // --again when one of them finished), a rehearsal, or a forward run.
        let way_on = match (state.kind, &state.rollback_of) {
            (RunKind::Rollback, Some(forward)) => {
                let finished = crate::session::rollbacks_of(&found.state_dir, forward)
                    .iter()
                    .any(|r| r.finished && r.abandoned.is_none());
                let again = match (state.dry_run, finished) {
                    (true, _) => " --dry-run",
                    (false, true) => " --again",
                    (false, false) => "",
                };
                format!(
                    "A new rollback of run {forward} starts with: {}",
                    rundir::hint(&format!("rollback {forward}{again}"), &found.state_dir)
                )
            }
            (RunKind::Rehearsal, _) => format!(
                "A new rehearsal starts with: {}",
                rundir::run_hint(
                    &format!("run {runbook} --dry-run"),
                    &state.runbook,
                    &found.state_dir
                )
            ),
            _ => format!(
                "A new run starts with: {}",
                rundir::run_hint(&format!("run {runbook}"), &state.runbook, &found.state_dir)
            ),
        };
        return Err(Error::new(
            Exit::ResumeRefused,
            format!(
                "{} {} was abandoned ({abandoned}): it is not resumed. {way_on}",
                state.kind_word(),
                state.run_id,
            ),
        ));
    }
    Ok(found)
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    state: StateArgs,
}

pub fn exec(args: Args) -> Result<Exit> {
    run(args.state.state_dir.as_deref())
}

/// `cutover runs`: one line per run, newest first.
pub fn run(flag: Option<&Path>) -> Result<Exit> {
    let explicit = rundir::explicit_state_dir(flag);
    let dirs = rundir::search_dirs(explicit.as_deref());
    let (runs, errors) = rundir::all_runs(&dirs);
    for e in &errors {
        eprintln!("warning: {e}");
    }
    if runs.is_empty() {
        eprintln!("No runs in {}.", rundir::describe_dirs(&dirs));
        if explicit.is_none() {
            eprintln!(
                "  (the runs directory here and every state directory in {}; --state-dir DIR looks in another)",
                rundir::index_path().display()
            );
        }
        return Ok(if errors.is_empty() {
            Exit::Done
        } else {
            Exit::Failed
        });
    }
    crate::output::write(table(&runs).as_bytes());
    Ok(if errors.is_empty() {
        Exit::Done
    } else {
        Exit::Failed
    })
}

/// The listing: id, kind, state, started, operator, host, runbook.
pub fn table(runs: &[Found]) -> String {
    let header = [
        "ID", "KIND", "STATE", "STARTED", "OPERATOR", "HOST", "RUNBOOK",
    ];
    let rows: Vec<[String; 7]> = runs
        .iter()
        .rev()
        .map(|f| {
            let s = &f.state;
            let mut state = s.standing();
            if state.chars().count() > 60 {
                state = state.chars().take(59).collect::<String>() + "…";
            }
            [
                s.run_id.clone(),
                s.kind_word().to_string(),
                state,
                s.started.clone(),
                s.user.clone(),
                s.host.clone(),
                s.runbook.display().to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(cell);
                let pad = widths[i] - cell.chars().count() + 2;
                out.push_str(&" ".repeat(pad));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(header.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// Go to the working directory the run `of` started in, so a resume or rollback from another
/// directory runs its actions and command checks where the run ran them. The state directory
/// becomes absolute first.
pub fn enter_working_dir(mut found: Found, of: &str) -> Result<Found> {
    // A state directory found without the index (runs of an earlier version in ./.cutover):
    // record it now, so the rollback or resume is found from anywhere too.
    let _ = rundir::register(&found.state_dir);
    let Some(dir) = rundir::working_dir(&found.state_dir, of) else {
        return Ok(found);
    };
    if !dir.is_dir() {
        eprintln!(
            "warning: {}, where run {of} started and its actions ran, is gone: they run in the current directory",
            dir.display()
        );
        return Ok(found);
    }
    let here = std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok());
    if here.as_deref() == dir.canonicalize().ok().as_deref() {
        return Ok(found);
    }
    found.state_dir = std::path::absolute(&found.state_dir)
        .map_err(|e| Error::failed(format!("{}: {e}", found.state_dir.display())))?;
    std::env::set_current_dir(&dir).map_err(|e| {
        Error::failed(format!(
            "cannot enter {}, where run {of} started and its actions run: {e}",
            dir.display()
        ))
    })?;
    eprintln!(
        "Working directory: {} (where run {of} started; its actions run there)",
        dir.display()
    );
    Ok(found)
}
