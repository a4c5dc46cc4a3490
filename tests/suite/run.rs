//! `cutover run` / `resume` / `status`: a terminal session, crashes after every journal
//! event, no terminal, a concurrent run, and Ctrl-C.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::fixture::{self, numbered};
use crate::support::{
    appending_runbook, assert_finished, journal_events, lines, user_state_dir, write, Broker, Test,
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
        .env("CUTOVER_USER_STATE_DIR", user_state_dir(dir.path()))
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
        .env("CUTOVER_USER_STATE_DIR", user_state_dir(dir.path()))
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

/// A run of the appending runbook that crashed after step one was done (event 8), then
/// `edit` applied to the runbook file.
fn crashed_then_edited(dir: &Path, edit: impl Fn(String) -> String) -> std::path::PathBuf {
    let runbook = appending_runbook(dir);
    Test::new()
        .current_dir(dir)
        .env("CUTOVER_TEST_CRASH_AFTER_EVENT", "8")
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run();
    let text = edit(std::fs::read_to_string(&runbook).unwrap());
    std::fs::write(&runbook, text).unwrap();
    runbook
}

/// Issue 11 (5): every change but titles refuses resume with exit 5, each changed path
/// listed; --accept-changes (old name --force) resumes and journals the diff.
#[test]
fn a_changed_runbook_refuses_resume_listing_each_change_unless_accepted() {
    let cases: [(&str, &str, &str); 3] = [
        (
            "echo two",
            "echo TWO",
            r#"tiers[0].steps[1].run: "echo two >> out.txt" -> "echo TWO >> out.txt""#,
        ),
        (
            "127.0.0.1:2",
            "127.0.0.1:3",
            r#"clusters.target.bootstrap: "127.0.0.1:2" -> "127.0.0.1:3""#,
        ),
        (
            "grep -qx three",
            "grep -q three",
            r#"tiers[0].steps[2].verifies[0].run: "grep -qx three out.txt" -> "grep -q three out.txt""#,
        ),
    ];
    for (from, to, listed) in cases {
        let dir = tempfile::tempdir().unwrap();
        crashed_then_edited(dir.path(), |text| text.replace(from, to));
        let out = Test::new()
            .current_dir(dir.path())
            .args(["resume", "--yes"])
            .run()
            .expect_code(5);
        assert!(out.stderr.contains(listed), "{}", out.stderr);
        assert!(out.stderr.contains("--accept-changes"), "{}", out.stderr);
        assert_eq!(lines(&dir.path().join("out.txt")), ["one"], "nothing ran");
    }
    // --force is kept as a hidden alias of --accept-changes; the diff is journaled.
    let dir = tempfile::tempdir().unwrap();
    crashed_then_edited(dir.path(), |text| {
        text.replace("echo two >>", "echo two | cat >>")
    });
    Test::new()
        .current_dir(dir.path())
        .args(["resume", "--yes", "--force"])
        .run()
        .expect_code(0);
    let resumed = journal_events(dir.path())
        .into_iter()
        .find(|e| e["event"] == "resumed")
        .unwrap();
    assert_eq!(resumed["forced"], true);
    assert!(resumed["changes"][0]
        .as_str()
        .unwrap()
        .starts_with("tiers[0].steps[1].run:"));
    // A title is noted, not refused.
    let dir = tempfile::tempdir().unwrap();
    crashed_then_edited(dir.path(), |text| {
        text.replace(
            "      - id: two\n",
            "      - id: two\n        title: The second\n",
        )
    });
    let out = Test::new()
        .current_dir(dir.path())
        .args(["resume", "--yes"])
        .run()
        .expect_code(0);
    assert!(
        out.stderr
            .contains("tiers[0].steps[1].title: (absent) -> \"The second\""),
        "{}",
        out.stderr
    );
}

/// Issue 11 (2): resume takes the lock before it reads the journal. A resume started while
/// the run is still going (held just before its lock until the run finished) finds the run
/// finished and does nothing: no step twice, no event after run_finished.
#[test]
fn resume_reads_the_journal_only_under_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = steps_runbook(
        dir.path(),
        "race.yaml",
        "      - id: slow\n        run: sleep 2; echo slow >> out.txt\n        run_timeout: 20s\n        undo: 'true'\n        verifies:\n          - kind: command\n            run: grep -qx slow out.txt\n",
    );
    let mut first = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .current_dir(dir.path())
        .env("CUTOVER_USER_STATE_DIR", user_state_dir(dir.path()))
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !journal_has(dir.path(), "action_intent") {
        assert!(started.elapsed() < Duration::from_secs(20), "no action");
        std::thread::sleep(Duration::from_millis(50));
    }
    let run_id = journal_events(dir.path())[0]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = Test::new()
        .current_dir(dir.path())
        .env("CUTOVER_TEST_PAUSE_BEFORE_LOCK_MS", "5000")
        .args(["resume", &run_id, "--yes"])
        .run()
        .expect_code(0);
    assert!(first.wait().unwrap().success());
    assert!(out.stderr.contains("nothing to resume"), "{}", out.stderr);
    let events = journal_events(dir.path());
    assert_eq!(
        events.last().unwrap()["event"],
        "run_finished",
        "{events:?}"
    );
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(lines(&dir.path().join("out.txt")), ["slow"]);
}

