//! Shell actions: `sh -c` in its own process group, with a timeout, output streamed to the
//! operator and saved to the run directory. Runbook values reach the command only as
//! environment variables, never spliced into its text.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::interrupt;
use crate::runbook::Secrets;

/// How long an interrupted or timed-out action gets between SIGTERM and SIGKILL, and how
/// long an action may go on finishing after Ctrl-C before it is terminated.
pub const GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionOutcome {
    /// None when killed by a signal (a timeout or an interrupt).
    pub exit: Option<i32>,
    pub timed_out: bool,
    pub interrupted: bool,
    pub duration: Duration,
}

impl ActionOutcome {
    pub fn succeeded(&self) -> bool {
        self.exit == Some(0) && !self.timed_out
    }

    pub fn describe(&self) -> String {
        if self.timed_out {
            "timed out".into()
        } else {
            match self.exit {
                Some(code) => format!("exited {code}"),
                None => "was killed by a signal".into(),
            }
        }
    }
}

pub struct Action<'a> {
    pub command: &'a str,
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
    pub log: &'a Path,
    /// Each output line is written to stderr with this prefix, or not at all when None.
    pub echo: Option<&'a str>,
    pub secrets: &'a Secrets,
}

fn signal_group(pid: u32, signal: i32) {
    // The child leads its own process group (process_group(0)), so -pid reaches every
    // process the command started.
    unsafe {
        libc::kill(-(pid as i32), signal);
    }
}

pub fn run(action: &Action<'_>) -> std::io::Result<ActionOutcome> {
    let started = Instant::now();
    let log = Arc::new(Mutex::new(File::create(action.log)?));
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(action.command)
        .envs(action.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()?;
    let pid = child.id();
    let copy = |stream: Box<dyn std::io::Read + Send>, log: Arc<Mutex<File>>| {
        let echo = action.echo.map(str::to_string);
        let secrets = action.secrets.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                let line = secrets.redact(&line);
                if let Ok(mut file) = log.lock() {
                    let _ = writeln!(file, "{line}");
                }
                if let Some(prefix) = &echo {
                    eprintln!("{prefix}{line}");
                }
            }
        })
    };
    let out = copy(
        Box::new(child.stdout.take().expect("piped")),
        Arc::clone(&log),
    );
    let err = copy(
        Box::new(child.stderr.take().expect("piped")),
        Arc::clone(&log),
    );

    let deadline = started + action.timeout;
    let mut timed_out = false;
    let mut interrupted_at: Option<Instant> = None;
    let mut terminated_at: Option<Instant> = None;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        let now = Instant::now();
        if interrupted_at.is_none() && interrupt::requested() {
            interrupted_at = Some(now);
            eprintln!(
                "interrupted: letting the action finish for up to {}s before terminating it",
                GRACE.as_secs()
            );
        }
        let stop =
            (now >= deadline && !timed_out) || interrupted_at.is_some_and(|at| now >= at + GRACE);
        if stop && terminated_at.is_none() {
            timed_out = now >= deadline;
            signal_group(pid, libc::SIGTERM);
            terminated_at = Some(now);
        }
        if terminated_at.is_some_and(|at| now >= at + GRACE) {
            signal_group(pid, libc::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    let _ = out.join();
    let _ = err.join();
    Ok(ActionOutcome {
        exit: status.code(),
        timed_out,
        interrupted: interrupted_at.is_some(),
        duration: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(command: &str, timeout: Duration) -> (ActionOutcome, String) {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.log");
        let mut secrets = Secrets::default();
        secrets.add("s3cret");
        let outcome = run(&Action {
            command,
            env: vec![("CUTOVER_STEP_ID".into(), "stop-producers".into())],
            timeout,
            log: &log,
            echo: None,
            secrets: &secrets,
        })
        .unwrap();
        (outcome, std::fs::read_to_string(&log).unwrap())
    }

    #[test]
    fn runs_with_the_step_environment_and_logs_redacted_output() {
        let (outcome, log) = run_with(
            "echo step=$CUTOVER_STEP_ID pw=s3cret; exit 3",
            Duration::from_secs(5),
        );
        assert_eq!(outcome.exit, Some(3));
        assert!(!outcome.succeeded());
        assert_eq!(log, "step=stop-producers pw=***\n");
    }

    #[test]
    fn a_timeout_kills_the_whole_process_group() {
        let (outcome, _) = run_with("sleep 30 & sleep 30; wait", Duration::from_millis(300));
        assert!(outcome.timed_out);
        assert!(outcome.duration < Duration::from_secs(5));
    }
}
