//! Unfinished runs are never forgotten: `cutover run` refuses to start beside one (exit 5)
//! and names it with the two ways on (resume it, or abandon it with a reason); `run --new`
//! abandons it knowingly; `cutover abandon` journals the decision.

use std::path::{Path, PathBuf};

use crate::engine::{self, lock, Identity};
use crate::error::{Error, Result};
use crate::exit_code::Exit;
use crate::journal::rundir::{self, Found};
use crate::journal::{self, Event, Journal};
use crate::runbook::Runbook;

/// Before `cutover run`: the state directory (`--state-dir`, `$CUTOVER_STATE_DIR`, else
/// `.cutover` beside the runbook), proven writable and recorded in the per-user index; with
/// `--new`, the unfinished runs of the runbook abandoned (journaled in each).
pub fn prepare(flag: Option<&Path>, path: &Path, new: bool) -> Result<PathBuf> {
    let explicit = rundir::explicit_state_dir(flag);
    let state_dir = rundir::state_dir_for(explicit.as_deref(), path);
    if !path.is_file() {
        return Ok(state_dir); // `run` says what is wrong with the runbook's path
    }
    if let Err(e) = rundir::ensure_writable(&state_dir) {
        let place = if explicit.is_some() {
            "in"
        } else {
            "beside the runbook in"
        };
        return Err(Error::invalid(format!(
            "cannot keep runs {place} {}: {e}; pass --state-dir DIR (or set {}) to keep them in a writable directory",
            state_dir.display(),
            rundir::STATE_DIR_ENV
        )));
    }
    if let Err(e) = rundir::register(&state_dir) {
        eprintln!(
            "warning: cannot record {} in the run index {}: {e}; from another directory its runs need --state-dir",
            state_dir.display(),
            rundir::index_path().display()
        );
    }
    if new {
        start_over(
            &state_dir,
            path,
            "started over: `cutover run --new` was asked for a new run",
        )?;
    }
    Ok(state_dir)
}

/// The unfinished runs (see `RunState::holds_the_runbook`; a forward run rolled back to the
/// end is settled) of the same runbook (the same file) or of the same cluster
/// pair (when the runbook names both cluster ids), in `state_dir`, the working directory's
/// `.cutover` and every state directory in the index.
pub fn find(state_dir: &Path, path: &Path, runbook: &Runbook) -> Vec<Found> {
    let mut dirs: Vec<PathBuf> = vec![state_dir.to_path_buf()];
    let canonical = |d: &Path| d.canonicalize().unwrap_or_else(|_| d.to_path_buf());
    for dir in rundir::search_dirs(None) {
        if !dirs.iter().any(|d| canonical(d) == canonical(&dir)) {
            dirs.push(dir);
        }
    }
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let pair = match (&runbook.source.cluster_id, &runbook.target.cluster_id) {
        (Some(source), Some(target)) => Some((source.value.clone(), target.value.clone())),
        _ => None,
    };
    let (runs, _) = rundir::all_runs(&dirs);
    // A forward run whose rollback finished is settled: what it did was undone.
    let rolled_back: Vec<String> = runs
        .iter()
        .filter(|f| f.state.finished && !f.state.dry_run)
        .filter_map(|f| f.state.rollback_of.clone())
        .collect();
    runs.into_iter()
        .filter(|f| f.state.holds_the_runbook() && !rolled_back.contains(&f.state.run_id))
        .filter(|f| {
            let s = &f.state;
            // The same path, not the same content: one runbook with `${VAR}` bootstraps may
            // serve several cluster pairs.
            let same_runbook = s.runbook == absolute;
            let same_pair = pair.as_ref().is_some_and(|(source, target)| {
                s.cluster_ids.get("source") == Some(source)
                    && s.cluster_ids.get("target") == Some(target)
            });
            same_runbook || same_pair
        })
        .collect()
}

/// Called by the session under the lock, before a new forward run journals anything: refuse
/// (exit 5) while an unfinished run of the same runbook or cluster pair exists. A rehearsal or
/// a rollback is never refused.
pub fn refuse(state_dir: &Path, path: &Path, runbook: &Runbook) -> Result<()> {
    let unfinished = find(state_dir, path, runbook);
    if unfinished.is_empty() {
        return Ok(());
    }
    // One `error:` line for the first unfinished run; any other one follows it.
    let mut runs = Vec::new();
    for f in &unfinished {
        let s = &f.state;
        let standing = s.standing();
        let standing = if standing.starts_with("unfinished") {
            standing
        } else {
            format!("unfinished: {standing}")
        };
        let journal = rundir::run_dir(&f.state_dir, &s.run_id).join("journal.jsonl");
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let whose = if s.runbook == absolute {
            "of this runbook"
        } else {
            "on the same two clusters"
        };
        runs.push(format!(
            "{} {} {whose} is {standing}; it started {} by {} (runbook {}, journal {})",
            s.kind_word(),
            s.run_id,
            s.started,
            s.started_by,
            s.runbook.display(),
            journal.canonicalize().unwrap_or(journal).display()
        ));
    }
    let mut text = String::new();
    for other in &runs[1..] {
        text.push_str(&format!("and {other}\n"));
    }
    text.push_str(
        "A new run would start again at step 1 and repeat what was already done. Either\n",
    );
    for f in &unfinished {
        let id = &f.state.run_id;
        text.push_str(&format!(
            "  continue it:      {}\n  or give it up:    {}\n",
            rundir::hint(&format!("resume {id}"), &f.state_dir),
            rundir::hint(&format!("abandon {id} --reason TEXT"), &f.state_dir)
        ));
    }
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    text.push_str(&format!(
        "  or start over knowingly (abandons it, journaled): {}",
        rundir::run_hint(
            &format!(
                "run --new {}",
                rundir::shell_word(&absolute.display().to_string())
            ),
            &absolute,
            state_dir
        )
    ));
    let redact = |text: &str| runbook.secrets.redact(text);
    Err(Error::new(Exit::ResumeRefused, redact(&runs[0])).hint(redact(&text)))
}

