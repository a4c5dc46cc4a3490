//! Issue 13 (the rest) and issue 15's terminal part: orphaned actions, the transcript on
//! stdout, prompts on the terminal, `waiting:` lines, closed pipes, hints run as printed.
//! No broker: the runbooks' checks are `command` checks, so the clusters are never asked.

use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{journal_events, lines, user_state_dir, write, Test};

fn runbook(dir: &Path, name: &str, defaults: &str, steps: &str) -> PathBuf {
    write(
        dir,
        name,
        &format!(
            "version: 1\nname: {name}\nclusters:\n  source: {{ bootstrap: '127.0.0.1:1' }}\n  target: {{ bootstrap: '127.0.0.1:2' }}\ndefaults:\n  poll_interval: 1s\n  timeout: 30s\n{defaults}tiers:\n  - name: t\n    steps:\n{steps}"
        ),
    )
}

/// A command check that fails on its first two polls and passes on the third.
const THIRD_POLL: &str =
    "n=$(cat polls 2>/dev/null || echo 0); echo $((n+1)) > polls; test $n -ge 2";

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
    command.env("NO_COLOR", "1").env_remove("CUTOVER_STATE_DIR");
    command
}

/// Run a hint exactly as printed, with `sh -c`, from another directory (`/`), with the same
/// per-user state directory as the tool had.
fn run_hint(hint: &str, dir: &Path) -> std::process::Output {
    let out = Command::new("sh")
        .arg("-c")
        .arg(hint)
        .current_dir("/")
        .env("CUTOVER_USER_STATE_DIR", user_state_dir(dir))
        .env_remove("CUTOVER_STATE_DIR")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    out
}

/// The text after `marker` on the first line that holds it.
fn after<'a>(text: &'a str, marker: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.split_once(marker).map(|(_, rest)| rest.trim()))
        .unwrap_or_else(|| panic!("no `{marker}` in:\n{text}"))
}

/// A process of group `pgid` still runs (a zombie has ended: nobody may reap an orphan's
/// children quickly in a container).
fn group_alive(pgid: i32) -> bool {
    std::fs::read_dir("/proc").unwrap().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.unwrap().path().join("stat")) else {
            return false;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return false;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        fields.get(2) == Some(&pgid.to_string().as_str()) && fields[0] != "Z"
    })
}