/// The lock covers the clusters: a second run on the same source and target, from another
/// runbook file and another state directory, exits 4 naming the holder.
#[test]
fn a_second_run_on_the_same_clusters_with_another_runbook_file_is_locked_out() {
    let dir = tempfile::tempdir().unwrap();
    let first_book = steps_runbook(
        dir.path(),
        "first.yaml",
        "      - id: wait\n        run: sleep 3\n        run_timeout: 20s\n        undo: 'true'\n",
    );
    // The same clusters, spelled differently.
    let second_book = write(
        dir.path(),
        "second.yaml",
        "version: 1\nname: second\nclusters:\n  source: { bootstrap: ' 127.0.0.1:1 ' }\n  target: { bootstrap: '127.0.0.1:2' }\ntiers:\n  - name: t\n    steps:\n      - id: other\n        run: echo other >> out.txt\n        undo: 'true'\n",
    );
    let mut first = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["run", first_book.to_str().unwrap(), "--yes"])
        .current_dir(dir.path())
        .env("CUTOVER_USER_STATE_DIR", user_state_dir(dir.path()))
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !journal_has(dir.path(), "action_intent") {
        assert!(started.elapsed() < Duration::from_secs(20), "no action");
        std::thread::sleep(Duration::from_millis(50));
    }
    let second = Test::new()
        .current_dir(dir.path())
        .args([
            "run",
            second_book.to_str().unwrap(),
            "--yes",
            "--state-dir",
            "elsewhere",
        ])
        .run()
        .expect_code(4);
    assert!(
        second.stderr.contains(&format!("(pid {})", first.id()))
            && second.stderr.contains("first.yaml"),
        "{}",
        second.stderr
    );
    assert!(lines(&dir.path().join("out.txt")).is_empty());
    assert!(first.wait().unwrap().success());
}

/// Type keys: give the prompt a moment to start reading (input typed before a question
/// is discarded), and flush (rexpect's writer is line-buffered).
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
        .env("CUTOVER_USER_STATE_DIR", user_state_dir(dir.path()))
        .env("TERM", "xterm")
        .env_remove("NO_COLOR");
    let options = rexpect::reader::Options::new()
        .timeout_ms(Some(60_000))
        .strip_ansi_escape_codes(true);
    let mut session = rexpect::session::spawn_with_options(command, options).unwrap();
    session.exp_string("done (instructions followed)?").unwrap();
    session.exp_string("[y/N]").unwrap();
    keystroke(&mut session, "y\n");
    session.exp_string("remaining lag 20").unwrap();
    // The consumer catches up.
    fixture::commit(&source.bootstrap, "billing", &[("orders", 0, 30)]);
    session.exp_string("Step drain done").unwrap();
    session
        .exp_string("Run the action of step `finish`")
        .unwrap();
    session.exp_string("[y/N]").unwrap();
    keystroke(&mut session, "y\n");
    session.exp_string("finished: every step is done").unwrap();
    let status = session.process().wait().unwrap();
    assert!(format!("{status:?}").ends_with(", 0)"), "{status:?}");
    assert_eq!(lines(&dir.path().join("out.txt")), ["finished"]);
}

/// A one-tier runbook on dead bootstraps (command checks only) with the given steps.
fn steps_runbook(dir: &Path, name: &str, steps: &str) -> std::path::PathBuf {
    write(
        dir,
        name,
        &format!(
            "version: 1\nname: {name}\nclusters:\n  source: {{ bootstrap: '127.0.0.1:1' }}\n  target: {{ bootstrap: '127.0.0.1:2' }}\ndefaults:\n  poll_interval: 1s\n  timeout: 2s\ntiers:\n  - name: t\n    steps:\n{steps}"
        ),
    )
}

