//! Confirmation, with three implementations: a terminal (dialoguer), a script of answers
//! (tests), and non-interactive (`--yes`, or no terminal: a person's decision is needed).

use std::collections::VecDeque;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::interrupt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// Yes continues; no aborts.
    Confirm { step: String, text: String },
    /// The point of no return: the operator types the step id.
    TypeStepId { step: String, text: String },
    /// An action or check failed: retry, skip (with a reason) or abort.
    Failure { step: String, what: String },
    /// An action was started before a crash and its result is unknown.
    InDoubt { step: String, what: String },
}

impl Prompt {
    pub fn step(&self) -> &str {
        match self {
            Prompt::Confirm { step, .. }
            | Prompt::TypeStepId { step, .. }
            | Prompt::Failure { step, .. }
            | Prompt::InDoubt { step, .. } => step,
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Prompt::Confirm { text, .. } | Prompt::TypeStepId { text, .. } => text,
            Prompt::Failure { what, .. } | Prompt::InDoubt { what, .. } => what,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    Retry,
    Skip(String),
    Abort,
    MarkDone,
    Rerun,
    /// Ctrl-C during the prompt.
    Interrupted,
    /// `--prompt-timeout` passed with no answer.
    TimedOut,
}

impl Answer {
    pub fn word(&self) -> String {
        match self {
            Answer::Yes => "yes".into(),
            Answer::No => "no".into(),
            Answer::Retry => "retry".into(),
            Answer::Skip(_) => "skip".into(),
            Answer::Abort => "abort".into(),
            Answer::MarkDone => "mark-done".into(),
            Answer::Rerun => "rerun".into(),
            Answer::Interrupted => "interrupted".into(),
            Answer::TimedOut => "timed out".into(),
        }
    }
}

/// No one can answer this prompt here: the run stops with exit 10.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedsDecision(pub String);

pub trait Prompter {
    fn ask(&mut self, prompt: &Prompt) -> Result<Answer, NeedsDecision>;
    /// How answers were given, for the journal: terminal, scripted, --yes.
    fn name(&self) -> &'static str;
}

/// `--yes` answers confirmations; nothing answers failures. Without `--yes` every prompt
/// needs a person.
pub struct NonInteractive {
    pub yes: bool,
}

impl Prompter for NonInteractive {
    fn ask(&mut self, prompt: &Prompt) -> Result<Answer, NeedsDecision> {
        match prompt {
            Prompt::Confirm { .. } | Prompt::TypeStepId { .. } if self.yes => Ok(Answer::Yes),
            // --yes never chooses retry or skip: the run aborts.
            Prompt::Failure { .. } if self.yes => Ok(Answer::Abort),
            Prompt::InDoubt { step, what } => Err(NeedsDecision(format!(
                "step `{step}`: {what}; decide with --mark-done {step} or --rerun {step} (or run in a terminal)"
            ))),
            other => Err(NeedsDecision(format!(
                "step `{}` needs a confirmation ({}) and there is no terminal to ask on; run in a terminal, or pass --yes to confirm every step",
                other.step(),
                other.text()
            ))),
        }
    }

    fn name(&self) -> &'static str {
        if self.yes {
            "--yes"
        } else {
            "non-interactive"
        }
    }
}

/// Answers read from a file, one per line: yes, no, retry, skip: REASON, abort, mark-done,
/// rerun, or a step id (for the point of no return). Blank lines and # comments are skipped.
pub struct Scripted {
    answers: VecDeque<String>,
}

impl Scripted {
    pub fn from_file(path: &Path) -> std::io::Result<Scripted> {
        let text = std::fs::read_to_string(path)?;
        Ok(Scripted {
            answers: text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string)
                .collect(),
        })
    }
}

impl Prompter for Scripted {
    fn ask(&mut self, prompt: &Prompt) -> Result<Answer, NeedsDecision> {
        let Some(line) = self.answers.pop_front() else {
            return Err(NeedsDecision(format!(
                "the answers script has no answer left for step `{}` ({})",
                prompt.step(),
                prompt.text()
            )));
        };
        Ok(match (prompt, line.as_str()) {
            (Prompt::TypeStepId { step, .. }, typed) => {
                if typed == step {
                    Answer::Yes
                } else {
                    Answer::No
                }
            }
            (_, "yes" | "y") => Answer::Yes,
            (_, "no" | "n") => Answer::No,
            (_, "retry") => Answer::Retry,
            (_, "abort") => Answer::Abort,
            (_, "mark-done") => Answer::MarkDone,
            (_, "rerun") => Answer::Rerun,
            (_, other) => match other.strip_prefix("skip:") {
                Some(reason) => Answer::Skip(reason.trim().to_string()),
                None => Answer::No,
            },
        })
    }

