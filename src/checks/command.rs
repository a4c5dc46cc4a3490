//! `command`: a shell command as a check. It is not read-only: whatever it does, it does.
//! It runs through the one process runner (`process`, also the engine's): its own process group, killed as a
//! whole at its timeout or at the step's deadline.

use std::time::{Duration, Instant};

use super::{Item, ItemStatus, Outcome, Status};
use crate::process::{self as action, OnInterrupt, Process};
use crate::runbook::Secrets;

/// Output kept for the evidence (the tail, where errors usually are).
const KEEP: usize = 2000;

pub fn run(command: &str, expect_exit: i32, timeout: Duration) -> Outcome {
    run_until(command, expect_exit, timeout, None)
}

/// As `run`, cancelled at `deadline` (the step's) if it is still running then.
pub fn run_until(
    command: &str,
    expect_exit: i32,
    timeout: Duration,
    deadline: Option<Instant>,
) -> Outcome {
    // The caller redacts the outcome; the runner needs no secrets of its own here.
    let secrets = Secrets::default();
    let finished = match action::run(&Process {
        command,
        env: Vec::new(),
        timeout,
        deadline,
        log: None,
        echo: None,
        secrets: &secrets,
        on_interrupt: OnInterrupt::Stop,
    }) {
        Ok(finished) => finished,
        Err(e) => return Outcome::error(format!("cannot start sh: {e}")),
    };
    if finished.cancelled || (finished.interrupted && finished.exit.is_none()) {
        let reason = if finished.cancelled {
            super::CANCELLED
        } else {
            "stopped by Ctrl-C"
        };
        return Outcome {
            status: Status::Error,
            summary: format!("`{command}` {reason}"),
            items: vec![Item::new(ItemStatus::Error)
                .field("exit", None::<i32>)
                .field("output", tail(&finished.output))
                .reason(reason)],
            progress: Default::default(),
        };
    }
    let output = if finished.output_cut || finished.leftovers_terminated {
        format!("{}[cutover] {}", finished.output, action::note(&finished))
    } else {
        finished.output.clone()
    };
    let status = (!finished.timed_out).then_some(finished.exit);
    let tail = tail(&output);
    let item = |status: ItemStatus, code: Option<i32>, reason: String| {
        Item::new(status)
            .field("exit", code)
            .field("output", tail.clone())
            .reason(reason)
    };
    match status {
        None => {
            let reason = format!("timed out after {}", humantime::format_duration(timeout));
            Outcome {
                status: Status::Error,
                summary: format!("`{command}` {reason}"),
                items: vec![item(ItemStatus::Error, None, reason)],
                progress: Default::default(),
            }
        }
        Some(None) => Outcome {
            status: Status::Error,
            summary: format!("`{command}` was killed by a signal"),
            items: vec![item(ItemStatus::Error, None, "killed by a signal".into())],
            progress: Default::default(),
        },
        Some(Some(code)) if code == expect_exit => Outcome {
            status: Status::Pass,
            summary: format!("`{command}` exited {code}"),
            items: vec![item(
                ItemStatus::Pass,
                Some(code),
                format!("exited {code} as expected"),
            )],
            progress: Default::default(),
        },
        Some(Some(code @ (126 | 127))) => Outcome {
            status: Status::Error,
            summary: format!(
                "`{command}` could not run (exit {code}: command not found or not executable)"
            ),
            items: vec![item(ItemStatus::Error, Some(code), format!("exit {code}"))],
            progress: Default::default(),
        },
        Some(Some(code)) => Outcome {
            status: Status::Fail,
            summary: format!("`{command}` exited {code}, expected {expect_exit}"),
            items: vec![item(
                ItemStatus::Fail,
                Some(code),
                format!("exited {code}, expected {expect_exit}"),
            )],
            progress: Default::default(),
        },
    }
}

fn tail(text: &str) -> String {
    let text = text.trim_end();
    if text.len() <= KEEP {
        return text.to_string();
    }
    let mut cut = text.len() - KEEP;
    while !text.is_char_boundary(cut) {
        cut += 1;
    }
    format!("...{}", &text[cut..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_map_to_verdicts() {
        let t = Duration::from_secs(5);
        assert_eq!(run("exit 0", 0, t).status, Status::Pass);
        assert_eq!(run("exit 3", 3, t).status, Status::Pass);
        assert_eq!(run("echo nope >&2; exit 1", 0, t).status, Status::Fail);
        assert_eq!(run("exit 1", 0, t).items[0].extra["exit"], 1);
        assert_eq!(run("no-such-command-cutover", 0, t).status, Status::Error);
        assert_eq!(
            run("sleep 5", 0, Duration::from_millis(200)).status,
            Status::Error
        );
    }

    #[test]
    fn a_timeout_ends_the_whole_group_in_bounded_time() {
        let started = Instant::now();
        let outcome = run("true; sleep 30", 0, Duration::from_millis(500));
        assert_eq!(outcome.status, Status::Error);
        assert!(outcome.summary.contains("timed out"), "{}", outcome.summary);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn the_step_deadline_cancels_it() {
        let outcome = run_until(
            "sleep 30",
            0,
            Duration::from_secs(60),
            Some(Instant::now() + Duration::from_millis(200)),
        );
        assert_eq!(outcome.status, Status::Error);
        assert!(outcome.summary.contains("deadline"), "{}", outcome.summary);
    }

    #[test]
    fn output_is_kept_as_evidence() {
        let outcome = run(
            "echo hello; echo there >&2; exit 1",
            0,
            Duration::from_secs(5),
        );
        let output = outcome.items[0].extra["output"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            output.contains("hello") && output.contains("there"),
            "{output}"
        );
    }
}