/// Issue 11 (1): a crash between an action's intent and its start, on a step without
/// verifies. Nothing shows whether the action ran, so `resume --yes` must not mark it done:
/// it stops with exit 10 naming the flags a person decides with.
#[test]
fn an_in_doubt_action_without_verifies_is_never_marked_done_by_yes() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = steps_runbook(
        dir.path(),
        "doubt.yaml",
        "      - id: switch\n        run: echo switched >> out.txt\n        undo: 'true'\n",
    );
    // run_started, step_started, confirmation, action_intent: the crash comes before spawn.
    let crashed = Test::new()
        .current_dir(dir.path())
        .env("CUTOVER_TEST_CRASH_AFTER_EVENT", "4")
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run();
    assert_eq!(crashed.code, -1, "{}", crashed.stderr);
    assert_eq!(
        journal_events(dir.path()).last().unwrap()["event"],
        "action_intent"
    );
    let out = Test::new()
        .current_dir(dir.path())
        .args(["resume", "--yes"])
        .run()
        .expect_code(10);
    assert!(
        out.stderr.contains("--mark-done switch") && out.stderr.contains("--rerun switch"),
        "{}",
        out.stderr
    );
    let events = journal_events(dir.path());
    assert!(
        !events
            .iter()
            .any(|e| e["event"] == "step_done" || e["choice"] == "mark-done"),
        "nothing may be marked done: {events:?}"
    );
    assert!(lines(&dir.path().join("out.txt")).is_empty());
    // A person decides: marked done, and the journal says who decided and on what evidence.
    Test::new()
        .current_dir(dir.path())
        .args(["resume", "--yes", "--mark-done", "switch"])
        .run()
        .expect_code(0);
    let decision = journal_events(dir.path())
        .into_iter()
        .find(|e| e["event"] == "decision" && e["choice"] == "mark-done")
        .expect("a mark-done decision");
    assert!(
        decision["reason"].as_str().unwrap().contains("--mark-done"),
        "{decision}"
    );
}

/// Issue 11 (4): a run that reaches its end with a skipped step is not exit 0: it says what
/// was skipped and why, and exits 6.
#[test]
fn a_run_with_a_skipped_step_finishes_with_exit_6_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = steps_runbook(
        dir.path(),
        "skip.yaml",
        "      - id: one\n        run: 'true'\n        undo: 'true'\n      - id: two\n        run: 'true'\n        undo: 'true'\n        verifies:\n          - kind: command\n            run: 'false'\n            timeout: 1s\n      - id: three\n        run: 'true'\n        undo: 'true'\n",
    );
    let answers = write(dir.path(), "answers", "yes\nyes\nskip: known flaky\nyes\n");
    let out = Test::new()
        .current_dir(dir.path())
        .args([
            "run",
            runbook.to_str().unwrap(),
            "--answers",
            answers.to_str().unwrap(),
        ])
        .run()
        .expect_code(6);
    assert!(
        out.stderr
            .contains("finished: 2 done, 1 skipped (two: known flaky)"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("every step is done"), "{}", out.stderr);
}

/// Whether a process runs with exactly this command line (`sleep 67`).
fn running(command: &str) -> bool {
    let wanted: Vec<u8> = command.replace(' ', "\0").into_bytes();
    std::fs::read_dir("/proc").unwrap().any(|entry| {
        let path = entry.unwrap().path().join("cmdline");
        std::fs::read(path).is_ok_and(|c| c.strip_suffix(b"\0").unwrap_or(&c) == wanted)
    })
}

/// Issue 11 (3): a backgrounded child neither holds the run nor outlives it; a `command`
/// check's whole process group dies at its timeout.
#[test]
fn background_children_and_slow_checks_end_in_bounded_time_with_their_group_killed() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = steps_runbook(
        dir.path(),
        "bg.yaml",
        "      - id: bg\n        run: sleep 68 & echo started\n        run_timeout: 3s\n        undo: 'true'\n",
    );
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "took {took:?}: {}",
        out.stderr
    );
    assert!(out.stderr.contains("  | started"), "{}", out.stderr);
    assert!(
        !running("sleep 68"),
        "the background child outlived the run"
    );

    let runbook = steps_runbook(
        dir.path(),
        "slow-check.yaml",
        "      - id: slow\n        instructions: nothing\n        verifies:\n          - kind: command\n            run: true; sleep 67\n            timeout: 3s\n",
    );
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(3);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(12),
        "took {took:?}: {}",
        out.stderr
    );
    assert!(out.stderr.contains("timed out after 3s"), "{}", out.stderr);
    assert!(
        !running("sleep 67"),
        "the check's sleep outlived its timeout"
    );
}

/// Confirmations of step `step` in the journal so far.
fn confirmations(dir: &Path, step: &str) -> usize {
    journal_events(dir)
        .iter()
        .filter(|e| e["event"] == "confirmation" && e["step"] == step)
        .count()
}