/// `cutover run --new` (and each new demo): abandon every unfinished run `refuse` would name,
/// journaled in each with `reason`.
pub fn start_over(state_dir: &Path, path: &Path, reason: &str) -> Result<()> {
    // Loaded quietly: `run` loads it again and prints its warnings or problems.
    let Ok(loaded) = crate::runbook::load(path) else {
        return Ok(());
    };
    let who = engine::identity();
    for f in find(state_dir, path, &loaded.runbook) {
        abandon(&f, reason, &who)?;
        eprintln!(
            "Abandoned unfinished {} {} (journaled): starting a new run.",
            f.state.kind_word(),
            f.state.run_id
        );
    }
    Ok(())
}

/// The cluster locks of a run, as its resume would take them: by its runbook's clusters and the
/// ids it journaled. Where the runbook cannot be loaded (gone, or its variables unset here),
/// every lock whose holder file names the run is tried instead: one still held means the run
/// is running (exit 4).
fn lock_run(found: &Found, who: &Identity) -> Result<Vec<lock::Lock>> {
    let state = &found.state;
    let holder = crate::session::holder(&state.run_id, who, &state.runbook, &found.state_dir);
    if let Ok(loaded) = crate::runbook::load(&state.runbook) {
        return crate::session::lock_clusters(&loaded.runbook, &state.cluster_ids, &holder);
    }
    let dir = rundir::user_state_dir().join("locks");
    let mut locks = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".holder.json") else {
            continue;
        };
        let names_run = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<lock::Holder>(&text).ok())
            .is_some_and(|h| h.run_id == state.run_id);
        if !names_run {
            continue;
        }
        match lock::acquire(&dir.join(format!("{stem}.lock")), &holder) {
            Ok(lock) => locks.push(lock),
            Err(e @ lock::LockError::Held(_)) => {
                return Err(Error::new(
                    Exit::Locked,
                    format!("{e}; wait for it to finish, or stop it first"),
                ));
            }
            Err(e) => return Err(Error::failed(e)),
        }
    }
    Ok(locks)
}

/// Journal an abandoned event in the run's journal, under the run's lock (a run that is still
/// running is refused with exit 4).
/// `cutover confirm`: a person says that steps done but not confirmed worked, journaled
/// under the run's lock. Every step named must be unconfirmed now (read under the lock).
pub fn confirm(found: &Found, steps: &[String], reason: &str, who: &Identity) -> Result<()> {
    let _locks = lock_run(found, who)?;
    let path = rundir::run_dir(&found.state_dir, &found.state.run_id).join("journal.jsonl");
    let state = rundir::load(&found.state_dir, &found.state.run_id).map_err(Error::failed)?;
    let unconfirmed = state.unconfirmed_steps();
    if let Some(step) = steps.iter().find(|s| !unconfirmed.contains(s)) {
        let known = state
            .entries
            .iter()
            .any(|e| matches!(&e.event, Event::StepDone { step: s, .. } if s == step));
        let why = if !known {
            format!("run {} has no step `{step}` done", state.run_id)
        } else if state
            .entries
            .iter()
            .any(|e| matches!(&e.event, Event::StepConfirmed { step: s, .. } if s == step))
        {
            format!("step `{step}` of run {} is already confirmed", state.run_id)
        } else {
            format!(
                "step `{step}` of run {} was checked or confirmed when it ran: there is nothing to confirm",
                state.run_id
            )
        };
        let mut error = Error::invalid(why);
        if !unconfirmed.is_empty() {
            error = error.hint(format!("Not confirmed: {}", unconfirmed.join(", ")));
        }
        return Err(error);
    }
    if state.torn_tail {
        journal::drop_torn_tail(&path, state.valid_len)?;
    }
    let mut journal = Journal::open(&path, state.next_seq, crate::runbook::Secrets::default())?;
    for step in steps {
        journal.record(Event::StepConfirmed {
            step: step.clone(),
            reason: reason.to_string(),
            user: who.user.clone(),
            host: who.host.clone(),
        })?;
    }
    Ok(())
}

pub fn abandon(found: &Found, reason: &str, who: &Identity) -> Result<()> {
    let state = &found.state;
    let _locks = lock_run(found, who)?;
    let path = rundir::run_dir(&found.state_dir, &state.run_id).join("journal.jsonl");
    // Reloaded under the lock: the run may have moved on since it was found.
    let state = rundir::load(&found.state_dir, &state.run_id).map_err(Error::failed)?;
    if state.torn_tail {
        journal::drop_torn_tail(&path, state.valid_len)?;
    }
    // The reason is the operator's own words; the runbook (and its secrets) may be gone.
    let mut journal = Journal::open(&path, state.next_seq, crate::runbook::Secrets::default())?;
    Ok(journal.record(Event::Abandoned {
        reason: reason.to_string(),
        user: who.user.clone(),
        host: who.host.clone(),
    })?)
}
