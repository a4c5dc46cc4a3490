//! Polling a step's checks until they all pass or one times out, with live progress on
//! stderr: an indicatif line per check on a terminal, plain `waiting:` lines every
//! `progress_interval` otherwise. The results go to the transcript once, at the end.

use std::io::Write;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::checks::{self, CheckState, Clusters, Outcome, Status};
use crate::interrupt;
use crate::journal::{Event, Journal, JournalError};
use crate::runbook::{Check, CheckSpec, Phase, Runbook};

pub enum Waited {
    Passed(Vec<Outcome>),
    /// A check was still failing (or erroring) at its timeout; the last outcomes.
    TimedOut(Vec<Outcome>),
    Interrupted(Vec<Outcome>),
}

/// What the operator sees of one check while it is polled.
fn progress_line(
    check: &Check,
    outcome: &Outcome,
    state: &CheckState,
    elapsed: Duration,
) -> String {
    let word = crate::checks::render::status_word(outcome.status);
    let scope = crate::present::scope_label(&check.spec);
    let mut line = format!(
        "{word} {} ({scope}): {}",
        check.spec.kind(),
        outcome.summary
    );
    match &check.spec {
        CheckSpec::LagZero { .. } if outcome.status != Status::Pass => {
            if let Some(lag) = outcome.progress.remaining {
                line.push_str(&format!(" | remaining lag {lag}"));
                if let Some(rate) = state.lag.drain_rate() {
                    if rate > 0.0 {
                        let eta = Duration::from_secs_f64(lag as f64 / rate);
                        line.push_str(&format!(
                            ", draining {rate:.0}/s, ETA {}",
                            humantime::format_duration(Duration::from_secs(eta.as_secs()))
                        ));
                    } else {
                        line.push_str(", not draining");
                    }
                }
            }
        }
        CheckSpec::MirrorCaughtUp { .. } => {
            if let (Some(done), Some(total)) = (outcome.progress.done, outcome.progress.total) {
                line.push_str(&format!(" | {done}/{total} partitions caught up"));
            }
        }
        _ => {}
    }
    line.push_str(&format!(
        " [{} of {}]",
        humantime::format_duration(Duration::from_secs(elapsed.as_secs())),
        humantime::format_duration(check.timeout)
    ));
    line
}

struct Display {
    bars: Option<(MultiProgress, Vec<ProgressBar>)>,
    /// Without bars: how often a `waiting:` line is printed, and when the last one was.
    every: Duration,
    last: Option<Instant>,
}

impl Display {
    fn new(count: usize, every: Duration) -> Display {
        // TERM=dumb or unset, stderr not a terminal, or a terminal that reports no size
        // (some PTYs): no bars, plain `waiting:` lines instead.
        if !crate::output::can_draw_progress() {
            return Display {
                bars: None,
                every,
                last: None,
            };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("  {spinner} {wide_msg}").expect("valid template");
        let bars = (0..count)
            .map(|_| {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(style.clone());
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            })
            .collect();
        Display {
            bars: Some((multi, bars)),
            every,
            last: None,
        }
    }

    /// Live progress (stderr, never the transcript): the bars, or a `waiting:` line per
    /// check not passing yet, at most every `progress_interval`. The results themselves are
    /// printed once, in the transcript, when the wait ends.
    fn show(&mut self, lines: &[String], passing: &[bool]) {
        match &self.bars {
            Some((_, bars)) => {
                for (bar, line) in bars.iter().zip(lines) {
                    bar.set_message(line.clone());
                }
            }
            None => {
                if passing.iter().all(|p| *p) || self.last.is_some_and(|t| t.elapsed() < self.every)
                {
                    return;
                }
                self.last = Some(Instant::now());
                let mut err = std::io::stderr().lock();
                for (line, pass) in lines.iter().zip(passing) {
                    if !pass {
                        let _ = writeln!(err, "waiting: {line}");
                    }
                }
            }
        }
    }

    fn finish(self) {
        if let Some((_, bars)) = self.bars {
            for bar in bars {
                bar.finish_and_clear();
            }
        }
    }
}

/// Where the executor gets check outcomes: the clusters, or (in tests) a script.
pub trait CheckRounds {
    /// Evaluate `checks` once, outcomes in order; a check still running at `deadline` is
    /// cancelled and reports an error.
    fn round(
        &mut self,
        checks: &[Check],
        states: &mut [CheckState],
        deadline: Option<Instant>,
    ) -> Vec<Outcome>;
}

/// The real thing: each round asks both clusters (and runs `command` checks).
pub struct Live<'a> {
    pub runbook: &'a Runbook,
    pub clusters: &'a Clusters,
}

