//! Step execution: show the step, check `requires`, confirm, run the action, poll
//! `verifies`, record everything in the journal first. Resume picks up from the journal.

mod connector;
pub mod lock;
pub mod poll;
pub mod prompter;
pub mod rehearsal;
pub mod unit;

// The process runner and the Ctrl-C handler sit below engine and checks (a `command` check
// runs through the same runner).
use crate::interrupt;
use crate::process as action;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::checks::{render, Clusters, Outcome, Status};
use crate::exit_code::Exit;
use crate::journal::rundir::{self, RunState, StepStatus};
use crate::journal::{Event, Journal, JournalError};
use crate::runbook::{Check, Phase, Runbook, Step};
use poll::{CheckRounds, Poller, Waited};
use prompter::{Answer, Prompt, Prompter};
pub use unit::{Mode, Unit};

/// Who is at the keyboard, for the journal and the lock.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user: String,
    pub host: String,
    pub pid: u32,
}

pub fn identity() -> Identity {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| {
            account_name().unwrap_or_else(|| format!("uid {}", unsafe { libc::getuid() }))
        });
    let mut buffer = [0u8; 256];
    let host = unsafe {
        if libc::gethostname(buffer.as_mut_ptr() as *mut libc::c_char, buffer.len()) == 0 {
            let end = buffer.iter().position(|b| *b == 0).unwrap_or(buffer.len());
            String::from_utf8_lossy(&buffer[..end]).into_owned()
        } else {
            "unknown-host".into()
        }
    };
    Identity {
        user,
        host,
        pid: std::process::id(),
    }
}

/// The login name of the real user, from the password database.
fn account_name() -> Option<String> {
    // getpwuid's buffer is static; this runs once per process, before any thread asks.
    unsafe {
        let entry = libc::getpwuid(libc::getuid());
        if entry.is_null() || (*entry).pw_name.is_null() {
            return None;
        }
        Some(
            std::ffi::CStr::from_ptr((*entry).pw_name)
                .to_string_lossy()
                .into_owned(),
        )
    }
}

/// Step ids, order and actions: what must not change between a run and its resume.
pub fn steps_fingerprint(runbook: &Runbook) -> String {
    let mut hasher = Sha256::new();
    for step in runbook.steps() {
        for part in [
            step.id.as_str(),
            step.run.as_deref().unwrap_or(""),
            step.undo.as_deref().unwrap_or(""),
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        hasher.update([b'\n']);
    }
    crate::runbook::hex(&hasher.finalize())
}

/// How many times the step id may be typed at a point of no return before the run stops.
pub const POINT_OF_NO_RETURN_TRIES: usize = 3;

/// Why a run stopped before its end.
#[derive(Debug)]
pub enum Stop {
    Aborted { reason: String, exit: Exit },
    NeedsDecision(String),
    Interrupted(String),
    Journal(JournalError),
}

impl From<JournalError> for Stop {
    fn from(e: JournalError) -> Self {
        Stop::Journal(e)
    }
}

/// Where to pick a step up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resume {
    Begin,
    RunAction { attempt: u32 },
    ActionFailed { attempt: u32 },
    Verify,
}

pub struct Settings {
    /// `--yes`: confirmations are answered yes (failures still abort).
    pub yes: bool,
    pub mark_done: Vec<String>,
    pub rerun: Vec<String>,
    /// `--dry-run`: checks evaluated once, actions shown, nothing executed.
    pub dry_run: bool,
    /// With `--dry-run`: run `command` checks too (they are not read-only).
    pub run_commands: bool,
    /// `--past-point-of-no-return`: an unattended rollback may cross it.
    pub past_point_of_no_return: bool,
}

pub struct Executor<'a> {
    pub runbook: &'a Runbook,
    pub clusters: &'a Clusters,
    /// Where check outcomes come from (the clusters; a script in the executor's tests).
    pub rounds: Box<dyn CheckRounds + 'a>,
    pub units: Vec<Unit<'a>>,
    pub mode: Mode,
    pub journal: Journal,
    pub prompter: Box<dyn Prompter + 'a>,
    pub run_id: String,
    pub run_dir: PathBuf,
    pub settings: Settings,
    pub who: Identity,
    /// Rehearsal results, for the closing summary.
    pub rehearsal: Vec<rehearsal::Observed>,
    /// The newest rehearsal of this runbook, shown beside this run's check results.
    pub baseline: rehearsal::Baseline,
    /// Steps done and skipped (with reasons), this session and before it: the outcome.
    pub tally: Tally,
}

/// How many units were done and which were skipped, for the closing line and the exit code.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub done: usize,
    pub skipped: Vec<(String, String)>,
    /// Unchecked rollback steps done unattended (`--yes`): nobody confirmed them.
    pub unconfirmed: Vec<String>,
}

impl Tally {
    /// The line a run that reached its end closes with.
    pub fn finished(&self) -> String {
        if self.skipped.is_empty() && self.unconfirmed.is_empty() {
            return format!("finished: every step is done ({} done).", self.done);
        }
        let mut text = format!("finished: {} done", self.done);
        if !self.skipped.is_empty() {
            let reasons: Vec<String> = self
                .skipped
                .iter()
                .map(|(step, reason)| format!("{step}: {reason}"))
                .collect();
            text.push_str(&format!(
                ", {} skipped ({})",
                self.skipped.len(),
                reasons.join("; ")
            ));
        }
        if !self.unconfirmed.is_empty() {
            text.push_str(&format!(
                ", {} not confirmed ({}: no undo_verifies and no person, --yes; check by hand that their undo worked)",
                self.unconfirmed.len(),
                self.unconfirmed.join(", ")
            ));
        }
        text
    }

    /// Exit 0 only when every step was done and every check passed (or a person confirmed).
    pub fn exit(&self) -> Exit {
        if !self.skipped.is_empty() {
            Exit::FinishedWithSkips
        } else if !self.unconfirmed.is_empty() {
            Exit::Unconfirmed
        } else {
            Exit::Done
        }
    }
}

