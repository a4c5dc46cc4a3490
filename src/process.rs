//! The one process runner, for actions and for `command` checks: `sh -c` in its own process
//! group, a timeout (the whole group gets SIGTERM, then SIGKILL after a short grace), output
//! streamed to the operator and saved to the run directory. Runbook values reach the command
//! only as environment variables, never spliced into its text.
//!
//! The result is the shell's: once it exits, its output is read for at most
//! [`OUTPUT_WAIT`] more (a background child holding the pipe never holds the run; the log
//! says the output was cut), and processes it left behind in its group are terminated, so
//! nothing the tool starts outlives its step. A command that must leave a process running
//! starts it in a session of its own (`setsid`).

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::interrupt;
use crate::runbook::Secrets;

/// How long an action may go on finishing after a (first) Ctrl-C before it is terminated.
pub const GRACE: Duration = Duration::from_secs(10);
/// Between SIGTERM and SIGKILL to a process group.
pub const TERM_GRACE: Duration = Duration::from_secs(2);
/// How long output is still read after the shell exited.
pub const OUTPUT_WAIT: Duration = Duration::from_secs(1);
/// Output kept in memory for evidence (the tail, where errors usually are).
const KEEP: usize = 16 * 1024;

/// What a first Ctrl-C does to the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnInterrupt {
    /// Let it finish for up to this long, then terminate it (an action).
    Finish(Duration),
    /// Terminate it now (a check: it proves nothing once the run stops).
    Stop,
}

pub struct Process<'a> {
    pub command: &'a str,
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
    /// Cancelled at this moment if still running (the step's deadline of a poll round).
    pub deadline: Option<Instant>,
    /// Each output line is appended here (redacted).
    pub log: Option<&'a Path>,
    /// Each output line is written to stderr with this prefix, or not at all when None.
    pub echo: Option<&'a str>,
    pub secrets: &'a Secrets,
    pub on_interrupt: OnInterrupt,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Finished {
    /// The shell's exit code; None when it was killed by a signal.
    pub exit: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    /// Stopped at `deadline`.
    pub cancelled: bool,
    /// A Ctrl-C came while it ran.
    pub interrupted: bool,
    /// A second Ctrl-C: terminated at once, its effect unknown.
    pub abandoned: bool,
    /// The shell exited but something still held its output: not read to the end.
    pub output_cut: bool,
    /// Processes the shell left running in its group were terminated after it exited.
    pub leftovers_terminated: bool,
    /// The tail of stdout and stderr, redacted, in the order read.
    pub output: String,
    pub duration: Duration,
}

fn signal_group(pid: u32, signal: i32) {
    // The child leads its own process group (process_group(0)), so -pid reaches every
    // process the command started.
    unsafe {
        libc::kill(-(pid as i32), signal);
    }
}

fn group_alive(pid: u32) -> bool {
    unsafe { libc::kill(-(pid as i32), 0) == 0 }
}

/// Fields of `/proc/PID/stat` after the command name (which may hold spaces and parens):
/// index 0 is field 3 (state), 2 is field 5 (pgrp), 19 is field 22 (starttime).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// When process `pid` started, in clock ticks since boot (`/proc/PID/stat` starttime).
pub fn start_time(pid: u32) -> Option<u64> {
    stat_fields(pid)?.get(19)?.parse().ok()
}

/// This boot's id: a start time is only comparable within one boot.
pub fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The process group `pgid` started at `started` (its leader's start time) in boot `boot`
/// still has a process. Its leader, while it lives, must have that start time (else the pid
/// was recycled); once the leader is gone, Linux does not hand its pid out again while any
/// process of the group lives, so a member with that process group is the same group.
/// A journaled action's process group still runs (see [`group_running`]).
pub fn still_running(process: &crate::journal::rundir::ActionProcess) -> bool {
    group_running(process.pgid, process.start_time, &process.boot_id)
}

pub fn group_running(pgid: u32, started: u64, boot: &str) -> bool {
    if !boot.is_empty() && boot != boot_id() {
        return false;
    }
    if !group_alive(pgid) {
        return false;
    }
    // The group's processes that still run (a zombie has ended: its parent died with the
    // tool and nobody reaped it yet).
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, stat_fields(pid)?)))
        .filter(|(_, f)| {
            f.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(pgid)
                && !matches!(f.first().map(String::as_str), Some("Z" | "X"))
        })
        .any(|(pid, f)| {
            // The leader must be the process that was started (0: not read then).
            pid != pgid || started == 0 || f.get(19).and_then(|t| t.parse().ok()) == Some(started)
        })
}

/// Stop an orphaned action's group: SIGTERM, then SIGKILL after [`TERM_GRACE`].
pub fn stop_group(pgid: u32) {
    end_group(pgid, TERM_GRACE);
}