/// Start `run --yes` of `book` in `dir`, wait until its action's process group is journaled,
/// kill -9 the tool, and return the group id (still running).
fn orphaned(dir: &Path, book: &Path) -> i32 {
    let mut tool = binary()
        .args(["run", book.to_str().unwrap(), "--yes"])
        .current_dir(dir)
        .env("CUTOVER_USER_STATE_DIR", user_state_dir(dir))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let pgid = loop {
        if let Some(e) = journal_events(dir)
            .into_iter()
            .find(|e| e["event"] == "action_started")
        {
            assert!(e["start_time"].as_u64().unwrap() > 0, "{e}");
            break e["pgid"].as_i64().unwrap() as i32;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no action");
        std::thread::sleep(Duration::from_millis(50));
    };
    tool.kill().unwrap(); // SIGKILL
    tool.wait().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(group_alive(pgid), "the action died with the tool");
    pgid
}

/// A person at the orphan question: `wait` waits until the group ends, `kill` stops it; then
/// the in-doubt question is asked as usual.
#[test]
fn the_orphan_question_waits_for_the_group_or_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let book = runbook(
        dir.path(),
        "wait.yaml",
        "",
        "      - id: slow
        run: sleep 3; echo slow >> out.txt
        undo: 'true'
",
    );
    let pgid = orphaned(dir.path(), &book);
    let answers = write(
        dir.path(),
        "answers",
        "wait
mark-done
",
    );
    let out = Test::new()
        .current_dir(dir.path())
        .args(["resume", "--answers", answers.to_str().unwrap()])
        .run()
        .expect_code(0);
    assert!(!group_alive(pgid), "{}", out.all());
    assert_eq!(
        lines(&dir.path().join("out.txt")),
        ["slow"],
        "it ran to its end"
    );

    let dir = tempfile::tempdir().unwrap();
    let book = runbook(
        dir.path(),
        "kill.yaml",
        "",
        "      - id: long
        run: test -f again || sleep 120
        undo: 'true'
        run_timeout: 5m
",
    );
    let pgid = orphaned(dir.path(), &book);
    std::fs::write(dir.path().join("again"), "").unwrap();
    let answers = write(
        dir.path(),
        "answers",
        "kill
rerun
",
    );
    let out = Test::new()
        .current_dir(dir.path())
        .args(["resume", "--answers", answers.to_str().unwrap()])
        .run()
        .expect_code(0);
    assert!(!group_alive(pgid), "{}", out.all());
    let choices: Vec<String> = journal_events(dir.path())
        .iter()
        .filter(|e| e["event"] == "decision")
        .map(|e| e["choice"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(choices, ["kill", "rerun"]);
}

/// Issue 13 (5): kill -9 of the tool during a long action leaves its process group running.
/// A resume reports it (pgid and the command that stops it), `--yes` does not decide over
/// it (exit 10), and `--rerun` is refused while it lives (exit 5). The kill command and the
/// resume hint work as printed.
#[test]
fn an_orphaned_action_is_reported_and_rerun_refused_while_it_lives() {
    let dir = tempfile::tempdir().unwrap();
    let book = runbook(
        dir.path(),
        "orphan.yaml",
        "",
        "      - id: long\n        run: test -f again || sleep 120\n        run_timeout: 5m\n        undo: 'true'\n",
    );
    let pgid = orphaned(dir.path(), &book);

    let out = Test::new()
        .current_dir(dir.path())
        .args(["resume", "--yes"])
        .run()
        .expect_code(10);
    let all = format!("{}{}", out.stdout, out.stderr);
    let kill = format!("kill -TERM -{pgid}");
    assert!(
        all.contains(&format!("still running as process group {pgid}")) && all.contains(&kill),
        "{all}"
    );
    let resume_hint = after(&out.stdout, "Resume with: ").to_string();
    let status = Test::new()
        .current_dir(dir.path())
        .args(["status"])
        .run()
        .expect_code(0);
    assert!(
        status
            .stdout
            .contains(&format!("still running as process group {pgid}")),
        "{}",
        status.stdout
    );

    let out = Test::new()
        .current_dir(dir.path())
        .args(["resume", "--rerun", "long", "--yes"])
        .run()
        .expect_code(5);
    assert!(
        out.stderr.contains("--rerun long refused") && out.stderr.contains(&kill),
        "{}",
        out.stderr
    );
    let attempts = journal_events(dir.path())
        .iter()
        .filter(|e| e["event"] == "action_intent")
        .count();
    assert_eq!(attempts, 1, "a second attempt started beside the orphan");
    assert!(group_alive(pgid));

    // The kill command as printed stops the group; then the resume hint as printed works.
    let stopped = run_hint(after(&out.stderr, "stop it with: "), dir.path());
    assert!(stopped.status.success(), "{stopped:?}");
    let until = Instant::now() + Duration::from_secs(5);
    while group_alive(pgid) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !group_alive(pgid),
        "the kill command did not stop the group"
    );
    std::fs::write(dir.path().join("again"), "").unwrap();
    let resumed = run_hint(&format!("{resume_hint} --rerun long --yes"), dir.path());
    assert_eq!(resumed.status.code(), Some(0), "{resumed:?}");
}

/// `run --yes | tee log`: the transcript (step header, action output, each check result
/// once, outcome) is on stdout; progress is on stderr as `waiting:` lines (stderr is not a
/// terminal), every `progress_interval`.
#[test]
fn the_transcript_is_on_stdout_with_each_result_once_and_waiting_lines_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let book = runbook(
        dir.path(),
        "tee.yaml",
        "  progress_interval: 1s\n",
        &format!("      - id: act\n        run: echo acted\n        undo: 'true'\n        verifies:\n          - kind: command\n            run: '{THIRD_POLL}'\n"),
    );
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", book.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    for part in [
        "== Step 1/1: act",
        "$ echo acted",
        "  | acted",
        "finished: every step is done",
    ] {
        assert!(out.stdout.contains(part), "{part}:\n{}", out.stdout);
    }
    let results: Vec<&str> = out
        .stdout
        .lines()
        .chain(out.stderr.lines())
        .filter(|l| l.trim_start().starts_with("PASS command"))
        .collect();
    assert_eq!(results.len(), 1, "{}\n---\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("PASS command"));
    let waiting: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("waiting: FAIL command"))
        .collect();
    assert!(waiting.len() >= 2, "{}", out.stderr);
    assert!(!out.stdout.contains("waiting:"), "{}", out.stdout);
}

