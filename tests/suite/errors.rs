//! Every error path prints exactly one `error:` line (its hint lines after it), with its exit
//! code: the error is returned up to `main`, which prints it once.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{journal_events, user_state_dir, write, Outcome, Test};

/// The lines that open with `error:` (a cluster's own message may say "error:" inside a line).
fn error_lines(out: &Outcome) -> Vec<&str> {
    out.stderr
        .lines()
        .filter(|l| l.starts_with("error:") || l.contains(": error: "))
        .collect()
}

fn one_error(out: &Outcome, expected: &str) {
    let lines = error_lines(out);
    assert_eq!(lines.len(), 1, "one error line\n{}", out.stderr);
    assert!(lines[0].contains(expected), "{}", out.stderr);
}

const NO_CHECKS: &str = "version: 1\nname: e\nclusters:\n  source: { bootstrap: '127.0.0.1:1' }\n  target: { bootstrap: '127.0.0.1:2' }\ntiers:\n  - name: t\n    steps:\n";

#[test]
fn a_bad_runbook_is_one_located_error_line_exit_2() {
    for command in ["validate", "plan", "check", "run"] {
        let out = Test::new()
            .args([command, "tests/broken/bad-duration.yaml"])
            .run()
            .expect_code(2);
        one_error(&out, "tests/broken/bad-duration.yaml:13:21: error: ");
    }
}

#[test]
fn an_unreadable_file_is_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    // A runbook that is missing, or a directory.
    let out = Test::new()
        .current_dir(dir.path())
        .args(["validate", "missing.yaml"])
        .run()
        .expect_code(2);
    one_error(&out, "missing.yaml:1:1: error: cannot read runbook");
    std::fs::create_dir(dir.path().join("dir.yaml")).unwrap();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["plan", "dir.yaml"])
        .run()
        .expect_code(2);
    one_error(&out, "dir.yaml:1:1: error: cannot read runbook");
    // An answers file that cannot be read.
    let runbook = format!("{NO_CHECKS}      - id: s\n        run: 'true'\n        undo: 'true'\n");
    write(dir.path(), "ok.yaml", &runbook);
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", "ok.yaml", "--answers", "no-such-answers"])
        .run()
        .expect_code(2);
    one_error(&out, "error: cannot read answers file ");
    assert!(
        out.stderr.contains("no-such-answers: No such file"),
        "{}",
        out.stderr
    );
    // A report that cannot be written.
    Test::new()
        .current_dir(dir.path())
        .args(["run", "ok.yaml", "--yes"])
        .run()
        .expect_code(0);
    let out = Test::new()
        .current_dir(dir.path())
        .args(["report", "-o", "no/such/dir/report.md"])
        .run()
        .expect_code(1);
    one_error(&out, "error: cannot write no/such/dir/report.md");
    // A run id that is nowhere: the error, then the hint.
    let out = Test::new()
        .current_dir(dir.path())
        .args(["status", "20000101T000000Z-nope"])
        .run()
        .expect_code(2);
    one_error(&out, "error: ");
    // Bad usage: clap's one error line, then its usage.
    let out = Test::new()
        .args(["plan", "x.yaml", "--format", "pdf"])
        .run()
        .expect_code(2);
    one_error(&out, "error: invalid value 'pdf'");
}