impl Executor<'_> {
    /// A line of the transcript (stdout; a closed stdout loses it, never the run).
    fn say(&self, text: &str) {
        crate::output::line(&self.runbook.secrets.redact(text));
    }

    /// `cutover resume ID`, as the user ran the program and with the state directory when
    /// it is needed to find the run.
    fn resume_hint(&self) -> String {
        rundir::hint(&format!("resume {}", self.run_id), self.state_dir())
    }

    fn state_dir(&self) -> &std::path::Path {
        self.run_dir
            .parent()
            .and_then(|runs| runs.parent())
            .unwrap_or(&self.run_dir)
    }

    fn noun(&self) -> &'static str {
        match (self.mode, self.settings.dry_run) {
            (Mode::Forward, false) => "Run",
            (Mode::Forward, true) => "Rehearsal",
            (Mode::Rollback, false) => "Rollback",
            (Mode::Rollback, true) => "Rollback rehearsal",
        }
    }

    /// Run every unit not yet done (all of them for a new run), then record how it ended.
    /// A journal that cannot be written is the error (the run cannot go on without it).
    pub fn execute(&mut self, resumed: Option<&RunState>) -> crate::error::Result<Exit> {
        let stop = self.all_units(resumed);
        let noun = self.noun();
        let (exit, event) = match stop {
            // A rehearsal walked every step and executed nothing: its summary says how it went.
            Ok(()) if self.settings.dry_run => {
                self.say(&format!("\n{noun} {} walked every step.", self.run_id));
                self.say(&rehearsal::summary(&self.rehearsal));
                (rehearsal::exit(&self.rehearsal), Some(Event::RunFinished))
            }
            Ok(()) => {
                self.say(&format!(
                    "\n{noun} {} {}",
                    self.run_id,
                    self.tally.finished()
                ));
                if !self.tally.unconfirmed.is_empty() {
                    let steps: String = self
                        .tally
                        .unconfirmed
                        .iter()
                        .map(|s| format!(" --step {s}"))
                        .collect();
                    self.say(&format!(
                        "Once you have checked them, record it with: {}",
                        rundir::hint(
                            &format!("confirm {}{steps} --reason TEXT", self.run_id),
                            self.state_dir()
                        )
                    ));
                }
                (self.tally.exit(), Some(Event::RunFinished))
            }
            Err(Stop::Aborted { reason, exit }) => {
                self.say(&format!("\n{noun} {} aborted: {reason}", self.run_id));
                if !self.settings.dry_run {
                    self.say(&format!("Continue from here with: {}", self.resume_hint()));
                }
                let exit_number = exit.code() as i32;
                (
                    exit,
                    Some(Event::RunAborted {
                        reason,
                        exit: exit_number,
                    }),
                )
            }
            Err(Stop::NeedsDecision(message)) => {
                self.say(&format!("\nStopped: {message}"));
                self.say(&format!("Resume with: {}", self.resume_hint()));
                (
                    Exit::NeedsDecision,
                    Some(Event::RunAborted {
                        reason: format!("a person's decision is needed: {message}"),
                        exit: Exit::NeedsDecision.code() as i32,
                    }),
                )
            }
            Err(Stop::Interrupted(during)) => {
                self.say(&format!(
                    "\nInterrupted during {during}. The journal is consistent; continue with: {}",
                    self.resume_hint()
                ));
                (Exit::Interrupted, Some(Event::Interrupted { during }))
            }
            Err(Stop::Journal(e)) => return Err(e.into()),
        };
        self.note_lost_transcript()?;
        if let Some(event) = event {
            self.journal.record(event)?;
        }
        Ok(exit)
    }

    /// A closed stdout (`| head`) never changes the run: the journal notes that the
    /// transcript was lost from here on, once.
    fn note_lost_transcript(&mut self) -> Result<(), JournalError> {
        if crate::output::take_lost_notice() {
            eprintln!("warning: stdout was closed: the run goes on without its transcript (the journal and the action logs keep everything)");
            self.journal.record(Event::TranscriptLost)?;
        }
        Ok(())
    }

    fn all_units(&mut self, resumed: Option<&RunState>) -> Result<(), Stop> {
        let total = self.units.len();
        for index in 0..total {
            self.note_lost_transcript()?;
            let unit = self.units[index].clone();
            let from = match resumed.and_then(|r| r.step(&unit.step.id)) {
                Some(StepStatus::Done) => {
                    self.tally.done += 1;
                    if resumed.is_some_and(|r| unconfirmed_before(r, &unit.step.id)) {
                        self.tally.unconfirmed.push(unit.step.id.clone());
                    }
                    continue;
                }
                Some(StepStatus::Skipped(reason)) => {
                    self.tally
                        .skipped
                        .push((unit.step.id.clone(), reason.clone()));
                    continue;
                }
                None | Some(StepStatus::Started) => Resume::Begin,
                Some(StepStatus::ActionFinished {
                    succeeded: true, ..
                }) => Resume::Verify,
                Some(StepStatus::ActionFinished { attempt, .. }) => {
                    Resume::ActionFailed { attempt: *attempt }
                }
                Some(StepStatus::InDoubt { attempt }) => {
                    let process = resumed.and_then(|r| r.processes.get(&unit.step.id));
                    self.orphan(&unit, *attempt, process)?;
                    self.in_doubt(&unit, *attempt)?
                }
            };
            self.unit(&unit, index + 1, total, from)?;
        }
        Ok(())
    }

    fn show(&self, unit: &Unit<'_>, number: usize, total: usize) {
        let step = unit.step;
        let tiers = &self.runbook.tiers;
        let tier_number = tiers
            .iter()
            .position(|t| t.name == step.tier)
            .map_or(0, |i| i + 1);
        let heading = match self.mode {
            Mode::Forward => "Step",
            Mode::Rollback => "Undo step",
        };
        let mut text = format!(
            "\n== {heading} {number}/{total}: {} (tier {tier_number}/{}: {}) ==\n{}\n",
            step.id,
            tiers.len(),
            step.tier,
            step.title
        );
        if let Some(instructions) = &unit.instructions {
            text.push_str(&format!("\n{}\n", instructions.trim_end()));
        }
        let dry = if self.settings.dry_run {
            "  [dry run: not executed]"
        } else {
            ""
        };
        match unit.action {
            Some(action) => text.push_str(&format!(
                "\nAction: {action}  (timeout {}){dry}\n",
                humantime::format_duration(step.run_timeout)
            )),
            None if unit.nothing_to_undo => {
                text.push_str("\nNothing to undo: the step only checked.\n")
            }
            None => text.push_str("\nAction: manual (follow the instructions)\n"),
        }
        for (label, checks) in [
            (Phase::Requires, unit.requires),
            (unit.verifies_phase, &*unit.verifies),
        ] {
            for check in checks {
                text.push_str(&format!(
                    "  {label}: {}\n",
                    crate::plan::describe::check(check, self.runbook)
                ));
            }
        }
        if unit.unchecked && self.settings.yes {
            text.push_str("  unchecked: no undo_verifies, and no person to confirm it (--yes): it is done but not confirmed\n");
        } else if unit.unchecked {
            text.push_str("  unchecked: no undo_verifies, confirm by hand\n");
        }
        if let Some(warning) = &unit.warning {
            text.push_str(&format!("\n{warning}\n"));
        }
        self.say(&text);
    }

    fn unit(
        &mut self,
        unit: &Unit<'_>,
        number: usize,
        total: usize,
        from: Resume,
    ) -> Result<(), Stop> {
        let step = unit.step;
        let mut attempt = match from {
            Resume::RunAction { attempt } | Resume::ActionFailed { attempt } => attempt,
            _ => 0,
        };
        if from == Resume::Begin {
            self.journal.record(Event::StepStarted {
                step: step.id.clone(),
                tier: step.tier.clone(),
            })?;
            self.show(unit, number, total);
            if !self.checks(unit, Phase::Requires, unit.requires)? {
                return Ok(()); // skipped
            }
            // Unattended, nobody reverses an unchecked manual step by hand: it is not
            // claimed done by anyone (see `unattended_unchecked` below). Crossing the point
            // of no return is still asked (it needs --past-point-of-no-return).
            let unattended_manual = self.unattended_unchecked(unit)
                && unit.action.is_none()
                && !unit.point_of_no_return;
            if !unit.nothing_to_undo && !unattended_manual {
                let prompt = self.go_ahead(unit);
                if self.confirm(prompt)? == Confirmed::Skipped {
                    return Ok(());
                }
            }
        } else {
            self.say(&format!(
                "\n== Resuming step {number}/{total}: {} ==",
                step.id
            ));
        }

        let mut run_action = matches!(from, Resume::Begin | Resume::RunAction { .. });
        if let Resume::ActionFailed { attempt } = from {
            let what = format!(
                "the action of step `{}` failed (attempt {attempt})",
                step.id
            );
            run_action = match self.decide(step, &what, false)? {
                Decision::Retry => true,
                Decision::Skipped => return Ok(()),
            };
        }
        if let (Some(command), true) = (unit.action, run_action) {
            if let (true, Some(connector)) = (self.settings.dry_run, &step.connector) {
                self.connector_dry_run(step, connector);
            } else if self.settings.dry_run {
                self.say(&format!("$ {command}  [dry run: not executed]"));
            } else {
                loop {
                    attempt += 1;
                    let outcome = self.run_action(step, command, attempt)?;
                    if outcome.interrupted {
                        return Err(Stop::Interrupted(format!(
                            "the action of step `{}`",
                            step.id
                        )));
                    }
                    if outcome.succeeded() {
                        break;
                    }
                    let what = format!("the action of step `{}` {}", step.id, outcome.describe());
                    match self.decide(step, &what, false)? {
                        Decision::Retry => continue,
                        Decision::Skipped => return Ok(()),
                    }
                }
            }
        }

        if !self.checks(unit, unit.verifies_phase, &unit.verifies)? {
            return Ok(());
        }
        let unconfirmed = self.unattended_unchecked(unit);
        if unconfirmed {
            let what = if unit.action.is_none() {
                "it has no undo (a person reverses it by hand)"
            } else {
                "its undo ran"
            };
            self.say(&format!(
                "Step `{}`: done, not confirmed: {what}, but it has no undo_verifies{} and no person confirmed it (--yes). Check by hand that it is undone.",
                step.id,
                if step.undo_verifies.len() == unit.verifies.len() {
                    ""
                } else {
                    " left (--without)"
                }
            ));
        } else if unit.unchecked && !self.settings.dry_run {
            let prompt = Prompt::Confirm {
                step: step.id.clone(),
                text: if step.undo_verifies.len() == unit.verifies.len() {
                    format!(
                        "The rollback of step `{}` has no undo_verifies: confirm by hand that it worked.",
                        step.id
                    )
                } else {
                    format!(
                        "The rollback of step `{}` was not fully checked (--without): confirm by hand that it worked.",
                        step.id
                    )
                },
            };
            if self.confirm(prompt)? == Confirmed::Skipped {
                return Ok(());
            }
        }
        if let Some(text) = unit.confirm {
            let prompt = Prompt::Confirm {
                step: step.id.clone(),
                text: text.to_string(),
            };
            if self.confirm(prompt)? == Confirmed::Skipped {
                return Ok(());
            }
        }
        self.journal.record(Event::StepDone {
            step: step.id.clone(),
            unchecked: unit.unchecked,
            unconfirmed,
        })?;
        self.tally.done += 1;
        if unconfirmed {
            self.tally.unconfirmed.push(step.id.clone());
            self.say(&format!("Step {} done, not confirmed.", step.id));
        } else {
            self.say(&format!("Step {} done.", step.id));
        }
        Ok(())
    }

    /// An unchecked rollback step with no person to confirm it (`--yes`): its undo runs,
    /// and it is journaled as done but not confirmed, never as confirmed by hand.
    fn unattended_unchecked(&self, unit: &Unit<'_>) -> bool {
        unit.unchecked && self.settings.yes && !self.settings.dry_run
    }

    fn go_ahead(&self, unit: &Unit<'_>) -> Prompt {
        let step = unit.step;
        if unit.point_of_no_return {
            let text = match self.mode {
                Mode::Forward => format!(
                    "Step `{}` is the point of no return: after it, rolling back loses data.",
                    step.id
                ),
                Mode::Rollback => unit.warning.clone().unwrap_or_default(),
            };
            return Prompt::TypeStepId {
                step: step.id.clone(),
                text,
            };
        }
        let text = match (self.mode, unit.action) {
            (Mode::Forward, Some(run)) => format!("Run the action of step `{}` ({run})?", step.id),
            (Mode::Forward, None) => format!("Step `{}`: done (instructions followed)?", step.id),
            (Mode::Rollback, Some(undo)) => format!("Run the undo of step `{}` ({undo})?", step.id),
            (Mode::Rollback, None) => {
                format!("Step `{}` has no undo: reverse it by hand. Done?", step.id)
            }
        };
        Prompt::Confirm {
            step: step.id.clone(),
            text,
        }
    }

    fn run_action(
        &mut self,
        step: &Step,
        command: &str,
        attempt: u32,
    ) -> Result<action::ActionOutcome, Stop> {
        if let Some(connector) = &step.connector {
            return self.connector_action(step, connector, command, attempt);
        }
        let logs = self.run_dir.join("logs");
        std::fs::create_dir_all(&logs).map_err(|source| {
            Stop::Journal(JournalError::Write {
                path: logs.clone(),
                source,
            })
        })?;
        let log = logs.join(format!("{}-{attempt}.log", step.id));
        self.journal.record(Event::ActionIntent {
            step: step.id.clone(),
            command: command.to_string(),
            attempt,
            log: log.display().to_string(),
        })?;
        self.say(&format!("$ {command}"));
        // The process group is journaled as soon as the shell runs: after a crash, a resume
        // can tell whether the action is still running (an orphan) before anything else.
        let journal = &mut self.journal;
        let mut journaled: Result<(), JournalError> = Ok(());
        let result = action::run_action(
            &action::Action {
                command,
                env: vec![
                    ("CUTOVER_RUN_ID".into(), self.run_id.clone()),
                    ("CUTOVER_STEP_ID".into(), step.id.clone()),
                    ("CUTOVER_TIER".into(), step.tier.clone()),
                ],
                timeout: step.run_timeout,
                log: &log,
                echo: Some("  | "),
                secrets: &self.runbook.secrets,
            },
            &mut |pgid| {
                journaled = journal.record(Event::ActionStarted {
                    step: step.id.clone(),
                    attempt,
                    pgid,
                    start_time: action::start_time(pgid).unwrap_or(0),
                    boot_id: action::boot_id(),
                });
            },
        );
        journaled?;
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(e) => {
                self.say(&format!("cannot start the action: {e}"));
                action::ActionOutcome {
                    exit: None,
                    timed_out: false,
                    interrupted: false,
                    abandoned: false,
                    note: None,
                    duration: Duration::ZERO,
                }
            }
        };
        if outcome.abandoned {
            // A second Ctrl-C: the action was terminated mid-way. What it did is unknown, so
            // no result is journaled: the action stays in doubt for the resume to settle.
            return Err(Stop::Interrupted(format!(
                "the action of step `{}` (a second Ctrl-C terminated it; it is in doubt until resume settles it)",
                step.id
            )));
        }
        if let Some(note) = &outcome.note {
            self.journal.record(Event::ActionNote {
                step: step.id.clone(),
                attempt,
                note: note.clone(),
            })?;
        }
        self.journal.record(Event::ActionResult {
            step: step.id.clone(),
            attempt,
            exit: outcome.exit,
            timed_out: outcome.timed_out,
            interrupted: outcome.interrupted,
            duration_ms: outcome.duration.as_millis() as u64,
        })?;
        self.say(&format!(
            "Action {} after {:.1}s (log: {})",
            outcome.describe(),
            outcome.duration.as_secs_f64(),
            log.display()
        ));
        Ok(outcome)
    }

    /// A unit's checks of one phase: polled until they pass (a rehearsal evaluates them once
    /// and goes on). Ok(true): passed; Ok(false): the operator skipped the step.
    fn checks(&mut self, unit: &Unit<'_>, phase: Phase, checks: &[Check]) -> Result<bool, Stop> {
        if checks.is_empty() {
            return Ok(true);
        }
        let step = unit.step;
        if self.settings.dry_run {
            let observed = rehearsal::evaluate_once(self, unit, phase, checks)?;
            self.rehearsal.extend(observed);
            return Ok(true);
        }
        loop {
            self.say(&format!("Checking {phase} of {}:", step.id));
            let mut poller = Poller {
                runbook: self.runbook,
                rounds: self.rounds.as_mut(),
            };
            let waited = poller.wait(&step.id, phase, checks, &mut self.journal)?;
            match waited {
                Waited::Passed(outcomes) => {
                    self.evidence(&step.id, phase, checks, &outcomes, false);
                    return Ok(true);
                }
                Waited::Interrupted(_) => {
                    return Err(Stop::Interrupted(format!(
                        "the {phase} of step `{}`",
                        step.id
                    )))
                }
                Waited::TimedOut(outcomes) => {
                    self.evidence(&step.id, phase, checks, &outcomes, true);
                    let errored = outcomes.iter().any(|o| o.status == Status::Error);
                    let what = format!(
                        "the {phase} of step `{}` did not pass before their timeout{}",
                        step.id,
                        if errored {
                            " (a check could not reach a cluster)"
                        } else {
                            ""
                        }
                    );
                    match self.decide(step, &what, errored)? {
                        Decision::Retry => continue,
                        Decision::Skipped => return Ok(false),
                    }
                }
            }
        }
    }

    fn evidence(
        &self,
        step: &str,
        phase: Phase,
        checks: &[Check],
        outcomes: &[Outcome],
        failing_only: bool,
    ) {
        let width = (!std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .then_some(crate::present::DEFAULT_WIDTH);
        for (check, outcome) in checks.iter().zip(outcomes) {
            if failing_only && outcome.status == Status::Pass {
                continue;
            }
            let kind = check.spec.kind().name();
            let beside = self
                .baseline
                .beside(step, phase.name(), kind)
                .map(|b| format!(" ({b})"))
                .unwrap_or_default();
            self.say(&format!(
                "{} {kind}: {}{beside}",
                render::status_word(outcome.status),
                outcome.summary
            ));
            if outcome.status != Status::Pass {
                if let Some(table) = render::items_table(outcome, width, false) {
                    self.say(&table);
                }
            }
        }
    }

    fn ask(&mut self, prompt: &Prompt) -> Result<Answer, Stop> {
        // Unattended, crossing the point of no return backwards needs its own flag.
        if let (Prompt::TypeStepId { step, .. }, Mode::Rollback) = (prompt, self.mode) {
            if self.settings.yes && !self.settings.past_point_of_no_return {
                return Err(Stop::NeedsDecision(format!(
                    "rolling back step `{step}` goes back past the point of no return; type its id in a terminal, or pass --yes --past-point-of-no-return"
                )));
            }
        }
        // Prompt texts quote commands and confirm texts, which may hold a secret literally.
        let secrets = &self.runbook.secrets;
        let shown = prompt.redacted(|text| secrets.redact(text));
        self.prompter
            .ask(&shown)
            .map_err(|e| Stop::NeedsDecision(secrets.redact(&e.0)))
    }

    fn record_answer(&mut self, prompt: &Prompt, answer: &Answer) -> Result<(), Stop> {
        self.journal.record(Event::Confirmation {
            step: prompt.step().to_string(),
            prompt: prompt.text().to_string(),
            answer: answer.word(),
            by: self.prompter.name().to_string(),
            user: self.who.user.clone(),
            host: self.who.host.clone(),
        })?;
        Ok(())
    }

    /// Ask for a go-ahead. "no" is not an abort: the operator may wait and be asked again,
    /// skip the step with a reason, or abort the run (which is asked once more).
    fn confirm(&mut self, prompt: Prompt) -> Result<Confirmed, Stop> {
        let step = prompt.step().to_string();
        let mut mistyped = 0;
        loop {
            let answer = self.ask(&prompt)?;
            self.record_answer(&prompt, &answer)?;
            match answer {
                Answer::Yes => return Ok(Confirmed::Yes),
                Answer::Interrupted => {
                    return Err(Stop::Interrupted(format!(
                        "the confirmation of step `{step}`"
                    )))
                }
                Answer::TimedOut => {
                    return Err(Stop::Aborted {
                        reason: format!(
                            "no answer to the confirmation of step `{step}` before --prompt-timeout"
                        ),
                        exit: Exit::Failed,
                    })
                }
                // The point of no return: a wrong id never goes on and never offers a skip; a
                // typo asks again, three tries in all.
                _ if matches!(prompt, Prompt::TypeStepId { .. }) => {
                    mistyped += 1;
                    if mistyped < POINT_OF_NO_RETURN_TRIES {
                        self.say(&format!(
                            "That is not the step id `{step}` (try {} of {POINT_OF_NO_RETURN_TRIES}).",
                            mistyped + 1
                        ));
                        continue;
                    }
                    return Err(Stop::Aborted {
                        reason: format!(
                            "the step id `{step}` was not typed at the point of no return ({POINT_OF_NO_RETURN_TRIES} tries)"
                        ),
                        exit: Exit::Failed,
                    });
                }
                _ => {}
            }
            // Declined: wait, skip or abort.
            loop {
                let declined = Prompt::Declined {
                    step: step.clone(),
                    text: format!("Step `{step}` was not confirmed."),
                };
                let choice = self.ask(&declined)?;
                let reason = match &choice {
                    Answer::Skip(reason) => Some(reason.clone()),
                    _ => None,
                };
                self.journal.record(Event::Decision {
                    step: step.clone(),
                    choice: choice.word(),
                    reason,
                    by: self.prompter.name().to_string(),
                })?;
                match choice {
                    Answer::Wait => {
                        self.say(&format!(
                            "Waiting: step `{step}` is asked again when you are ready."
                        ));
                        break;
                    }
                    Answer::Skip(reason) => {
                        self.skip(&step, &reason)?;
                        return Ok(Confirmed::Skipped);
                    }
                    Answer::Interrupted => {
                        return Err(Stop::Interrupted(format!(
                            "the confirmation of step `{step}`"
                        )))
                    }
                    Answer::TimedOut => {
                        return Err(Stop::Aborted {
                            reason: format!("no answer at step `{step}` before --prompt-timeout"),
                            exit: Exit::Failed,
                        })
                    }
                    _ => {
                        let sure = Prompt::ConfirmAbort {
                            step: step.clone(),
                            text: format!("Abort the run at step `{step}`?"),
                        };
                        let answer = self.ask(&sure)?;
                        self.record_answer(&sure, &answer)?;
                        match answer {
                            Answer::Yes => {
                                return Err(Stop::Aborted {
                                    reason: format!("the operator declined step `{step}`"),
                                    exit: Exit::Failed,
                                })
                            }
                            Answer::Interrupted => {
                                return Err(Stop::Interrupted(format!(
                                    "the confirmation of step `{step}`"
                                )))
                            }
                            _ => continue,
                        }
                    }
                }
            }
        }
    }

    fn skip(&mut self, step: &str, reason: &str) -> Result<(), Stop> {
        self.journal.record(Event::StepSkipped {
            step: step.to_string(),
            reason: reason.to_string(),
        })?;
        self.tally
            .skipped
            .push((step.to_string(), reason.to_string()));
        self.say(&format!("Step {step} skipped: {reason}"));
        Ok(())
    }

    /// An action or a wait failed: retry, skip with a reason, or abort.
    fn decide(&mut self, step: &Step, what: &str, check_error: bool) -> Result<Decision, Stop> {
        let prompt = Prompt::Failure {
            step: step.id.clone(),
            what: what.to_string(),
        };
        let answer = self.ask(&prompt)?;
        if answer == Answer::TimedOut {
            // Nobody chose retry, skip or abort: a timeout, not a decision.
            self.prompt_timed_out(&prompt)?;
            return Err(Stop::Aborted {
                reason: format!("{what}; no answer before --prompt-timeout"),
                exit: if check_error {
                    Exit::CheckError
                } else {
                    Exit::Failed
                },
            });
        }
        let reason = match &answer {
            Answer::Skip(reason) => Some(reason.clone()),
            _ => None,
        };
        self.journal.record(Event::Decision {
            step: step.id.clone(),
            choice: answer.word(),
            reason: reason.clone(),
            by: self.prompter.name().to_string(),
        })?;
        let exit = if check_error {
            Exit::CheckError
        } else {
            Exit::Failed
        };
        match answer {
            Answer::Retry => Ok(Decision::Retry),
            Answer::Skip(reason) => {
                self.skip(&step.id, &reason)?;
                Ok(Decision::Skipped)
            }
            Answer::Interrupted => Err(Stop::Interrupted(format!(
                "the decision on step `{}`",
                step.id
            ))),
            _ => Err(Stop::Aborted {
                reason: what.to_string(),
                exit,
            }),
        }
    }

    /// An in-doubt action whose process group still runs (the tool died, the action did
    /// not). Nothing is decided over it while it runs: a person waits for it to end or stops
    /// it; `--yes` stops the run (exit 10) naming the group and the command that stops it.
    fn orphan(
        &mut self,
        unit: &Unit<'_>,
        attempt: u32,
        process: Option<&rundir::ActionProcess>,
    ) -> Result<(), Stop> {
        let Some(process) = process else {
            return Ok(());
        };
        let id = &unit.step.id;
        while action::still_running(process) {
            let what = format!(
                "the action of step `{id}` (attempt {attempt}) is still running as process group {} (the tool stopped, the action did not); stop it with: {}",
                process.pgid,
                process.kill_command()
            );
            if self.settings.yes {
                return Err(Stop::NeedsDecision(format!(
                    "step `{id}`: {what}; then resume again"
                )));
            }
            let prompt = Prompt::Orphan {
                step: id.clone(),
                what: what.clone(),
            };
            let answer = self.ask(&prompt)?;
            if answer == Answer::TimedOut {
                self.prompt_timed_out(&prompt)?;
                return Err(Stop::NeedsDecision(format!(
                    "step `{id}`: no answer before --prompt-timeout; nothing was decided: {what}"
                )));
            }
            self.journal.record(Event::Decision {
                step: id.clone(),
                choice: answer.word(),
                reason: Some(format!("process group {} still running", process.pgid)),
                by: self.prompter.name().to_string(),
            })?;
            match answer {
                Answer::Wait => {
                    self.say(&format!(
                        "Waiting for process group {} to end (Ctrl-C stops waiting).",
                        process.pgid
                    ));
                    while action::still_running(process) {
                        if interrupt::requested() {
                            return Err(Stop::Interrupted(format!(
                                "the wait for the orphaned action of step `{id}`"
                            )));
                        }
                        std::thread::sleep(Duration::from_millis(200));
                    }
                }
                Answer::Kill => {
                    action::stop_group(process.pgid);
                    self.say(&format!("Process group {} stopped.", process.pgid));
                }
                Answer::Interrupted => {
                    return Err(Stop::Interrupted(format!("the decision on step `{id}`")))
                }
                _ => {
                    return Err(Stop::Aborted {
                        reason: format!(
                            "the operator aborted at the running orphaned action of step `{id}`"
                        ),
                        exit: Exit::Failed,
                    })
                }
            }
        }
        Ok(())
    }

    /// An action whose intent is journaled but not its result. Never re-run silently, and
    /// never marked done without evidence: `--yes` marks it done only when the step has
    /// verifies and they pass now; otherwise a person decides.
    fn in_doubt(&mut self, unit: &Unit<'_>, attempt: u32) -> Result<Resume, Stop> {
        let step = unit.step;
        let id = &step.id;
        let what = format!(
            "the action of step `{id}` (attempt {attempt}) was started but its result is unknown (the tool stopped while it ran)"
        );
        self.say(&format!("\n{what}"));
        let (choice, reason) = if self.settings.mark_done.contains(id) {
            (
                Answer::MarkDone,
                format!("--mark-done {id}: decided by the operator"),
            )
        } else if self.settings.rerun.contains(id) {
            (
                Answer::Rerun,
                format!("--rerun {id}: decided by the operator"),
            )
        } else if let Some(decided) = self.connector_in_doubt(unit, &what)? {
            decided
        } else if unit.verifies.is_empty() {
            let verdict = format!(
                "it has no {}, so nothing shows whether it ran",
                unit.verifies_phase
            );
            if self.settings.yes {
                return Err(Stop::NeedsDecision(format!(
                    "step `{id}`: {what}, and {verdict}; decide with --mark-done {id} or --rerun {id}"
                )));
            }
            let answer = self.ask_in_doubt(id, &format!("{what}; {verdict}"))?;
            (answer, format!("decided by a person; {verdict}"))
        } else {
            let verified = self.verify_once(unit)?;
            let phase = unit.verifies_phase;
            if self.settings.yes {
                // Checks left out (`rollback --without`) make a pass partial evidence only.
                if verified && unit.unchecked {
                    return Err(Stop::NeedsDecision(format!(
                        "step `{id}`: {what}; its remaining {phase} pass, but some were not evaluated (--without): decide with --mark-done {id} or --rerun {id}"
                    )));
                }
                if verified {
                    (
                        Answer::MarkDone,
                        format!("evidence: its {phase} pass now (journaled just before)"),
                    )
                } else {
                    return Err(Stop::NeedsDecision(format!(
                        "step `{id}`: {what}, and its {phase} do not pass; decide with --mark-done {id} or --rerun {id}"
                    )));
                }
            } else {
                let verdict = if verified {
                    format!("its {phase} pass now")
                } else {
                    format!("its {phase} do NOT pass now")
                };
                let answer = self.ask_in_doubt(id, &format!("{what}; {verdict}"))?;
                (answer, format!("decided by a person; {verdict}"))
            }
        };
        self.journal.record(Event::Decision {
            step: id.clone(),
            choice: choice.word(),
            reason: Some(reason),
            by: self.prompter.name().to_string(),
        })?;
        match choice {
            Answer::MarkDone => Ok(Resume::Verify),
            Answer::Rerun => Ok(Resume::RunAction { attempt }),
            Answer::Interrupted => Err(Stop::Interrupted(format!("the decision on step `{id}`"))),
            _ => Err(Stop::Aborted {
                reason: format!("the operator aborted at the in-doubt action of step `{id}`"),
                exit: Exit::Failed,
            }),
        }
    }

    /// The in-doubt question. No answer before `--prompt-timeout` decides nothing: it is
    /// journaled as a timeout (never as a decision), the action stays in doubt and the run
    /// stops for a person (exit 10).
    fn ask_in_doubt(&mut self, id: &str, what: &str) -> Result<Answer, Stop> {
        let prompt = Prompt::InDoubt {
            step: id.to_string(),
            what: what.to_string(),
        };
        let answer = self.ask(&prompt)?;
        if answer == Answer::TimedOut {
            self.prompt_timed_out(&prompt)?;
            return Err(Stop::NeedsDecision(format!(
                "step `{id}`: no answer before --prompt-timeout; nothing was decided and the action stays in doubt"
            )));
        }
        Ok(answer)
    }

    /// Journal that a prompt had no answer before `--prompt-timeout` (nobody decided).
    fn prompt_timed_out(&mut self, prompt: &Prompt) -> Result<(), Stop> {
        let secrets = &self.runbook.secrets;
        self.journal.record(Event::PromptTimedOut {
            step: prompt.step().to_string(),
            prompt: secrets.redact(prompt.text()),
        })?;
        Ok(())
    }

    /// One round of the unit's verifies, journaled as evidence; true when all pass (there
    /// is at least one: an empty list proves nothing and is handled by the caller).
    fn verify_once(&mut self, unit: &Unit<'_>) -> Result<bool, Stop> {
        if unit.verifies.is_empty() {
            return Ok(false);
        }
        let mut states: Vec<_> = unit
            .verifies
            .iter()
            .map(|_| crate::checks::CheckState::shown())
            .collect();
        let deadline = unit
            .verifies
            .iter()
            .map(|c| c.timeout)
            .max()
            .map(|t| Instant::now() + t);
        let outcomes = self.rounds.round(&unit.verifies, &mut states, deadline);
        let mut all = !outcomes.is_empty();
        for (check, outcome) in unit.verifies.iter().zip(outcomes) {
            self.say(&format!(
                "  {} {}: {}",
                render::status_word(outcome.status),
                check.spec.kind(),
                outcome.summary
            ));
            self.journal.record(Event::Check {
                step: unit.step.id.clone(),
                phase: unit.verifies_phase.into(),
                kind: check.spec.kind().name().into(),
                status: render::status_word(outcome.status).to_lowercase(),
                summary: outcome.summary.clone(),
                items: Some(serde_json::to_value(&outcome.items).expect("items serialize")),
                item_counts: Some(outcome.item_counts()),
                remaining: outcome.progress.remaining,
                elapsed_ms: 0,
            })?;
            all &= outcome.status == Status::Pass;
        }
        Ok(all)
    }
}

