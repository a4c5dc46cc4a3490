//! `cutover run` / `resume` / `status`: a terminal session, crashes after every journal
//! event, no terminal, a concurrent run, and Ctrl-C.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::fixture::{self, numbered};
use crate::support::{
    appending_runbook, assert_finished, journal_events, lines, write, Broker, Test,
};

#[test]
fn without_a_terminal_a_run_needs_yes_and_with_it_completes() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = appending_runbook(dir.path());
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", runbook.to_str().unwrap()])
        .run()
        .expect_code(10);
    assert!(out.stderr.contains("no terminal"), "{}", out.stderr);
    assert!(
        lines(&dir.path().join("out.txt")).is_empty(),
        "nothing may run unconfirmed"
    );
    Test::new()
        .current_dir(dir.path())
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    assert_eq!(lines(&dir.path().join("out.txt")), ["one", "two", "three"]);
    assert_finished(dir.path());
}

/// kill -9 after each journal event in turn, then `resume --yes` (deciding an in-doubt
/// action by --rerun only when the tool asks): every run completes, no action twice.
#[test]
fn a_crash_after_any_journal_event_resumes_without_repeating_an_action() {
    let mut crashed_at_intent = 0;
    let mut n = 1;
    loop {
        let dir = tempfile::tempdir().unwrap();
        let runbook = appending_runbook(dir.path());
        let first = Test::new()
            .current_dir(dir.path())
            .env("CUTOVER_TEST_CRASH_AFTER_EVENT", &n.to_string())
            .args(["run", runbook.to_str().unwrap(), "--yes"])
            .run();
        if first.code == 0 {
            break; // n is past the last event: the run finished before the crash point
        }
        assert_eq!(
            first.code, -1,
            "the test hook aborts the process: {}",
            first.stderr
        );
        let mut resumes = 0;
        let mut extra: Vec<String> = Vec::new();
        loop {
            resumes += 1;
            assert!(
                resumes < 5,
                "resume never finished after a crash at event {n}"
            );
            let out = Test::new()
                .current_dir(dir.path())
                .args(["resume", "--yes"])
                .args(extra.iter())
                .run();
            match out.code {
                0 => break,
                10 => {
                    // In doubt, and the verifies do not pass: a person chooses to re-run.
                    let step = ["one", "two", "three"]
                        .into_iter()
                        .find(|s| out.stderr.contains(&format!("--rerun {s}")))
                        .unwrap_or_else(|| panic!("exit 10 must name the flags: {}", out.stderr));
                    crashed_at_intent += 1;
                    extra = vec!["--rerun".into(), step.into()];
                }
                other => panic!(
                    "resume after crash at event {n} exited {other}: {}",
                    out.stderr
                ),
            }
        }
        assert_eq!(
            lines(&dir.path().join("out.txt")),
            ["one", "two", "three"],
            "crash after event {n}"
        );
        n += 1;
    }
    assert!(n > 15, "the run journals every step: only {n} events?");
    assert_eq!(crashed_at_intent, 3, "one in-doubt action per step");
}

#[test]
fn a_second_concurrent_run_is_refused_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = write(
        dir.path(),
        "slow.yaml",
        "version: 1\nname: slow\nclusters:\n  source: { bootstrap: '127.0.0.1:1' }\n  target: { bootstrap: '127.0.0.1:2' }\ntiers:\n  - name: t\n    steps:\n      - id: wait\n        run: sleep 3\n        undo: 'true'\n",
    );
    let mut first = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !journal_has(dir.path(), "action_intent") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "first run never started its action"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let second = Test::new()
        .current_dir(dir.path())
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(4);
    assert!(
        second.stderr.contains(&format!("(pid {})", first.id())),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains("locked by run 20"),
        "{}",
        second.stderr
    );
    assert!(first.wait().unwrap().success());
}

fn journal_has(dir: &Path, event: &str) -> bool {
    dir.join(".cutover/runs").exists() && journal_events(dir).iter().any(|e| e["event"] == event)
}

