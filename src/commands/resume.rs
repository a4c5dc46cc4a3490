//! `cutover resume [RUN_ID]`: continue an interrupted, crashed or aborted run after its last
//! finished step. An action that was started but has no result is in doubt: never re-run
//! silently.

use std::path::Path;

use super::run::{connect, take_lock, Answering};
use crate::engine::journal::RunKind;
use crate::engine::journal::{Event, Journal};
use crate::engine::rundir::{self, RunState};
use crate::engine::{self, interrupt, unit, Executor, Mode, Settings};
use crate::exit_code::Exit;

pub struct Options<'a> {
    pub run_id: Option<&'a str>,
    pub force: bool,
    pub mark_done: Vec<String>,
    pub rerun: Vec<String>,
    pub past_point_of_no_return: bool,
}

pub fn run(state_dir: &Path, options: Options<'_>, answering: &Answering) -> Exit {
    match resume(state_dir, options, answering) {
        Ok(exit) | Err(exit) => exit,
    }
}

fn find(state_dir: &Path, run_id: Option<&str>) -> Result<RunState, Exit> {
    let found = match run_id {
        Some(id) => rundir::load(state_dir, id),
        None => rundir::newest_unfinished(state_dir),
    };
    found.map_err(|e| match e {
        // Resuming what already finished is not a mistake: say so and succeed.
        rundir::RunDirError::NothingUnfinished(..) => {
            eprintln!("Nothing to resume: {e}.");
            Exit::Done
        }
        e => {
            eprintln!("error: {e}");
            Exit::Invalid
        }
    })
}

fn resume(state_dir: &Path, options: Options<'_>, answering: &Answering) -> Result<Exit, Exit> {
    let state = find(state_dir, options.run_id)?;
    if state.finished {
        eprintln!("Run {} already finished: nothing to resume.", state.run_id);
        return Ok(Exit::Done);
    }
    if state.torn_tail {
        eprintln!(
            "warning: the last line of the journal of run {} was cut off mid-write (the process died); it is ignored",
            state.run_id
        );
    }
    let loaded = super::load_runbook(&state.runbook)?;
    let runbook = &loaded.runbook;
    let who = engine::identity();
    let _lock = take_lock(state_dir, &state.runbook, &state.run_id, &who)?;

    let now = engine::steps_fingerprint(runbook);
    if now != state.steps_fingerprint {
        let current: Vec<String> = runbook.steps().map(|s| s.id.clone()).collect();
        if !options.force {
            eprintln!(
                "error: the runbook's steps changed since run {} started (ids, order or actions).\n  then: {}\n  now:  {}\nResume refused; --force resumes anyway (journaled).",
                state.run_id,
                state.steps.join(", "),
                current.join(", ")
            );
            return Err(Exit::ResumeRefused);
        }
        eprintln!(
            "warning: the runbook's steps changed since the run started; resuming anyway (--force)"
        );
    }
    for id in options.mark_done.iter().chain(&options.rerun) {
        if runbook.step(id).is_none() {
            eprintln!("error: no step `{id}` in the runbook");
            return Err(Exit::Invalid);
        }
    }
    let clusters = connect(runbook)?;
    // Resume acts only on the clusters the run started on, cluster_id set or not.
    let ids_now = if state.cluster_ids.is_empty() {
        Default::default()
    } else {
        super::run::seen_cluster_ids(&clusters, runbook.defaults.request_timeout)
    };
    for (role, then) in &state.cluster_ids {
        match ids_now.get(role) {
            Some(id) if id == then => {}
            Some(id) => {
                eprintln!(
                    "error: wrong cluster: the {role} cluster now has id {}, but run {} started on {}; resume refused",
                    runbook.secrets.redact(id),
                    state.run_id,
                    runbook.secrets.redact(then)
                );
                return Err(Exit::Invalid);
            }
            None => {
                eprintln!(
                    "error: cannot verify that the {role} cluster is the one run {} started on (it does not answer)",
                    state.run_id
                );
                return Err(Exit::CheckError);
            }
        }
    }
    let prompter = answering.prompter()?;
    interrupt::install();

    let run_dir = rundir::run_dir(state_dir, &state.run_id);
    if state.torn_tail {
        crate::engine::journal::drop_torn_tail(&run_dir.join("journal.jsonl"), state.valid_len)
            .map_err(|e| {
                eprintln!("error: {e}");
                Exit::Failed
            })?;
    }
    let mut journal = Journal::open(
        &run_dir.join("journal.jsonl"),
        state.next_seq,
        runbook.secrets.clone(),
    )
    .map_err(|e| {
        eprintln!("error: {e}");
        Exit::Failed
    })?;
    journal
        .record(Event::Resumed {
            user: who.user.clone(),
            host: who.host.clone(),
            pid: who.pid,
            forced: options.force && now != state.steps_fingerprint,
        })
        .map_err(|e| {
            eprintln!("error: {e}");
            Exit::Failed
        })?;
    eprintln!(
        "Resuming run {} of \"{}\"",
        state.run_id,
        runbook.secrets.redact(&runbook.name)
    );
    let (mode, units) = match state.kind {
        RunKind::Rollback => (Mode::Rollback, unit::rollback(runbook, &state.steps)),
        RunKind::Run | RunKind::Rehearsal => (Mode::Forward, unit::forward(runbook)),
    };
    let mut executor = Executor {
        runbook,
        clusters: &clusters,
        units,
        mode,
        journal,
        prompter,
        run_id: state.run_id.clone(),
        run_dir,
        settings: Settings {
            yes: answering.yes,
            mark_done: options.mark_done,
            rerun: options.rerun,
            dry_run: state.dry_run,
            // Command checks stay unexecuted in a resumed rehearsal: the safe choice.
            run_commands: false,
            past_point_of_no_return: options.past_point_of_no_return,
        },
        who,
        rehearsal: Vec::new(),
        baseline: crate::engine::rehearsal::Baseline::load(state_dir, &runbook.sha256),
    };
    Ok(executor.execute(Some(&state)))
}