fn pty_command(shell: &str, dir: &Path, term: &str) -> Command {
    let mut command = Command::new("sh");
    command
        .args(["-c", shell])
        .current_dir(dir)
        .env("CUTOVER_USER_STATE_DIR", user_state_dir(dir))
        .env("NO_COLOR", "1")
        .env("TERM", term);
    command
}

/// `cutover run X 2>&1 | tee log` in a terminal: stdin is the terminal, so the tool still
/// asks (on the terminal), and the log gets the transcript.
#[test]
fn with_stdout_and_stderr_piped_into_tee_a_terminal_still_prompts() {
    let dir = tempfile::tempdir().unwrap();
    let book = runbook(
        dir.path(),
        "tee.yaml",
        "",
        "      - id: act\n        run: echo acted > out.txt\n        undo: 'true'\n",
    );
    let shell = format!(
        "{} run {} 2>&1 | tee log",
        env!("CARGO_BIN_EXE_cutover"),
        book.display()
    );
    let options = rexpect::reader::Options::new()
        .timeout_ms(Some(30_000))
        .strip_ansi_escape_codes(true);
    let mut session =
        rexpect::session::spawn_with_options(pty_command(&shell, dir.path(), "xterm"), options)
            .unwrap();
    session
        .exp_string("Run the action of step `act` (echo acted > out.txt)? [y/N]")
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    session.send("y\n").unwrap();
    session.flush().unwrap();
    session.exp_string("finished: every step is done").unwrap();
    session.process().wait().unwrap();
    assert_eq!(lines(&dir.path().join("out.txt")), ["acted"]);
    let log = std::fs::read_to_string(dir.path().join("log")).unwrap();
    assert!(log.contains("== Step 1/1: act"), "{log}");
    assert!(log.contains("finished: every step is done"), "{log}");
}

/// TERM=dumb in a terminal: no progress bar can be drawn, so a wait prints `waiting:` lines.
#[test]
fn term_dumb_prints_waiting_lines_during_a_wait() {
    let dir = tempfile::tempdir().unwrap();
    let book = runbook(
        dir.path(),
        "dumb.yaml",
        "  progress_interval: 1s\n",
        &format!("      - id: wait\n        instructions: nothing\n        verifies:\n          - kind: command\n            run: '{THIRD_POLL}'\n"),
    );
    let shell = format!(
        "{} run {} --yes",
        env!("CARGO_BIN_EXE_cutover"),
        book.display()
    );
    let options = rexpect::reader::Options::new()
        .timeout_ms(Some(30_000))
        .strip_ansi_escape_codes(true);
    let mut session =
        rexpect::session::spawn_with_options(pty_command(&shell, dir.path(), "dumb"), options)
            .unwrap();
    session.exp_string("waiting: FAIL command").unwrap();
    session.exp_string("waiting: FAIL command").unwrap();
    session.exp_string("finished: every step is done").unwrap();
}

/// A pipe whose reading end is already closed: every write to it fails with EPIPE.
fn closed_pipe() -> Stdio {
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    unsafe { libc::close(fds[0]) };
    Stdio::from(unsafe { OwnedFd::from_raw_fd(fds[1]) })
}