    fn name(&self) -> &'static str {
        "scripted"
    }
}

/// dialoguer on the terminal. Each prompt runs on its own thread so that Ctrl-C and
/// `--prompt-timeout` can end the wait even while the terminal read blocks.
pub struct Terminal {
    pub timeout: Option<Duration>,
}

fn dialog(prompt: Prompt) -> Option<Answer> {
    use dialoguer::{Confirm, Input, Select};
    let term = console::Term::stderr();
    match prompt {
        Prompt::Confirm { text, .. } => Confirm::new()
            .with_prompt(text)
            .default(false)
            .interact_on(&term)
            .ok()
            .map(|yes| if yes { Answer::Yes } else { Answer::No }),
        Prompt::TypeStepId { step, text } => Input::<String>::new()
            .with_prompt(format!(
                "{text}\nType the step id `{step}` to continue, anything else aborts"
            ))
            .allow_empty(true)
            .interact_text_on(&term)
            .ok()
            .map(|typed| {
                if typed.trim() == step {
                    Answer::Yes
                } else {
                    Answer::No
                }
            }),
        Prompt::Failure { what, .. } => {
            let choice = Select::new()
                .with_prompt(what)
                .items(["retry", "skip (give a reason)", "abort"])
                .default(0)
                .interact_on(&term)
                .ok()?;
            match choice {
                0 => Some(Answer::Retry),
                1 => Input::<String>::new()
                    .with_prompt("Reason for skipping")
                    .interact_text_on(&term)
                    .ok()
                    .map(Answer::Skip),
                _ => Some(Answer::Abort),
            }
        }
        Prompt::InDoubt { what, .. } => {
            let choice = Select::new()
                .with_prompt(what)
                .items(["mark it done", "run it again", "abort"])
                .default(2)
                .interact_on(&term)
                .ok()?;
            Some([Answer::MarkDone, Answer::Rerun, Answer::Abort][choice].clone())
        }
    }
}

impl Prompter for Terminal {
    fn ask(&mut self, prompt: &Prompt) -> Result<Answer, NeedsDecision> {
        let (send, receive) = mpsc::channel();
        let owned = prompt.clone();
        std::thread::spawn(move || {
            let _ = send.send(dialog(owned));
        });
        let deadline = self.timeout.map(|t| Instant::now() + t);
        loop {
            match receive.recv_timeout(Duration::from_millis(100)) {
                // dialoguer gives an error on Ctrl-C in raw mode.
                Ok(answer) => return Ok(answer.unwrap_or(Answer::Interrupted)),
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(Answer::Interrupted),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if interrupt::requested() {
                let _ = console::Term::stderr().show_cursor();
                return Ok(Answer::Interrupted);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                let _ = console::Term::stderr().show_cursor();
                return Ok(Answer::TimedOut);
            }
        }
    }

    fn name(&self) -> &'static str {
        "terminal"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confirm() -> Prompt {
        Prompt::Confirm {
            step: "s".into(),
            text: "Run it?".into(),
        }
    }

    fn failure() -> Prompt {
        Prompt::Failure {
            step: "s".into(),
            what: "exit 1".into(),
        }
    }

    #[test]
    fn yes_confirms_but_never_retries_or_skips() {
        let mut p = NonInteractive { yes: true };
        assert_eq!(p.ask(&confirm()), Ok(Answer::Yes));
        assert_eq!(p.ask(&failure()), Ok(Answer::Abort));
        assert!(p
            .ask(&Prompt::InDoubt {
                step: "s".into(),
                what: "?".into()
            })
            .unwrap_err()
            .0
            .contains("--mark-done s"));
    }

    #[test]
    fn without_yes_every_prompt_needs_a_person() {
        let mut p = NonInteractive { yes: false };
        assert!(p.ask(&confirm()).unwrap_err().0.contains("no terminal"));
    }

    #[test]
    fn scripted_answers_in_order_then_needs_a_person() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answers");
        std::fs::write(&path, "yes\n# comment\nskip: known flaky\nswitch\n").unwrap();
        let mut p = Scripted::from_file(&path).unwrap();
        assert_eq!(p.ask(&confirm()), Ok(Answer::Yes));
        assert_eq!(p.ask(&failure()), Ok(Answer::Skip("known flaky".into())));
        let pnr = Prompt::TypeStepId {
            step: "switch".into(),
            text: "?".into(),
        };
        assert_eq!(p.ask(&pnr), Ok(Answer::Yes));
        assert!(p.ask(&confirm()).is_err());
    }
}
