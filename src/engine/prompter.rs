//! Confirmation, with three implementations: a terminal (line-based: every answer needs
//! Enter), a script of answers (tests), and non-interactive (`--yes`, or no terminal: a
//! person's decision is needed).

use std::collections::VecDeque;
use std::io::Write;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::interrupt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// Yes continues; no offers wait, skip or abort.
    Confirm { step: String, text: String },
    /// The point of no return: the operator types the step id.
    TypeStepId { step: String, text: String },
    /// An action or check failed: retry, skip (with a reason) or abort.
    Failure { step: String, what: String },
    /// An action was started before a crash and its result is unknown.
    InDoubt { step: String, what: String },
    /// The in-doubt action's process group is still running (the tool died, it did not):
    /// wait for it to end, stop it, or abort.
    Orphan { step: String, what: String },
    /// A confirmation was answered no: wait and ask again, skip (with a reason) or abort.
    Declined { step: String, text: String },
    /// Abort was chosen: asked once more (yes aborts).
    ConfirmAbort { step: String, text: String },
}

impl Prompt {
    pub fn step(&self) -> &str {
        match self {
            Prompt::Confirm { step, .. }
            | Prompt::TypeStepId { step, .. }
            | Prompt::Failure { step, .. }
            | Prompt::InDoubt { step, .. }
            | Prompt::Orphan { step, .. }
            | Prompt::Declined { step, .. }
            | Prompt::ConfirmAbort { step, .. } => step,
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Prompt::Confirm { text, .. }
            | Prompt::TypeStepId { text, .. }
            | Prompt::Declined { text, .. }
            | Prompt::ConfirmAbort { text, .. } => text,
            Prompt::Failure { what, .. }
            | Prompt::InDoubt { what, .. }
            | Prompt::Orphan { what, .. } => what,
        }
    }