fn with_closed_stdout(args: &[&str], dir: &Path) -> std::process::Output {
    binary()
        .args(args)
        .current_dir(dir)
        .env("CUTOVER_USER_STATE_DIR", user_state_dir(dir))
        .stdin(Stdio::null())
        .stdout(closed_pipe())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// `run | head -1`: a closed stdout never changes a run: every step runs, the exit code is
/// the run's (0 done, 1 failed), and the journal notes the lost transcript.
#[test]
fn a_closed_stdout_keeps_the_runs_outcome_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let book = runbook(
        dir.path(),
        "head.yaml",
        "",
        "      - id: one\n        run: echo one >> out.txt\n        undo: 'true'\n      - id: two\n        run: echo two >> out.txt\n        undo: 'true'\n",
    );
    let out = with_closed_stdout(&["run", book.to_str().unwrap(), "--yes"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(lines(&dir.path().join("out.txt")), ["one", "two"]);
    let events = journal_events(dir.path());
    assert!(
        events.iter().any(|e| e["event"] == "transcript_lost"),
        "{events:?}"
    );
    assert_eq!(events.last().unwrap()["event"], "run_finished");
    // The report says so (review finding 6): the transcript is not the whole record.
    let report = Test::new()
        .current_dir(dir.path())
        .env(
            "CUTOVER_USER_STATE_DIR",
            user_state_dir(dir.path()).to_str().unwrap(),
        )
        .args(["report", "--format", "markdown"])
        .run()
        .expect_code(0);
    assert!(
        report.stdout.contains("stdout was closed"),
        "{}",
        report.stdout
    );

    let dir = tempfile::tempdir().unwrap();
    let book = runbook(
        dir.path(),
        "fails.yaml",
        "",
        "      - id: bad\n        run: exit 4\n        undo: 'true'\n",
    );
    let out = with_closed_stdout(&["run", book.to_str().unwrap(), "--yes"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}

/// ripgrep's convention: a reading command whose stdout is closed ends quietly, exit 0.
#[test]
fn a_broken_pipe_ends_reading_commands_quietly_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let book = runbook(
        dir.path(),
        "read.yaml",
        "",
        "      - id: one\n        run: 'true'\n        undo: 'true'\n",
    );
    Test::new()
        .current_dir(dir.path())
        .args(["run", book.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    let book = book.to_str().unwrap();
    for args in [
        vec!["plan", book],
        vec!["validate", book],
        vec!["report"],
        vec!["status"],
        vec!["runs"],
        vec!["man"],
        vec!["completions", "bash"],
    ] {
        let out = with_closed_stdout(&args, dir.path());
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).as_ref()
            ),
            (Some(0), ""),
            "{args:?}"
        );
    }
}

/// Without a terminal, a failed check is never answered by a hint to pass --yes (it cannot
/// get past a failure); the resume hint printed works as printed.
#[test]
fn a_failure_without_a_terminal_suggests_no_flag_that_cannot_help() {
    let dir = tempfile::tempdir().unwrap();
    let book = runbook(
        dir.path(),
        "fail.yaml",
        "",
        "      - id: bad\n        run: exit 4\n        undo: 'true'\n",
    );
    let answers = write(dir.path(), "answers", "yes\n");
    let out = Test::new()
        .current_dir(dir.path())
        .args([
            "run",
            book.to_str().unwrap(),
            "--answers",
            answers.to_str().unwrap(),
        ])
        .run()
        .expect_code(10);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(!all.contains("--yes"), "{all}");
    let hint = after(&out.stdout, "Resume with: ");
    assert!(hint.starts_with('/'), "the program as run: {hint}");
    let resumed = run_hint(
        &format!("{hint} --answers {}", answers.display()),
        dir.path(),
    );
    // The resume asks the same failure again (retry/skip/abort) and the answers file says
    // "yes", which is no choice: a person is needed again, and the run was found.
    let text = String::from_utf8_lossy(&resumed.stdout);
    assert!(text.contains("Resuming run"), "{resumed:?}");
}