/// Whether the journal being resumed holds `step` as done but not confirmed.
fn unconfirmed_before(state: &RunState, step: &str) -> bool {
    state.entries.iter().any(
        |e| matches!(&e.event, Event::StepDone { step: s, unconfirmed: true, .. } if s == step),
    )
}

enum Decision {
    Retry,
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirmed {
    Yes,
    Skipped,
}

/// The executor's decisions, driven by scripted check outcomes: no broker, no terminal.
#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::*;
    use crate::checks::CheckState;
    use crate::runbook::CheckSpec;

    /// What a scripted check answers on each poll.
    #[derive(Clone, Copy)]
    enum Plan {
        /// Fail on the first N polls, then pass.
        PassAfter(usize),
        /// An error every time (a cluster that cannot be reached).
        Error,
        /// Fail every time.
        Never,
    }

    /// Outcomes by the command check's `run` text.
    struct Script {
        plans: HashMap<String, Plan>,
        polls: HashMap<String, usize>,
    }

    impl Script {
        fn new(plans: &[(&str, Plan)]) -> Script {
            Script {
                plans: plans.iter().map(|(k, p)| (k.to_string(), *p)).collect(),
                polls: HashMap::new(),
            }
        }
    }

    impl CheckRounds for Script {
        fn round(
            &mut self,
            checks: &[Check],
            _: &mut [CheckState],
            _: Option<Instant>,
        ) -> Vec<Outcome> {
            checks
                .iter()
                .map(|check| {
                    let CheckSpec::Command { run, .. } = &check.spec else {
                        panic!("scripted checks are command checks")
                    };
                    let polls = self.polls.entry(run.clone()).or_default();
                    *polls += 1;
                    match self.plans[run] {
                        Plan::PassAfter(n) if *polls > n => Outcome {
                            status: Status::Pass,
                            summary: format!("{run} passed"),
                            items: Vec::new(),
                            progress: Default::default(),
                        },
                        Plan::Error => Outcome::error(format!("{run}: no answer")),
                        Plan::PassAfter(_) | Plan::Never => {
                            Outcome::fail(format!("{run} failed"), Vec::new())
                        }
                    }
                })
                .collect()
        }
    }