/// SIGTERM to the group, then SIGKILL if any of it is still there after `grace`.
fn end_group(pid: u32, grace: Duration) {
    signal_group(pid, libc::SIGTERM);
    let until = Instant::now() + grace;
    while group_alive(pid) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    if group_alive(pid) {
        signal_group(pid, libc::SIGKILL);
    }
}

pub fn run(process: &Process<'_>) -> std::io::Result<Finished> {
    run_reporting(process, &mut |_| {})
}

/// [`run`], telling `started` the process group id as soon as the shell is started (the
/// engine journals it, so a resume after a crash can find an orphaned action).
pub fn run_reporting(
    process: &Process<'_>,
    on_start: &mut dyn FnMut(u32),
) -> std::io::Result<Finished> {
    use std::os::unix::process::ExitStatusExt;
    let started = Instant::now();
    let log = match process.log {
        Some(path) => Some(Arc::new(Mutex::new(File::create(path)?))),
        None => None,
    };
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(process.command)
        .envs(process.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()?;
    let pid = child.id();
    interrupt::set_child_group(pid as i32);
    on_start(pid);
    let captured = Arc::new(Mutex::new(String::new()));
    let (done_send, done) = mpsc::channel::<()>();
    let copy = |stream: Box<dyn std::io::Read + Send>| {
        let echo = process.echo.map(str::to_string);
        let secrets = process.secrets.clone();
        let log = log.clone();
        let captured = Arc::clone(&captured);
        let done_send = done_send.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut bytes = Vec::new();
            loop {
                bytes.clear();
                match reader.read_until(b'\n', &mut bytes) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let text = String::from_utf8_lossy(&bytes);
                let line = secrets.redact(text.trim_end_matches(['\n', '\r']));
                if let Some(log) = &log {
                    if let Ok(mut file) = log.lock() {
                        let _ = writeln!(file, "{line}");
                    }
                }
                if let Ok(mut kept) = captured.lock() {
                    kept.push_str(&line);
                    kept.push('\n');
                    if kept.len() > 2 * KEEP {
                        let mut cut = kept.len() - KEEP;
                        while !kept.is_char_boundary(cut) {
                            cut += 1;
                        }
                        kept.drain(..cut);
                    }
                }
                if let Some(prefix) = &echo {
                    crate::output::line(&format!("{prefix}{line}"));
                }
            }
            let _ = done_send.send(());
        });
    };
    copy(Box::new(child.stdout.take().expect("piped")));
    copy(Box::new(child.stderr.take().expect("piped")));
    drop(done_send);

    let timeout_at = started + process.timeout;
    let mut finished = Finished::default();
    let mut interrupted_at: Option<Instant> = None;
    let mut terminated_at: Option<Instant> = None;
    let mut killed = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                end_group(pid, TERM_GRACE);
                let _ = child.wait();
                interrupt::clear_child_group();
                return Err(e);
            }
        }
        let now = Instant::now();
        if interrupted_at.is_none() && interrupt::requested() {
            interrupted_at = Some(now);
            finished.interrupted = true;
            if let OnInterrupt::Finish(grace) = process.on_interrupt {
                eprintln!(
                    "interrupted: letting the action finish for up to {}s before terminating it (Ctrl-C again to stop it now)",
                    grace.as_secs()
                );
            }
        }
        if terminated_at.is_none() {
            let stop = if interrupt::hard() {
                finished.abandoned = true;
                true
            } else if now >= timeout_at {
                finished.timed_out = true;
                true
            } else if process.deadline.is_some_and(|d| now >= d) {
                finished.cancelled = true;
                true
            } else {
                match (interrupted_at, process.on_interrupt) {
                    (Some(_), OnInterrupt::Stop) => true,
                    (Some(at), OnInterrupt::Finish(grace)) => now >= at + grace,
                    (None, _) => false,
                }
            };
            if stop {
                signal_group(pid, libc::SIGTERM);
                terminated_at = Some(now);
            }
        } else if interrupt::hard() && !finished.abandoned {
            finished.abandoned = true;
        }
        let grace = if finished.abandoned {
            Duration::from_secs(1)
        } else {
            TERM_GRACE
        };
        if !killed && terminated_at.is_some_and(|at| now >= at + grace) {
            signal_group(pid, libc::SIGKILL);
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The shell is gone. Its output gets a moment more; then whatever it left running in
    // its group is terminated, so no background child outlives the step.
    let output_deadline = Instant::now() + OUTPUT_WAIT;
    let mut readers = 2;
    while readers > 0 {
        let left = output_deadline.saturating_duration_since(Instant::now());
        match done.recv_timeout(left) {
            Ok(()) => readers -= 1,
            Err(_) => break,
        }
    }
    if group_alive(pid) {
        finished.leftovers_terminated = true;
        end_group(pid, TERM_GRACE);
    }
    interrupt::clear_child_group();
    if readers > 0 {
        // Killing the group closes its pipes: read what arrived meanwhile, briefly.
        let until = Instant::now() + Duration::from_millis(200);
        while readers > 0 {
            match done.recv_timeout(until.saturating_duration_since(Instant::now())) {
                Ok(()) => readers -= 1,
                Err(_) => break,
            }
        }
        finished.output_cut = readers > 0;
    }
    if finished.leftovers_terminated || finished.output_cut {
        let note = note(&finished);
        if let Some(log) = &log {
            if let Ok(mut file) = log.lock() {
                let _ = writeln!(file, "[cutover] {note}");
            }
        }
        if process.echo.is_some() {
            crate::output::line(&format!("  [cutover] {note}"));
        }
    }
    finished.exit = status.code();
    finished.signal = status.signal();
    finished.output = captured.lock().map(|c| c.clone()).unwrap_or_default();
    finished.duration = started.elapsed();
    Ok(finished)
}