#[test]
fn a_locked_cluster_pair_is_one_error_line_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    let runbook =
        format!("{NO_CHECKS}      - id: wait\n        run: sleep 3\n        undo: 'true'\n");
    write(dir.path(), "slow.yaml", &runbook);
    let mut first = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["run", "slow.yaml", "--yes"])
        .current_dir(dir.path())
        .env("CUTOVER_USER_STATE_DIR", user_state_dir(dir.path()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !intent(dir.path()) {
        assert!(started.elapsed() < Duration::from_secs(20), "no action");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", "slow.yaml", "--yes", "--state-dir", "elsewhere"])
        .run()
        .expect_code(4);
    one_error(&out, "error: ");
    assert!(out.stderr.contains("locked by run"), "{}", out.stderr);
    assert!(first.wait().unwrap().success());
}

fn intent(dir: &Path) -> bool {
    dir.join(".cutover/runs").exists()
        && journal_events(dir)
            .iter()
            .any(|e| e["event"] == "action_intent")
}

#[test]
fn a_refusal_is_one_error_line_exit_5() {
    let dir = tempfile::tempdir().unwrap();
    let runbook =
        format!("{NO_CHECKS}      - id: fails\n        run: 'false'\n        undo: 'true'\n");
    write(dir.path(), "fails.yaml", &runbook);
    Test::new()
        .current_dir(dir.path())
        .args(["run", "fails.yaml", "--yes"])
        .run()
        .expect_code(1);
    // The unfinished run refuses a new one: one error line, then the ways on.
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", "fails.yaml", "--yes"])
        .run()
        .expect_code(5);
    one_error(&out, "of this runbook is unfinished");
    assert!(out.stderr.contains("continue it:"), "{}", out.stderr);
    // Abandoned, it is not resumed.
    let id = journal_events(dir.path())[0]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    Test::new()
        .current_dir(dir.path())
        .args(["abandon", &id, "--reason", "test"])
        .run()
        .expect_code(0);
    let out = Test::new()
        .current_dir(dir.path())
        .args(["resume", &id, "--yes"])
        .run()
        .expect_code(5);
    one_error(&out, "was abandoned");
}

#[test]
fn clusters_that_are_down_are_one_error_line_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "down.yaml",
        "version: 1\nname: down\nclusters:\n  source: { bootstrap: '127.0.0.1:1' }\n  target: { bootstrap: '127.0.0.1:2' }\ndefaults:\n  request_timeout: 1s\ntiers:\n  - name: t\n    steps:\n      - id: s\n        run: 'true'\n        undo: 'true'\n        verifies:\n          - { kind: lag_zero, cluster: target, groups: [g] }\n        requires:\n          - { kind: producers_quiet, cluster: source, topics: [t] }\n",
    );
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", "down.yaml", "--yes"])
        .run()
        .expect_code(3);
    // Both clusters are named; only the first on the `error:` line.
    one_error(&out, "error: preflight: the source cluster (127.0.0.1:1)");
    assert!(
        out.stderr
            .contains("\nand the target cluster (127.0.0.1:2) did not answer"),
        "{}",
        out.stderr
    );
}

/// An API the cluster lacks is named by librdkafka's code, not guessed from its words:
/// librdkafka's mock cluster does not answer ListGroups (Local: Required feature not supported
/// by broker, RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE).
#[test]
fn an_api_the_cluster_lacks_is_not_supported_by_this_cluster() {
    let cluster = rdkafka::mocking::MockCluster::new(1).unwrap();
    cluster.create_topic("orders", 1, 1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "mock.yaml",
        &format!("version: 1\nname: mock\nclusters:\n  source: {{ bootstrap: '{bootstrap}' }}\n  target: {{ bootstrap: '{bootstrap}' }}\ndefaults:\n  request_timeout: 5s\ntiers:\n  - name: t\n    steps:\n      - id: s\n        verifies:\n          - {{ kind: lag_zero, cluster: source, groups: ['billing-.*'] }}\n"),
    );
    let out = Test::new()
        .current_dir(dir.path())
        .args(["check", "mock.yaml", "--json"])
        .run()
        .expect_code(3);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v["type"] == "check")
        .collect();
    assert_eq!(lines.len(), 1, "{}", out.stdout);
    for line in &lines {
        assert_eq!(line["status"], "error", "{line}");
        let summary = line["summary"].as_str().unwrap();
        assert!(
            summary.contains("list groups: not supported by this cluster: ListGroups"),
            "{line}"
        );
    }
}