    fn runbook(dir: &Path, steps: &str) -> Runbook {
        let text = format!(
            "version: 1\nname: t\nclusters:\n  source: {{ bootstrap: '127.0.0.1:1' }}\n  target: {{ bootstrap: '127.0.0.1:2' }}\ndefaults:\n  poll_interval: 10ms\n  timeout: 1s\ntiers:\n  - name: t\n    steps:\n{steps}"
        );
        crate::runbook::parse(&dir.join("r.yaml"), &text, dir, &|_| None)
            .map_err(|e| format!("{:?}", e.0))
            .unwrap()
            .runbook
    }

    struct Setup {
        dir: tempfile::TempDir,
        runbook: Runbook,
        clusters: Clusters,
    }

    fn setup(steps: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let runbook = runbook(dir.path(), steps);
        let clusters = Clusters::connect(&runbook).unwrap();
        Setup {
            dir,
            runbook,
            clusters,
        }
    }

    impl Setup {
        fn run_dir(&self) -> PathBuf {
            rundir::run_dir(self.dir.path(), "r1")
        }

        fn executor(&self, answers: Option<&str>, script: Script) -> Executor<'_> {
            let run_dir = self.run_dir();
            std::fs::create_dir_all(&run_dir).unwrap();
            let journal = Journal::open(
                &run_dir.join("journal.jsonl"),
                rundir::load(self.dir.path(), "r1").map_or(1, |s| s.next_seq),
                Default::default(),
            )
            .unwrap();
            let prompter: Box<dyn Prompter> = match answers {
                Some(text) => Box::new(prompter::Scripted::new(text)),
                None => Box::new(prompter::NonInteractive { yes: true }),
            };
            Executor {
                runbook: &self.runbook,
                clusters: &self.clusters,
                rounds: Box::new(script),
                units: unit::forward(&self.runbook),
                mode: Mode::Forward,
                journal,
                prompter,
                run_id: "r1".into(),
                run_dir,
                settings: Settings {
                    yes: answers.is_none(),
                    mark_done: Vec::new(),
                    rerun: Vec::new(),
                    dry_run: false,
                    run_commands: false,
                    past_point_of_no_return: false,
                },
                who: identity(),
                rehearsal: Vec::new(),
                baseline: Default::default(),
                tally: Tally::default(),
            }
        }