/// What happened to a finished shell's background processes and output, in words.
pub fn note(finished: &Finished) -> String {
    match (finished.leftovers_terminated, finished.output_cut) {
        (true, true) => "the shell exited but processes it started kept running and held its output: they were terminated and the output was cut (start a process that must keep running with setsid)".into(),
        (true, false) => "the shell exited but processes it started kept running: they were terminated (start a process that must keep running with setsid)".into(),
        (false, true) => "the shell exited but something still held its output: the output was cut".into(),
        (false, false) => String::new(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionOutcome {
    /// None when killed by a signal (a timeout or an interrupt).
    pub exit: Option<i32>,
    pub timed_out: bool,
    pub interrupted: bool,
    /// A second Ctrl-C terminated it: its effect is unknown (in doubt).
    pub abandoned: bool,
    /// What the log says about cut output or terminated background processes.
    pub note: Option<String>,
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

/// A step's action through the process runner; `started` gets its process group id.
pub fn run_action(
    action: &Action<'_>,
    started: &mut dyn FnMut(u32),
) -> std::io::Result<ActionOutcome> {
    let finished = run_reporting(
        &Process {
            command: action.command,
            env: action.env.clone(),
            timeout: action.timeout,
            deadline: None,
            log: Some(action.log),
            echo: action.echo,
            secrets: action.secrets,
            on_interrupt: OnInterrupt::Finish(GRACE),
        },
        started,
    )?;
    let note = (finished.output_cut || finished.leftovers_terminated).then(|| note(&finished));
    Ok(ActionOutcome {
        exit: finished.exit,
        timed_out: finished.timed_out,
        interrupted: finished.interrupted,
        abandoned: finished.abandoned,
        note,
        duration: finished.duration,
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
        let outcome = run_action(
            &Action {
                command,
                env: vec![("CUTOVER_STEP_ID".into(), "stop-producers".into())],
                timeout,
                log: &log,
                echo: None,
                secrets: &secrets,
            },
            &mut |_| {},
        )
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

    #[test]
    fn a_background_child_does_not_hold_the_result_and_is_terminated() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let command = format!("sleep 30 & echo $! > {}; echo started", pid_file.display());
        let (outcome, log) = run_with(&command, Duration::from_secs(20));
        assert_eq!(outcome.exit, Some(0));
        assert!(outcome.duration < Duration::from_secs(5), "{outcome:?}");
        assert!(log.starts_with("started\n[cutover] "), "{log}");
        assert!(outcome.note.unwrap().contains("terminated"));
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let alive = unsafe { libc::kill(pid, 0) } == 0;
        assert!(!alive, "the background sleep outlived the action");
    }

    #[test]
    fn a_deadline_cancels_a_running_command() {
        let secrets = Secrets::default();
        let finished = run(&Process {
            command: "sleep 30",
            env: Vec::new(),
            timeout: Duration::from_secs(60),
            deadline: Some(Instant::now() + Duration::from_millis(300)),
            log: None,
            echo: None,
            secrets: &secrets,
            on_interrupt: OnInterrupt::Stop,
        })
        .unwrap();
        assert!(finished.cancelled && !finished.timed_out, "{finished:?}");
        assert!(finished.duration < Duration::from_secs(3));
    }

    #[test]
    fn a_running_group_is_known_by_its_start_time_not_by_its_pid_alone() {
        let mut child = Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap();
        let pid = child.id();
        let started = start_time(pid).unwrap();
        let boot = boot_id();
        assert!(group_running(pid, started, &boot));
        // The same pid with another start time is a recycled pid: not the action.
        assert!(!group_running(pid, started + 1, &boot));
        assert!(!group_running(pid, started, "another-boot"));
        stop_group(pid);
        let _ = child.wait();
        assert!(!group_running(pid, started, &boot));
    }
}