    /// The same prompt with its text passed through `f` (redaction).
    pub fn redacted(&self, f: impl Fn(&str) -> String) -> Prompt {
        let mut shown = self.clone();
        match &mut shown {
            Prompt::Confirm { text, .. }
            | Prompt::TypeStepId { text, .. }
            | Prompt::Declined { text, .. }
            | Prompt::ConfirmAbort { text, .. }
            | Prompt::Failure { what: text, .. }
            | Prompt::InDoubt { what: text, .. }
            | Prompt::Orphan { what: text, .. } => *text = f(text),
        }
        shown
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
    /// Not ready yet: ask the confirmation again (an orphan: wait for it to end).
    Wait,
    /// Stop an orphaned action's process group.
    Kill,
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
            Answer::Wait => "wait".into(),
            Answer::Kill => "kill".into(),
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
            // Only a person decides over a running orphan: its text says how to stop it.
            Prompt::Orphan { step, what } => Err(NeedsDecision(format!("step `{step}`: {what}"))),
            // --yes confirms, but never gets past a failure: do not suggest it there.
            Prompt::Failure { step, what } => Err(NeedsDecision(format!(
                "step `{step}`: {what}; a person decides (retry, skip with a reason, or abort): run in a terminal, or give the decision in an --answers file"
            ))),
            other => Err(NeedsDecision(format!(
                "step `{}` needs a confirmation ({}) and there is no terminal to ask on; run in a terminal, give the answers in an --answers file, or pass --yes to answer every confirmation yes (failures still stop the run)",
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
/// rerun, wait, kill (an orphaned action still running: stop it), or a step id (for the point of no return). Blank lines and # comments are
/// skipped. After a "no" to a confirmation the next line chooses wait, skip: REASON or abort;
/// after abort, the next line confirms it (yes) or not.
pub struct Scripted {
    answers: VecDeque<String>,
}

impl Scripted {
    pub fn from_file(path: &Path) -> std::io::Result<Scripted> {
        Ok(Scripted::new(&std::fs::read_to_string(path)?))
    }

    pub fn new(text: &str) -> Scripted {
        Scripted {
            answers: text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string)
                .collect(),
        }
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
            (_, "wait") => Answer::Wait,
            (_, "kill") => Answer::Kill,
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

/// The terminal, line by line: every answer needs Enter, an empty line is not an answer,
/// and input typed before the question appears (during a wait) is discarded. Each read
/// runs on its own thread so that Ctrl-C and `--prompt-timeout` can end the wait.
pub struct Terminal {
    pub timeout: Option<Duration>,
}

/// Discard whatever was typed but not yet read (type-ahead during a wait or an action).
pub fn discard_pending_input() {
    unsafe {
        libc::tcflush(libc::STDIN_FILENO, libc::TCIFLUSH);
    }
}

/// One line from the terminal (canonical mode: the kernel hands it over on Enter), without
/// its newline; None at end of input or on an error.
fn read_line() -> Option<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        let n = unsafe { libc::read(libc::STDIN_FILENO, byte.as_mut_ptr().cast(), 1) };
        if n == 1 {
            if byte[0] == b'\n' {
                break;
            }
            line.push(byte[0]);
        } else if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
        {
            continue;
        } else {
            // End of input (0) or an error.
            return None;
        }
    }
    Some(String::from_utf8_lossy(&line).trim().to_string())
}

/// Questions go to the terminal (stderr, or /dev/tty when stderr is a pipe: `2>&1 | tee`).
fn show(text: &str) {
    let mut terminal = crate::output::terminal();
    let _ = write!(terminal, "{text}");
    let _ = terminal.flush();
}

/// Ask on the terminal until an answer parses; None when input ended.
fn ask_until<T>(question: &str, again: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
    loop {
        discard_pending_input();
        show(question);
        let line = read_line()?;
        if let Some(answer) = parse(&line) {
            return Some(answer);
        }
        show(&format!("{again}\n"));
    }
}

fn choose(text: &str, choices: &[&str]) -> Option<usize> {
    let mut question = format!("{text}\n");
    for (i, choice) in choices.iter().enumerate() {
        question.push_str(&format!("  {}) {choice}\n", i + 1));
    }
    question.push_str(&format!("Choose 1-{} and press Enter: ", choices.len()));
    ask_until(
        &question,
        &format!("Type a number from 1 to {}, then Enter.", choices.len()),
        |line| {
            let n: usize = line.parse().ok()?;
            (1..=choices.len()).contains(&n).then(|| n - 1)
        },
    )
}

fn yes_no(text: &str) -> Option<Answer> {
    ask_until(
        &format!("{text} [y/N] "),
        "Type y or n, then Enter.",
        |line| match line.to_lowercase().as_str() {
            "y" | "yes" => Some(Answer::Yes),
            "n" | "no" => Some(Answer::No),
            _ => None,
        },
    )
}

fn reason() -> Option<Answer> {
    ask_until(
        "Reason for skipping (journaled): ",
        "A skip needs a reason.",
        |line| (!line.is_empty()).then(|| Answer::Skip(line.to_string())),
    )
}

fn dialog(prompt: Prompt) -> Option<Answer> {
    match prompt {
        Prompt::Confirm { text, .. } | Prompt::ConfirmAbort { text, .. } => yes_no(&text),
        Prompt::TypeStepId { step, text } => ask_until(
            &format!("{text}\nType the step id `{step}` and press Enter to continue: "),
            "Type the step id, then Enter.",
            |typed| {
                (!typed.is_empty()).then(|| {
                    if typed == step {
                        Answer::Yes
                    } else {
                        Answer::No
                    }
                })
            },
        ),
        Prompt::Failure { what, .. } => {
            match choose(
                &what,
                &["retry", "skip this step (give a reason)", "abort the run"],
            )? {
                0 => Some(Answer::Retry),
                1 => reason(),
                _ => Some(Answer::Abort),
            }
        }
        Prompt::InDoubt { what, .. } => {
            let choice = choose(&what, &["mark it done", "run it again", "abort"])?;
            Some([Answer::MarkDone, Answer::Rerun, Answer::Abort][choice].clone())
        }
        Prompt::Orphan { what, .. } => {
            let choice = choose(
                &what,
                &[
                    "wait for it to end",
                    "stop it (SIGTERM, then SIGKILL)",
                    "abort",
                ],
            )?;
            Some([Answer::Wait, Answer::Kill, Answer::Abort][choice].clone())
        }
        Prompt::Declined { text, .. } => {
            match choose(
                &text,
                &[
                    "wait, and ask again",
                    "skip this step (give a reason)",
                    "abort the run",
                ],
            )? {
                0 => Some(Answer::Wait),
                1 => reason(),
                _ => Some(Answer::Abort),
            }
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
                // End of input: no one can answer.
                Ok(answer) => return Ok(answer.unwrap_or(Answer::Interrupted)),
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(Answer::Interrupted),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if interrupt::requested() {
                show("\n");
                return Ok(Answer::Interrupted);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                show("\n");
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