        /// The rollback of `done`, answered like `executor` does.
        fn rollback_executor(&self, answers: Option<&str>, done: &[&str]) -> Executor<'_> {
            let mut executor = self.executor(answers, Script::new(&[]));
            let done: Vec<String> = done.iter().map(|s| s.to_string()).collect();
            executor.units = unit::rollback(&self.runbook, &done);
            executor.mode = Mode::Rollback;
            executor
        }

        /// A journal that stopped with the action of `step` in doubt.
        fn crashed_in(&self, step: &str) -> RunState {
            let mut executor = self.executor(None, Script::new(&[]));
            let id = step.to_string();
            Self::started(&mut executor, &id);
            executor
                .journal
                .record(Event::StepStarted {
                    step: id.clone(),
                    tier: "t".into(),
                })
                .unwrap();
            executor
                .journal
                .record(Event::ActionIntent {
                    step: id,
                    command: "x".into(),
                    attempt: 1,
                    log: "x.log".into(),
                })
                .unwrap();
            rundir::load(self.dir.path(), "r1").unwrap()
        }

        /// The journal's first event, for a run of `step`.
        fn started(executor: &mut Executor<'_>, step: &str) {
            let id = step.to_string();
            executor
                .journal
                .record(Event::RunStarted {
                    run_id: "r1".into(),
                    kind: crate::journal::RunKind::Run,
                    name: "t".into(),
                    runbook: "r.yaml".into(),
                    runbook_sha256: String::new(),
                    steps: vec![id.clone()],
                    steps_fingerprint: String::new(),
                    rollback_of: None,
                    dry_run: false,
                    cluster_ids: Default::default(),
                    runbook_content: None,
                    again: false,
                    without: Default::default(),
                    user: "u".into(),
                    host: "h".into(),
                    pid: 1,
                    version: "0".into(),
                })
                .unwrap();
        }

        fn events(&self) -> Vec<Event> {
            crate::journal::read(&self.run_dir().join("journal.jsonl"))
                .unwrap()
                .entries
                .into_iter()
                .map(|e| e.event)
                .collect()
        }

        fn check_statuses(&self) -> Vec<String> {
            self.events()
                .into_iter()
                .filter_map(|e| match e {
                    Event::Check { status, .. } => Some(status),
                    _ => None,
                })
                .collect()
        }
    }

    const VERIFIED: &str = "      - id: s\n        instructions: by hand\n        verifies:\n          - kind: command\n            run: check-a\n";

    #[test]
    fn a_check_that_passes_after_three_polls_is_done_after_four_rounds() {
        let s = setup(VERIFIED);
        let mut executor = s.executor(None, Script::new(&[("check-a", Plan::PassAfter(3))]));
        assert_eq!(executor.execute(None), Exit::Done);
        assert_eq!(s.check_statuses(), ["fail", "fail", "fail", "pass"]);
        assert!(s.events().contains(&Event::StepDone {
            step: "s".into(),
            unchecked: false,
            unconfirmed: false
        }));
    }

    #[test]
    fn a_check_that_never_passes_times_out_and_yes_aborts_with_exit_1() {
        let s = setup(VERIFIED);
        let mut executor = s.executor(None, Script::new(&[("check-a", Plan::Never)]));
        assert_eq!(executor.execute(None), Exit::Failed);
        assert!(s.check_statuses().len() > 10, "polled until the timeout");
        assert!(!s
            .events()
            .iter()
            .any(|e| matches!(e, Event::StepDone { .. })));
    }

    #[test]
    fn a_check_that_errors_ends_with_exit_3() {
        let s = setup(VERIFIED);
        let mut executor = s.executor(None, Script::new(&[("check-a", Plan::Error)]));
        assert_eq!(executor.execute(None), Exit::CheckError);
    }

    #[test]
    fn a_skipped_step_finishes_with_exit_6_and_names_it() {
        let s = setup(&format!(
            "{VERIFIED}      - id: after\n        instructions: by hand\n"
        ));
        let mut executor = s.executor(
            Some("yes\nskip: mirror lags on purpose\nyes\n"),
            Script::new(&[("check-a", Plan::Never)]),
        );
        assert_eq!(executor.execute(None), Exit::FinishedWithSkips);
        assert_eq!(
            executor.tally.finished(),
            "finished: 1 done, 1 skipped (s: mirror lags on purpose)"
        );
    }

    #[test]
    fn no_to_a_confirmation_offers_wait_then_asks_again() {
        let s = setup("      - id: s\n        instructions: by hand\n");
        let mut executor = s.executor(
            Some("no\nwait\nno\nabort\nno\nwait\nyes\n"),
            Script::new(&[]),
        );
        assert_eq!(executor.execute(None), Exit::Done);
        let choices: Vec<String> = s
            .events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Decision { choice, .. } => Some(choice),
                _ => None,
            })
            .collect();
        assert_eq!(choices, ["wait", "abort", "wait"]);
        let mut executor = s.executor(Some("no\nabort\nyes\n"), Script::new(&[]));
        assert_eq!(executor.execute(None), Exit::Failed);
    }

    #[test]
    fn a_mistyped_step_id_at_the_point_of_no_return_asks_again_three_tries() {
        let steps =
            "      - id: switch\n        instructions: by hand\n        point_of_no_return: true\n";
        let s = setup(steps);
        let mut executor = s.executor(Some("swtich\nswitch\n"), Script::new(&[]));
        assert_eq!(executor.execute(None), Exit::Done);
        let s = setup(steps);
        let mut executor = s.executor(Some("swtich\nswich\nswitc\nswitch\n"), Script::new(&[]));
        assert_eq!(executor.execute(None), Exit::Failed);
        let answers: Vec<String> = s
            .events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Confirmation { answer, .. } => Some(answer),
                _ => None,
            })
            .collect();
        assert_eq!(answers, ["no", "no", "no"]);
    }

    #[test]
    fn yes_never_marks_an_in_doubt_action_done_without_verifies() {
        let s = setup("      - id: s\n        run: touch ran\n        undo: 'true'\n");
        let state = s.crashed_in("s");
        let mut executor = s.executor(None, Script::new(&[]));
        assert_eq!(executor.execute(Some(&state)), Exit::NeedsDecision);
        assert!(!s
            .events()
            .iter()
            .any(|e| matches!(e, Event::Decision { .. } | Event::StepDone { .. })));
        assert!(!s.dir.path().join("ran").exists());
    }

    #[test]
    fn yes_marks_an_in_doubt_action_done_when_its_verifies_pass_now_naming_the_evidence() {
        let s = setup(
            "      - id: s\n        run: touch ran\n        undo: 'true'\n        verifies:\n          - kind: command\n            run: check-a\n",
        );
        let state = s.crashed_in("s");
        let mut executor = s.executor(None, Script::new(&[("check-a", Plan::PassAfter(0))]));
        assert_eq!(executor.execute(Some(&state)), Exit::Done);
        let reason = s
            .events()
            .into_iter()
            .find_map(|e| match e {
                Event::Decision { choice, reason, .. } if choice == "mark-done" => reason,
                _ => None,
            })
            .unwrap();
        assert!(
            reason.starts_with("evidence: its verifies pass now"),
            "{reason}"
        );
        assert!(!s.dir.path().join("ran").exists(), "not re-run");

        // Verifies that fail now: a person decides.
        let s = setup(
            "      - id: s\n        run: touch ran\n        undo: 'true'\n        verifies:\n          - kind: command\n            run: check-a\n",
        );
        let state = s.crashed_in("s");
        let mut executor = s.executor(None, Script::new(&[("check-a", Plan::Never)]));
        assert_eq!(executor.execute(Some(&state)), Exit::NeedsDecision);
    }

    /// Review finding: `rollback --yes` answered the "confirm by hand" prompt of a step
    /// without undo_verifies itself and journaled it as confirmed, exit 0. Unattended, the
    /// undo still runs, but nobody confirmed it: no confirmation is journaled, and the run
    /// does not end with exit 0.
    #[test]
    fn yes_runs_an_unchecked_undo_but_never_claims_it_confirmed() {
        let s = setup("      - id: s\n        run: 'true'\n        undo: 'true'\n");
        let mut executor = s.rollback_executor(None, &["s"]);
        Setup::started(&mut executor, "s");
        let exit = executor.execute(None);
        assert_ne!(exit, Exit::Done, "nobody confirmed the unchecked step");
        let events = s.events();
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::ActionResult { exit: Some(0), .. })),
            "the undo ran: {events:?}"
        );
        assert!(
            !events.iter().any(
                |e| matches!(e, Event::Confirmation { prompt, .. } if prompt.contains("by hand"))
            ),
            "no confirmation by hand was journaled: {events:?}"
        );
        assert_eq!(exit, Exit::Unconfirmed);
        assert!(events.contains(&Event::StepDone {
            step: "s".into(),
            unchecked: true,
            unconfirmed: true
        }));
        assert!(
            executor
                .tally
                .finished()
                .contains("1 not confirmed (s: no undo_verifies and no person"),
            "{}",
            executor.tally.finished()
        );
        // A resume of that run still ends unconfirmed: exit 0 is never earned by resuming.
        let state = rundir::load(s.dir.path(), "r1").unwrap();
        let mut executor = s.rollback_executor(None, &["s"]);
        assert_eq!(executor.execute(Some(&state)), Exit::Unconfirmed);
    }

    /// A terminal where nobody answers: every prompt ends at --prompt-timeout.
    struct Silent;

    impl Prompter for Silent {
        fn ask(&mut self, _: &Prompt) -> Result<Answer, prompter::NeedsDecision> {
            Ok(Answer::TimedOut)
        }

        fn name(&self) -> &'static str {
            "terminal"
        }
    }

    /// Review finding 5: a --prompt-timeout at the in-doubt question was journaled as a
    /// decision "decided by a person". Nobody decided: it is journaled as a timeout, and the
    /// action stays in doubt.
    #[test]
    fn a_prompt_timeout_at_an_in_doubt_action_decides_nothing() {
        let s = setup("      - id: s\n        run: touch ran\n        undo: 'true'\n");
        let state = s.crashed_in("s");
        let mut executor = s.executor(Some(""), Script::new(&[]));
        executor.prompter = Box::new(Silent);
        assert_ne!(executor.execute(Some(&state)), Exit::Done);
        let events = s.events();
        assert!(
            !events.iter().any(|e| matches!(e, Event::Decision { .. })),
            "no decision: {events:?}"
        );
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::PromptTimedOut { step, .. } if step == "s")),
            "{events:?}"
        );
        let after = rundir::load(s.dir.path(), "r1").unwrap();
        assert_eq!(after.step("s"), Some(&StepStatus::InDoubt { attempt: 1 }));
    }

    /// Skipping the manual step's question under --yes never skips the point of no return:
    /// going back past it unattended still needs --past-point-of-no-return.
    #[test]
    fn yes_still_stops_at_a_manual_point_of_no_return_without_its_flag() {
        let s = setup(
            "      - id: s\n        instructions: change the DNS\n        point_of_no_return: true\n",
        );
        let mut executor = s.rollback_executor(None, &["s"]);
        assert_eq!(executor.execute(None), Exit::NeedsDecision);
        assert!(!s
            .events()
            .iter()
            .any(|e| matches!(e, Event::StepDone { .. })));
    }

    /// Unattended, nobody reverses a manual step without undo_verifies: its "reverse it by
    /// hand. Done?" is not answered by --yes either.
    #[test]
    fn yes_never_claims_a_manual_unchecked_undo_done_by_hand() {
        let s = setup("      - id: s\n        instructions: change the DNS\n");
        let mut executor = s.rollback_executor(None, &["s"]);
        assert_eq!(executor.execute(None), Exit::Unconfirmed);
        assert!(!s
            .events()
            .iter()
            .any(|e| matches!(e, Event::Confirmation { .. })));
    }

    /// With a person (an answers file), the same step is confirmed by hand and the run is done.
    #[test]
    fn a_person_confirms_an_unchecked_undo_by_hand() {
        let s = setup("      - id: s\n        run: 'true'\n        undo: 'true'\n");
        let mut executor = s.rollback_executor(Some("yes\nyes\n"), &["s"]);
        assert_eq!(executor.execute(None), Exit::Done);
        assert!(s.events().iter().any(|e| matches!(e, Event::Confirmation { prompt, answer, .. } if prompt.contains("confirm by hand") && answer == "yes")));
    }
}
