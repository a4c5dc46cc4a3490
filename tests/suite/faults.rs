//! Hostile conditions: a broker killed mid-poll and restarted, an unreachable bootstrap,
//! a damaged journal, the wrong cluster, and runbook values that would be dangerous if
//! spliced into a shell command.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixture::{self, numbered};
use crate::support::{appending_runbook, assert_finished, journal_events, write, Broker, Test};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The journal of the only run under `dir/.cutover`.
fn journal_path(dir: &Path) -> PathBuf {
    let runs: Vec<PathBuf> = std::fs::read_dir(dir.join(".cutover/runs"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    assert_eq!(runs.len(), 1, "one run expected: {runs:?}");
    runs[0].join("journal.jsonl")
}

fn checks(events: &[Value]) -> Vec<&Value> {
    events.iter().filter(|e| e["event"] == "check").collect()
}

/// A `cutover run` in the background, stdin null, stderr to a file; killed if the test fails.
struct Background {
    child: Child,
    stderr: PathBuf,
}

impl Background {
    fn spawn(dir: &Path, args: &[&str]) -> Background {
        let stderr = dir.join("cutover.stderr");
        let child = Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env(
                "CUTOVER_USER_STATE_DIR",
                crate::support::user_state_dir(dir),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        Background { child, stderr }
    }

    fn stderr(&self) -> String {
        read(&self.stderr)
    }

    /// The exit code, waiting at most `limit`.
    fn wait(&mut self, limit: Duration) -> i32 {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(
                started.elapsed() < limit,
                "cutover still running after {limit:?}\n--- stderr\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Wait until the journal satisfies `done`; the journal's events at that moment.
fn wait_for(
    dir: &Path,
    run: &Background,
    limit: Duration,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let events = journal_events(dir);
        if done(&events) {
            return events;
        }
        assert!(
            started.elapsed() < limit,
            "no {what} within {limit:?}\n--- journal\n{}\n--- stderr\n{}",
            events
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
            run.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The check events after the first `skip` ones.
fn checks_after(events: &[Value], skip: usize) -> Vec<Value> {
    checks(events).into_iter().skip(skip).cloned().collect()
}

const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// kill -9 the source broker while a lag_zero check is polled: the check turns to error
/// (never pass) within the request timeout plus a poll, polling goes on, and after a
/// restart on the same port with the same data it sees the same lag, then passes when the
/// group commits to the end; the run finishes with exit 0.
#[test]
fn a_broker_killed_mid_poll_is_an_error_until_it_returns_then_the_check_passes() {
    let source = Broker::start("src");
    fixture::create_topic(&source.bootstrap, "orders", 1, &[]);
    fixture::produce(&source.bootstrap, "orders", 0, &numbered(0..30));
    fixture::commit(&source.bootstrap, "billing", &[("orders", 0, 10)]);
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let runbook = write(
        dir,
        "drain.yaml",
        &format!(
            "version: 1\nname: drain\nclusters:\n  source: {{ bootstrap: '{}' }}\n  target: {{ bootstrap: '127.0.0.1:1' }}\ndefaults:\n  poll_interval: 1s\n  timeout: 40s\n  request_timeout: 2s\ntiers:\n  - name: upstream\n    steps:\n      - id: drain\n        instructions: Let the billing consumers finish.\n        verifies:\n          - kind: lag_zero\n            cluster: source\n            groups: [billing]\n  - name: downstream\n    steps:\n      - id: finish\n        run: echo finished > out.txt\n        undo: rm out.txt\n",
            source.bootstrap
        ),
    );
    let started = Instant::now();
    let mut run = Background::spawn(dir, &["run", runbook.to_str().unwrap(), "--yes"]);

    // Polling, with the lag the fixture left.
    let seen = wait_for(dir, &run, Duration::from_secs(20), "failing poll", |e| {
        checks(e).iter().any(|c| c["status"] == "fail")
    });
    let first = checks(&seen)[0].clone();
    assert_eq!(
        (&first["step"], &first["kind"], &first["remaining"]),
        (
            &Value::from("drain"),
            &Value::from("lag_zero"),
            &Value::from(20)
        ),
        "{first}"
    );

    source.kill();
    let killed = Instant::now();
    let before_kill = checks(&seen).len();
    // One round may have had its answers just before the kill; the next one cannot.
    let seen = wait_for(
        dir,
        &run,
        Duration::from_secs(20),
        "error after kill",
        |e| {
            checks_after(e, before_kill)
                .iter()
                .any(|c| c["status"] == "error")
        },
    );
    let to_error = killed.elapsed();
    // A round in flight at the kill, then one poll interval, then one request timeout.
    let bound = REQUEST_TIMEOUT * 2 + POLL_INTERVAL + Duration::from_secs(2);
    assert!(
        to_error < bound,
        "the first error came {to_error:?} after the kill (bound {bound:?})"
    );
    let error = checks_after(&seen, before_kill)
        .into_iter()
        .find(|c| c["status"] == "error")
        .unwrap();
    let summary = error["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(&format!("source cluster {}:", source.bootstrap)),
        "the error names the cluster: {summary}"
    );

    // Polling goes on while the broker is down: three more rounds, every one an error.
    let errors_seen = checks(&seen).len();
    let seen = wait_for(dir, &run, Duration::from_secs(20), "more polls", |e| {
        checks(e).len() >= errors_seen + 3
    });
    let down = checks_after(&seen, before_kill);
    assert!(
        down.iter().all(|c| c["status"] != "pass"),
        "a check passed while the broker was down: {down:?}"
    );
    let first_error = down.iter().position(|c| c["status"] == "error").unwrap();
    assert!(
        down[first_error..].iter().all(|c| c["status"] == "error"),
        "once down, every poll is an error: {down:?}"
    );
    assert!(
        run.child.try_wait().unwrap().is_none(),
        "the run must keep polling, not stop: {}",
        run.stderr()
    );

    source.restart();
    let restarted = Instant::now();
    let before_restart = checks(&seen).len();
    // Same port, same SQLite data: the same lag is seen again.
    let seen = wait_for(dir, &run, Duration::from_secs(25), "recovery", |e| {
        checks_after(e, before_restart)
            .iter()
            .any(|c| c["status"] == "fail")
    });
    let to_recover = restarted.elapsed();
    let recovered = checks_after(&seen, before_restart)
        .into_iter()
        .find(|c| c["status"] == "fail")
        .unwrap();
    assert_eq!(recovered["remaining"], 20, "{recovered}");
    assert!(
        checks(&seen).iter().all(|c| c["status"] != "pass"),
        "nothing passes before the group commits"
    );

    fixture::commit(&source.bootstrap, "billing", &[("orders", 0, 30)]);
    let code = run.wait(Duration::from_secs(40));
    assert_eq!(code, 0, "{}", run.stderr());
    let all = journal_events(dir);
    let last_check = *checks(&all).last().unwrap();
    assert_eq!(last_check["status"], "pass", "{last_check}");
    assert!(all
        .iter()
        .any(|e| e["event"] == "step_done" && e["step"] == "drain"));
    assert_eq!(all.last().unwrap()["event"], "run_finished");
    assert_eq!(read(&dir.join("out.txt")), "finished\n");
    eprintln!(
        "broker kill: first error {to_error:?} after the kill, recovery {to_recover:?} after the restart, run {:?}",
        started.elapsed()
    );
}

/// Two brokers started and stopped: their ports are closed.
fn dead_bootstraps() -> (String, String) {
    let (a, b) = (Broker::start("gone-src"), Broker::start("gone-tgt"));
    (a.bootstrap.clone(), b.bootstrap.clone())
}

fn unreachable_runbook(dir: &Path, source: &str, target: &str, source_id: &str) -> PathBuf {
    write(
        dir,
        "unreachable.yaml",
        &format!(
            "version: 1\nname: unreachable\nclusters:\n  source: {{ bootstrap: '{source}'{source_id} }}\n  target: {{ bootstrap: '{target}' }}\ndefaults:\n  poll_interval: 1s\n  timeout: 4s\n  request_timeout: 2s\ntiers:\n  - name: t\n    steps:\n      - id: drain\n        verifies:\n          - kind: lag_zero\n            cluster: source\n            groups: [billing]\n          - kind: group_inactive\n            cluster: target\n            groups: [billing]\n          - kind: topics_match\n          - kind: mirror_caught_up\n      - id: act\n        run: echo ran >> out.txt\n        undo: 'true'\n",
        ),
    )
}

/// Issue 13 (1): without a cluster_id in the runbook, an unreachable cluster used to be
/// noticed only after step 1's action had run. The preflight asks before anything runs.
#[test]
fn the_preflight_stops_a_run_before_its_first_action_when_a_cluster_does_not_answer() {
    let (source, _) = dead_bootstraps();
    let target = Broker::start("tgt");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let runbook = write(
        dir,
        "first-acts.yaml",
        &format!(
            "version: 1\nname: first-acts\nclusters:\n  source: {{ bootstrap: '{source}' }}\n  target: {{ bootstrap: '{}' }}\ndefaults:\n  timeout: 4s\n  request_timeout: 2s\ntiers:\n  - name: t\n    steps:\n      - id: act\n        run: echo ran >> out.txt\n        undo: 'true'\n      - id: drain\n        verifies:\n          - kind: lag_zero\n            cluster: source\n            groups: [billing]\n",
            target.bootstrap
        ),
    );
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir)
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(3);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        out.stderr.contains(&format!(
            "preflight: the source cluster ({source}) did not answer"
        )),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("target cluster"), "{}", out.stderr);
    assert!(
        !dir.join("out.txt").exists(),
        "the action ran before the preflight"
    );
    assert!(!dir.join(".cutover/runs").exists());

    // Both answering: the preflight journals both cluster ids with the run.
    let runbook_ok = write(
        dir,
        "ok.yaml",
        &format!(
            "version: 1\nname: ok\nclusters:\n  source: {{ bootstrap: '{0}' }}\n  target: {{ bootstrap: '{0}' }}\ndefaults:\n  timeout: 4s\n  request_timeout: 2s\ntiers:\n  - name: t\n    steps:\n      - id: act\n        run: echo ran >> out.txt\n        undo: 'true'\n        verifies:\n          - kind: topics_match\n            topics: [nothing-.*]\n",
            target.bootstrap
        ),
    );
    Test::new()
        .current_dir(dir)
        .args(["run", runbook_ok.to_str().unwrap(), "--yes"])
        .run();
    let started_event = journal_events(dir)
        .into_iter()
        .find(|e| e["event"] == "run_started")
        .unwrap();
    assert!(
        started_event["cluster_ids"]["source"].is_string(),
        "{started_event}"
    );
    assert!(
        started_event["cluster_ids"]["target"].is_string(),
        "{started_event}"
    );
}

#[test]
fn an_unreachable_bootstrap_is_exit_3_for_check_and_run_in_bounded_time() {
    let (source, target) = dead_bootstraps();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let runbook = unreachable_runbook(dir, &source, &target, "");

    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir)
        .args(["check", runbook.to_str().unwrap(), "--json"])
        .run()
        .expect_code(3);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "check took {took:?}");
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let results: Vec<&Value> = lines.iter().filter(|l| l["type"] == "check").collect();
    assert_eq!(results.len(), 4, "{}", out.stdout);
    for check in &results {
        assert_eq!(check["status"], "error", "{check}");
        let summary = check["summary"].as_str().unwrap();
        match check["cluster"].as_str().unwrap() {
            "source" => assert!(
                summary.starts_with(&format!("source cluster {source}:")),
                "{check}"
            ),
            "target" => assert!(
                summary.starts_with(&format!("target cluster {target}:")),
                "{check}"
            ),
            _ => assert!(
                summary.starts_with(&format!("source cluster {source}:"))
                    || summary.starts_with(&format!("target cluster {target}:")),
                "{check}"
            ),
        }
    }
    assert_eq!(
        lines.last().unwrap(),
        &serde_json::json!({"type": "summary", "pass": 0, "fail": 0, "error": 4})
    );

    // A run does not start: the preflight finds the clusters its checks need unreachable,
    // exit 3 before anything runs or is journaled, naming the cluster and the cause.
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir)
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(3);
    let run_took = started.elapsed();
    assert!(run_took < Duration::from_secs(15), "run took {run_took:?}");
    // Both clusters named, on one `error:` line and the line after it.
    for (role, bootstrap) in [("source", &source), ("target", &target)] {
        assert!(
            out.stderr.contains(&format!(
                "the {role} cluster ({bootstrap}) did not answer within the request timeout (2s)"
            )),
            "{}",
            out.stderr
        );
    }
    assert!(
        out.stderr.starts_with("error: preflight: "),
        "{}",
        out.stderr
    );
    let errors = out.stderr.lines().filter(|l| l.starts_with("error:"));
    assert_eq!(errors.count(), 1, "{}", out.stderr);
    assert!(!dir.join(".cutover/runs").exists(), "no run may start");
    assert!(!dir.join("out.txt").exists());

    // With a cluster_id to verify, the run cannot even start: exit 3 before any journal.
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let runbook = unreachable_runbook(dir, &source, &target, ", cluster_id: gone-src");
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir)
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(3);
    let id_took = started.elapsed();
    assert!(id_took < Duration::from_secs(15), "took {id_took:?}");
    assert!(
        out.stderr.contains(&format!(
            "cannot verify the source cluster id: source cluster {source}: cluster id"
        )),
        "{}",
        out.stderr
    );
    assert!(!dir.join(".cutover/runs").exists(), "no run may start");
    eprintln!("unreachable: check {took:?}, run {run_took:?}, cluster id {id_took:?}");
}

/// A run of the appending runbook that crashed right after step two's action result.
fn crashed_after_two_acted(dir: &Path) -> PathBuf {
    let runbook = appending_runbook(dir);
    // run_started; per step: step_started, confirmation, action_intent, action_started,
    // action_result, poll, check, step_done. Event 14 is step two's action_result.
    let out = Test::new()
        .current_dir(dir)
        .env("CUTOVER_TEST_CRASH_AFTER_EVENT", "14")
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run();
    assert_eq!(out.code, -1, "the test hook aborts the run: {}", out.stderr);
    let all = journal_events(dir);
    assert_eq!(all.len(), 14);
    let last = all.last().unwrap();
    assert_eq!(
        (&last["event"], &last["step"]),
        (&Value::from("action_result"), &Value::from("two")),
        "{last}"
    );
    assert_eq!(read(&dir.join("out.txt")), "one\ntwo\n");
    journal_path(dir)
}

/// (a) The process died mid-write: the last line is cut in the middle, no newline. Resume
/// warns that it ignores that line, settles step two (its action result is lost, so it is
/// in doubt; its verifies pass, so --yes marks it done without re-running it), completes,
/// and leaves a journal every reader accepts.
#[test]
fn a_torn_last_journal_line_is_ignored_with_a_warning_and_resume_completes() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let journal = crashed_after_two_acted(dir);
    let text = read(&journal);
    let body = text.strip_suffix('\n').unwrap();
    let last_start = body.rfind('\n').unwrap() + 1;
    let torn = &text[..last_start + (body.len() - last_start) / 2];
    assert!(!torn.ends_with('\n'));
    std::fs::write(&journal, torn).unwrap();

    let out = Test::new()
        .current_dir(dir)
        .args(["resume", "--yes"])
        .run()
        .expect_code(0);
    assert!(
        out.stderr
            .contains("was cut off mid-write (the process died); it is ignored"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("finished: every step is done"),
        "{}",
        out.stdout
    );
    assert_eq!(
        read(&dir.join("out.txt")),
        "one\ntwo\nthree\n",
        "no action twice"
    );

    // What resume appended must not be glued to the torn fragment.
    let text = read(&journal);
    for (number, line) in text.lines().enumerate() {
        assert!(
            serde_json::from_str::<Value>(line).is_ok(),
            "journal line {} is not JSON after the resume: {line}",
            number + 1
        );
    }
    let all = journal_events(dir);
    assert!(
        all.iter()
            .any(|e| e["event"] == "decision" && e["step"] == "two" && e["choice"] == "mark-done"),
        "{all:?}"
    );
    assert_eq!(all.last().unwrap()["event"], "run_finished");
    assert_finished(dir);
}

/// (b) Damage before the last line is not a crash artefact: resume refuses, naming the
/// journal and the line, exit 2, and executes nothing.
#[test]
fn a_corrupt_journal_line_in_the_middle_refuses_resume_and_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let journal = crashed_after_two_acted(dir);
    let mut lines: Vec<String> = read(&journal).lines().map(str::to_string).collect();
    lines[4] = lines[4].replacen("\"event\"", "\"event", 1);
    let damaged = lines.join("\n") + "\n";
    std::fs::write(&journal, &damaged).unwrap();

    let out = Test::new()
        .current_dir(dir)
        .args(["resume", "--yes"])
        .run()
        .expect_code(2);
    let relative = journal.strip_prefix(dir).unwrap();
    assert!(
        out.stderr.contains(&format!(
            "the journal {} is damaged at line 5:",
            relative.display()
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("nothing was executed"),
        "{}",
        out.stderr
    );
    assert_eq!(read(&dir.join("out.txt")), "one\ntwo\n", "nothing executed");
    assert_eq!(read(&journal), damaged, "nothing journaled");
}

/// An event this version does not know, written by a newer one, is not damage: `status`
/// and `report` show it (unknown, with the version that wrote it); `resume` and `rollback`
/// refuse with exit 5 naming it, since acting on a journal they cannot fully read could
/// repeat an action. Nothing is executed or journaled.
#[test]
fn an_event_from_a_newer_version_is_shown_and_refuses_resume_and_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let journal = crashed_after_two_acted(dir);
    let mut text = read(&journal);
    text.push_str(
        "{\"seq\":15,\"time\":\"2026-12-02T17:00:00Z\",\"event\":\"quorum_vote\",\"step\":\"two\",\"votes\":3}\n",
    );
    std::fs::write(&journal, &text).unwrap();

    let status = Test::new().current_dir(dir).args(["status"]).run();
    assert_eq!(status.code, 0, "{}", status.stderr);
    let shown = format!("{}{}", status.stdout, status.stderr);
    assert!(
        shown.contains("unknown event `quorum_vote` at line 15"),
        "{shown}"
    );
    assert!(shown.contains("written by a newer cutover"), "{shown}");

    let report = Test::new()
        .current_dir(dir)
        .args(["report", "--format", "markdown"])
        .run()
        .expect_code(0);
    assert!(report.stdout.contains("quorum_vote"), "{}", report.stdout);

    for args in [&["resume", "--yes"][..], &["rollback", "--yes"][..]] {
        let out = Test::new().current_dir(dir).args(args).run().expect_code(5);
        assert!(
            out.stderr
                .contains("unknown event `quorum_vote` at line 15"),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(
            out.stderr.matches("error:").count(),
            1,
            "{args:?}: one error line: {}",
            out.stderr
        );
    }
    assert_eq!(read(&dir.join("out.txt")), "one\ntwo\n", "nothing executed");
    assert_eq!(read(&journal), text, "nothing journaled");
}

fn guarded_runbook(dir: &Path, bootstrap: &str, cluster_id: &str) -> PathBuf {
    write(
        dir,
        "guarded.yaml",
        &format!(
            "version: 1\nname: guarded\nclusters:\n  source: {{ bootstrap: '{bootstrap}', cluster_id: {cluster_id} }}\n  target: {{ bootstrap: '127.0.0.1:1' }}\ndefaults:\n  poll_interval: 1s\n  timeout: 3s\n  request_timeout: 5s\ntiers:\n  - name: t\n    steps:\n      - id: one\n        requires:\n          - kind: command\n            run: touch check-ran\n        run: echo one >> out.txt\n        undo: 'true'\n      - id: two\n        run: echo two >> out.txt\n        undo: 'true'\n"
        ),
    )
}

/// A runbook naming cluster id `production` against a broker whose id is `src`: run, dry
/// run and check all stop with exit 2 before any check or action, naming both ids. A run
/// started on the right cluster refuses to resume once the runbook points elsewhere.
#[test]
fn the_wrong_cluster_stops_run_rehearsal_check_and_resume_before_anything_runs() {
    let source = Broker::start("src");
    let other = Broker::start("other");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let runbook = guarded_runbook(dir, &source.bootstrap, "production");
    let path = runbook.to_str().unwrap();
    let message = format!(
        "error: wrong cluster: source ({}) has cluster id src, the runbook expects production",
        source.bootstrap
    );
    for args in [
        vec!["run", path, "--yes"],
        vec!["run", path, "--dry-run", "--run-commands", "--yes"],
        vec!["check", path],
    ] {
        let out = Test::new()
            .current_dir(dir)
            .args(&args)
            .run()
            .expect_code(2);
        assert!(out.stderr.contains(&message), "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{args:?}");
        assert!(!dir.join("check-ran").exists(), "{args:?} ran a check");
        assert!(!dir.join("out.txt").exists(), "{args:?} ran an action");
        // The lock is taken before connecting; no run directory, so no journal at all.
        assert!(
            !dir.join(".cutover/runs").exists(),
            "{args:?} started a run"
        );
    }

    // The right cluster: a run that crashes after step one's action result (event 8: the
    // requires round journals a poll event before its check, the action an action_started
    // after its intent).
    let runbook = guarded_runbook(dir, &source.bootstrap, "src");
    let out = Test::new()
        .current_dir(dir)
        .env("CUTOVER_TEST_CRASH_AFTER_EVENT", "8")
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run();
    assert_eq!(out.code, -1, "{}", out.stderr);
    assert_eq!(read(&dir.join("out.txt")), "one\n");
    let journal = read(&journal_path(dir));
    // Pointed at another broker (same steps, same expected id): resume refuses.
    guarded_runbook(dir, &other.bootstrap, "src");
    let out = Test::new()
        .current_dir(dir)
        .args(["resume", "--yes"])
        .run()
        .expect_code(2);
    assert!(
        out.stderr.contains(&format!(
            "error: wrong cluster: source ({}) has cluster id other, the runbook expects src",
            other.bootstrap
        )),
        "{}",
        out.stderr
    );
    assert_eq!(read(&dir.join("out.txt")), "one\n", "nothing executed");
    assert_eq!(read(&journal_path(dir)), journal, "nothing journaled");
    // Pointed back: it completes.
    guarded_runbook(dir, &source.bootstrap, "src");
    Test::new()
        .current_dir(dir)
        .args(["resume", "--yes"])
        .run()
        .expect_code(0);
    assert_eq!(read(&dir.join("out.txt")), "one\ntwo\n");
}

/// Tier names are free text; the action sees them, the step id and the run id only as
/// environment variables, never spliced into the command.
#[test]
fn actions_receive_runbook_values_only_as_environment_variables() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let tier = "up; touch pwned $(touch pwned2) `touch pwned3` ' \" \\ $HOME";
    let step = "a.b-c_1";
    let runbook = write(
        dir,
        "env.yaml",
        &format!(
            "version: 1\nname: env\nclusters:\n  source: {{ bootstrap: '127.0.0.1:1' }}\n  target: {{ bootstrap: '127.0.0.1:2' }}\ntiers:\n  - name: {}\n    steps:\n      - id: {step}\n        run: printf '%s\\n' \"$CUTOVER_STEP_ID\" \"$CUTOVER_TIER\" \"$CUTOVER_RUN_ID\" > env.txt\n        undo: 'true'\n",
            serde_json::to_string(tier).unwrap()
        ),
    );
    Test::new()
        .current_dir(dir)
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    let run_id = journal_path(dir)
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        read(&dir.join("env.txt")),
        format!("{step}\n{tier}\n{run_id}\n")
    );
    for file in ["pwned", "pwned2", "pwned3"] {
        assert!(
            !dir.join(file).exists(),
            "the tier name ran as shell: {file}"
        );
    }
    let all = journal_events(dir);
    assert!(all
        .iter()
        .any(|e| e["event"] == "step_started" && e["tier"] == tier));
}

/// Issue 11 (3): a poll round stops at the step's deadline. A producers_quiet window longer
/// than the step's timeout is cancelled there (an error), so the wait ends within about one
/// request timeout of it, not after the window.
#[test]
fn a_producers_quiet_window_is_cancelled_at_the_step_deadline() {
    let broker = Broker::start("quiet");
    fixture::create_topic(&broker.bootstrap, "orders", 1, &[]);
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let runbook = write(
        dir,
        "quiet.yaml",
        &format!(
            "version: 1\nname: quiet\nclusters:\n  source: {{ bootstrap: '{0}' }}\n  target: {{ bootstrap: '{0}' }}\ndefaults:\n  request_timeout: 2s\ntiers:\n  - name: t\n    steps:\n      - id: quiet\n        instructions: wait\n        verifies:\n          - kind: producers_quiet\n            cluster: source\n            topics: [orders]\n            window: 1m\n            timeout: 3s\n",
            broker.bootstrap
        ),
    );
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir)
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(3);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(15),
        "took {took:?}: {}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("the window was cancelled at the step's deadline"),
        "{}",
        out.stderr
    );
}