impl CheckRounds for Live<'_> {
    fn round(
        &mut self,
        checks: &[Check],
        states: &mut [CheckState],
        deadline: Option<Instant>,
    ) -> Vec<Outcome> {
        self.clusters.new_round();
        let outcomes =
            checks::evaluate_round_until(checks, states, self.runbook, self.clusters, deadline);
        // Nothing reads a round's answers after it: the wait holds none of them until the
        // next poll (the checks' own state, `CheckState`, is kept).
        self.clusters.new_round();
        crate::memory::release_freed();
        outcomes
    }
}

pub struct Poller<'a> {
    pub runbook: &'a Runbook,
    pub rounds: &'a mut dyn CheckRounds,
}

impl Poller<'_> {
    /// Poll `checks` until all pass in one round, one times out, or Ctrl-C. Every round's
    /// results go to the journal (with items on the final one: the failing ones up to 1,000,
    /// 20 passing, and every item's count by status). A round still running at the
    /// step's deadline (its longest check timeout) is cancelled there.
    pub fn wait(
        &mut self,
        step: &str,
        phase: Phase,
        checks: &[Check],
        journal: &mut Journal,
    ) -> Result<Waited, JournalError> {
        if checks.is_empty() {
            return Ok(Waited::Passed(Vec::new()));
        }
        let started = Instant::now();
        // Each round keeps the items a table and the journal show, bounded, and counts the
        // rest (a wait over a million group partitions holds no more per round).
        let mut states: Vec<CheckState> = checks.iter().map(|_| CheckState::shown()).collect();
        let interval = checks
            .iter()
            .map(|c| c.poll_interval)
            .min()
            .expect("not empty");
        let deadline = started + checks.iter().map(|c| c.timeout).max().expect("not empty");
        let mut complete: Vec<Option<Outcome>> = checks.iter().map(|_| None).collect();
        let mut display = Display::new(checks.len(), self.runbook.defaults.progress_interval);
        let mut round = 0u32;
        loop {
            let elapsed = started.elapsed();
            let mut outcomes: Vec<Outcome> = self.rounds.round(checks, &mut states, Some(deadline));
            round += 1;
            journal.record(Event::Poll {
                step: step.into(),
                phase: phase.into(),
                round,
                took_ms: (started.elapsed() - elapsed).as_millis() as u64,
                elapsed_ms: elapsed.as_millis() as u64,
            })?;
            // A check cut off at the deadline has no new evidence: its last complete result
            // stands (a round that started just before the deadline must not turn a failing
            // check into an error). Without one, the cancellation is the result: an error.
            for (outcome, previous) in outcomes.iter_mut().zip(&mut complete) {
                let cancelled =
                    outcome.status == Status::Error && outcome.summary.ends_with(checks::CANCELLED);
                match (cancelled, previous.as_ref()) {
                    (true, Some(earlier)) => {
                        let mut earlier: Outcome = earlier.clone();
                        earlier.summary = format!(
                            "{} (the last complete round; the next was {})",
                            earlier.summary,
                            checks::CANCELLED
                        );
                        *outcome = earlier;
                    }
                    (true, None) => {}
                    (false, _) => *previous = Some(outcome.clone()),
                }
            }
            // A round's outcomes count at its end for the timeout (a check that needed the
            // whole round to answer has used that time); progress shows the round's start.
            let ended = started.elapsed();
            let lines: Vec<String> = checks
                .iter()
                .zip(&outcomes)
                .zip(&states)
                .map(|((c, o), s)| {
                    self.runbook
                        .secrets
                        .redact(&progress_line(c, o, s, elapsed))
                })
                .collect();
            let passing: Vec<bool> = outcomes.iter().map(|o| o.status == Status::Pass).collect();
            display.show(&lines, &passing);
            let all_pass = outcomes.iter().all(|o| o.status == Status::Pass);
            let timed_out = checks
                .iter()
                .zip(&outcomes)
                .any(|(c, o)| o.status != Status::Pass && ended >= c.timeout);
            let interrupted = interrupt::requested();
            let last = all_pass || timed_out || interrupted;
            for (check, outcome) in checks.iter().zip(&outcomes) {
                journal.record(Event::Check {
                    step: step.into(),
                    phase: phase.into(),
                    kind: check.spec.kind().name().into(),
                    status: crate::checks::render::status_word(outcome.status).to_lowercase(),
                    summary: outcome.summary.clone(),
                    items: last
                        .then(|| serde_json::to_value(&outcome.items).expect("items serialize")),
                    item_counts: last.then(|| outcome.item_counts()),
                    remaining: outcome.progress.remaining,
                    elapsed_ms: elapsed.as_millis() as u64,
                })?;
            }
            if last {
                display.finish();
                return Ok(if all_pass {
                    Waited::Passed(outcomes)
                } else if interrupted {
                    Waited::Interrupted(outcomes)
                } else {
                    Waited::TimedOut(outcomes)
                });
            }
            // Never sleep past the deadline: the last round starts at it at the latest.
            let next = (Instant::now() + interval).min(deadline.max(Instant::now()));
            while Instant::now() < next {
                if interrupt::requested() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}