#[test]
fn ctrl_c_during_a_wait_exits_130_and_resume_completes() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = write(
        dir.path(),
        "wait.yaml",
        "version: 1\nname: wait\nclusters:\n  source: { bootstrap: '127.0.0.1:1' }\n  target: { bootstrap: '127.0.0.1:2' }\ndefaults:\n  poll_interval: 1s\n  timeout: 2m\ntiers:\n  - name: t\n    steps:\n      - id: ready\n        instructions: Create the file `ready`.\n        verifies:\n          - kind: command\n            run: test -f ready\n",
    );
    let child = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !journal_has(dir.path(), "check") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never started polling"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(journal_has(dir.path(), "interrupted"));
    std::fs::write(dir.path().join("ready"), "").unwrap();
    Test::new()
        .current_dir(dir.path())
        .args(["resume", "--yes"])
        .run()
        .expect_code(0);
    assert!(journal_has(dir.path(), "run_finished"));
}

#[test]
fn a_changed_runbook_refuses_resume_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = appending_runbook(dir.path());
    Test::new()
        .current_dir(dir.path())
        .env("CUTOVER_TEST_CRASH_AFTER_EVENT", "8")
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run();
    let text = std::fs::read_to_string(&runbook)
        .unwrap()
        .replace("echo two", "echo TWO");
    std::fs::write(&runbook, text).unwrap();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["resume", "--yes"])
        .run()
        .expect_code(5);
    assert!(out.stderr.contains("steps changed"), "{}", out.stderr);
    Test::new()
        .current_dir(dir.path())
        .args(["resume", "--yes", "--force"])
        .run();
    assert!(journal_events(dir.path())
        .iter()
        .any(|e| e["event"] == "resumed" && e["forced"] == true));
}

/// Type a key: give dialoguer a moment to start reading, and flush (rexpect's writer is
/// line-buffered, and a single key has no newline).
fn keystroke(session: &mut rexpect::session::PtySession, key: &str) {
    std::thread::sleep(Duration::from_millis(500));
    session.send(key).unwrap();
    session.flush().unwrap();
}

/// A real terminal: confirm by keystroke, watch a lag_zero check wait while a consumer
/// drains, see it pass, and finish.
#[test]
fn a_terminal_session_confirms_waits_for_a_drain_and_finishes() {
    let source = Broker::start("src");
    let target = Broker::start("tgt");
    fixture::create_topic(&source.bootstrap, "orders", 1, &[]);
    fixture::produce(&source.bootstrap, "orders", 0, &numbered(0..30));
    fixture::commit(&source.bootstrap, "billing", &[("orders", 0, 10)]);
    let dir = tempfile::tempdir().unwrap();
    let runbook = write(
        dir.path(),
        "drain.yaml",
        &format!(
            "version: 1\nname: drain\nclusters:\n  source: {{ bootstrap: '{}' }}\n  target: {{ bootstrap: '{}' }}\ndefaults:\n  poll_interval: 1s\n  timeout: 2m\ntiers:\n  - name: upstream\n    steps:\n      - id: drain\n        instructions: Let the billing consumers finish.\n        verifies:\n          - kind: lag_zero\n            cluster: source\n            groups: [billing]\n  - name: downstream\n    steps:\n      - id: finish\n        run: echo finished > out.txt\n        undo: rm out.txt\n",
            source.bootstrap, target.bootstrap
        ),
    );
    let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
    command
        .args(["run", runbook.to_str().unwrap()])
        .current_dir(dir.path())
        .env("TERM", "xterm")
        .env_remove("NO_COLOR");
    let options = rexpect::reader::Options::new()
        .timeout_ms(Some(60_000))
        .strip_ansi_escape_codes(true);
    let mut session = rexpect::session::spawn_with_options(command, options).unwrap();
    session.exp_string("done (instructions followed)?").unwrap();
    session.exp_string("[y/N]").unwrap();
    keystroke(&mut session, "y");
    session.exp_string("remaining lag 20").unwrap();
    // The consumer catches up.
    fixture::commit(&source.bootstrap, "billing", &[("orders", 0, 30)]);
    session.exp_string("Step drain done").unwrap();
    session
        .exp_string("Run the action of step `finish`")
        .unwrap();
    session.exp_string("[y/N]").unwrap();
    keystroke(&mut session, "y");
    session.exp_string("finished: every step is done").unwrap();
    let status = session.process().wait().unwrap();
    assert!(format!("{status:?}").ends_with(", 0)"), "{status:?}");
    assert_eq!(lines(&dir.path().join("out.txt")), ["finished"]);
}