/// Issue 15: the `producers_quiet` window watches the cancel token the engine sets on Ctrl-C
/// (passed in through `Clusters`), so a Ctrl-C ends a long window at once with exit 130.
#[test]
fn ctrl_c_during_a_producers_quiet_window_ends_the_run_at_once() {
    let broker = Broker::start("quiet-int");
    fixture::create_topic(&broker.bootstrap, "orders", 1, &[]);
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let runbook = write(
        dir,
        "quiet.yaml",
        &format!(
            "version: 1\nname: quiet\nclusters:\n  source: {{ bootstrap: '{0}' }}\n  target: {{ bootstrap: '{0}' }}\ndefaults:\n  request_timeout: 2s\ntiers:\n  - name: t\n    steps:\n      - id: quiet\n        instructions: wait\n        verifies:\n          - kind: producers_quiet\n            cluster: source\n            topics: [orders]\n            window: 5m\n            timeout: 10m\n",
            broker.bootstrap
        ),
    );
    let child = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .current_dir(dir)
        .env(
            "CUTOVER_USER_STATE_DIR",
            crate::support::user_state_dir(dir),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !dir.join(".cutover/runs").exists()
        || !journal_events(dir)
            .iter()
            .any(|e| e["event"] == "step_started")
    {
        assert!(started.elapsed() < Duration::from_secs(20), "never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Inside the window: its first snapshot takes a moment after the step starts.
    std::thread::sleep(Duration::from_secs(2));
    let signalled = Instant::now();
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    let took = signalled.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(130),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let events = journal_events(dir);
    assert!(
        events.iter().any(|e| e["event"] == "check"
            && e["summary"]
                .as_str()
                .is_some_and(|s| s.contains("interrupted during the window"))),
        "{stdout}"
    );
    assert!(
        events.iter().any(|e| e["event"] == "interrupted"),
        "{stdout}"
    );
}