/// Issue 11 (7): in a real terminal, `y` without Enter is no answer; keys typed during a
/// wait never answer the next question; an empty line asks again; "no" offers wait, skip
/// and abort, and abort is asked once more.
#[test]
fn terminal_prompts_need_enter_discard_type_ahead_and_offer_wait_skip_abort() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = steps_runbook(
        dir.path(),
        "prompts.yaml",
        "      - id: ready\n        instructions: Create the file `ready`.\n        verifies:\n          - kind: command\n            run: test -f ready\n            timeout: 2m\n      - id: act\n        run: echo acted >> out.txt\n        undo: 'true'\n",
    );
    let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
    command
        .args(["run", runbook.to_str().unwrap()])
        .current_dir(dir.path())
        .env("CUTOVER_USER_STATE_DIR", user_state_dir(dir.path()))
        .env("TERM", "xterm");
    let options = rexpect::reader::Options::new()
        .timeout_ms(Some(30_000))
        .strip_ansi_escape_codes(true);
    let mut session = rexpect::session::spawn_with_options(command, options).unwrap();
    session
        .exp_string("Step `ready`: done (instructions followed)? [y/N]")
        .unwrap();
    keystroke(&mut session, "y");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(confirmations(dir.path(), "ready"), 0, "y without Enter");
    keystroke(&mut session, "\n");
    session.exp_string("Checking verifies of ready").unwrap();
    // Typed while the tool waits: must not answer the next question.
    keystroke(&mut session, "y\n");
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(dir.path().join("ready"), "").unwrap();
    session.exp_string("Step ready done").unwrap();
    session
        .exp_string("Run the action of step `act` (echo acted >> out.txt)? [y/N]")
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(confirmations(dir.path(), "act"), 0, "type-ahead answered");
    keystroke(&mut session, "\n");
    session.exp_string("Type y or n, then Enter.").unwrap();
    keystroke(&mut session, "n\n");
    session.exp_string("1) wait, and ask again").unwrap();
    session.exp_string("Choose 1-3").unwrap();
    keystroke(&mut session, "1\n");
    session.exp_string("Waiting").unwrap();
    session
        .exp_string("Run the action of step `act` (echo acted >> out.txt)? [y/N]")
        .unwrap();
    keystroke(&mut session, "n\n");
    session.exp_string("Choose 1-3").unwrap();
    keystroke(&mut session, "3\n");
    session
        .exp_string("Abort the run at step `act`? [y/N]")
        .unwrap();
    keystroke(&mut session, "n\n");
    session.exp_string("Choose 1-3").unwrap();
    keystroke(&mut session, "2\n");
    session.exp_string("Reason for skipping").unwrap();
    keystroke(&mut session, "not tonight\n");
    session
        .exp_string("finished: 1 done, 1 skipped (act: not tonight)")
        .unwrap();
    let status = session.process().wait().unwrap();
    assert!(format!("{status:?}").ends_with(", 6)"), "{status:?}");
    assert!(lines(&dir.path().join("out.txt")).is_empty());
    let choices: Vec<String> = journal_events(dir.path())
        .iter()
        .filter(|e| e["event"] == "decision" && e["step"] == "act")
        .map(|e| e["choice"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(choices, ["wait", "abort", "skip"]);
}

/// A second Ctrl-C within 2 s stops a running action at once: its process group is
/// terminated, it stays in doubt (no result journaled), exit 130.
#[test]
fn a_second_ctrl_c_stops_the_action_at_once_and_leaves_it_in_doubt() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = steps_runbook(
        dir.path(),
        "long.yaml",
        "      - id: long\n        run: sleep 31\n        run_timeout: 1m\n        undo: 'true'\n",
    );
    let child = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .current_dir(dir.path())
        .env("CUTOVER_USER_STATE_DIR", user_state_dir(dir.path()))
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !journal_has(dir.path(), "action_intent") {
        assert!(started.elapsed() < Duration::from_secs(20), "no action");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let interrupted = Instant::now();
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    std::thread::sleep(Duration::from_millis(500));
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    let took = interrupted.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}: {stderr}");
    assert!(
        !running("sleep 31"),
        "the action outlived the second Ctrl-C"
    );
    let events = journal_events(dir.path());
    assert!(
        !events.iter().any(|e| e["event"] == "action_result"),
        "{events:?}"
    );
    assert_eq!(events.last().unwrap()["event"], "interrupted");
    let out = Test::new()
        .current_dir(dir.path())
        .args(["resume", "--yes"])
        .run()
        .expect_code(10);
    assert!(out.stderr.contains("--rerun long"), "{}", out.stderr);
}
