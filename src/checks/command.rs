//! `command`: a shell command as a check. It is not read-only: whatever it does, it does.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Item, ItemStatus, Outcome, Status};

/// Output kept for the evidence (the tail, where errors usually are).
const KEEP: usize = 2000;

pub fn run(command: &str, expect_exit: i32, timeout: Duration) -> Outcome {
    let child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return Outcome::error(format!("cannot start sh: {e}")),
    };
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Outcome::error(format!("waiting for the command: {e}")),
        }
    };
    let output = format!(
        "{}{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    let tail = tail(&output);
    let item = |status: ItemStatus, code: Option<i32>, reason: String| {
        Item::new(status)
            .field("exit", code)
            .field("output", tail.clone())
            .reason(reason)
    };
    match status.map(|s| s.code()) {
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
    fn output_is_kept_as_evidence() {
        let outcome = run(
            "echo hello; echo there >&2; exit 1",
            0,
            Duration::from_secs(5),
        );
        assert_eq!(outcome.items[0].extra["output"], "hello\nthere");
    }
}
