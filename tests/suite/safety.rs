//! Operator safety (issue 13): unfinished runs are never forgotten, runs are found from any
//! directory, rehearsals are honest, reports show the night's run, and a missing TLS file is
//! named before anything connects. Every hint the tool prints here is run as printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{appending_runbook, lines, write, Outcome, Test};

/// A test's own run index, so "the newest run" and `cutover runs` see only its runs.
struct Place {
    _root: tempfile::TempDir,
    /// Holds the runbook (and, by default, its `.cutover`).
    book: PathBuf,
    /// Another working directory: a second login after an SSH drop.
    elsewhere: PathBuf,
    index: PathBuf,
}

impl Place {
    fn new() -> Place {
        let root = tempfile::tempdir().unwrap();
        let book = root.path().join("book");
        let elsewhere = root.path().join("elsewhere");
        let index = root.path().join("user-state");
        for dir in [&book, &elsewhere] {
            std::fs::create_dir(dir).unwrap();
        }
        Place {
            book,
            elsewhere,
            index,
            _root: root,
        }
    }

    /// The binary in `dir`, with this test's run index.
    fn at(&self, dir: &Path) -> Test {
        Test::new()
            .current_dir(dir)
            .env("CUTOVER_USER_STATE_DIR", self.index.to_str().unwrap())
    }

    fn journal(&self, run_id: &str) -> Vec<serde_json::Value> {
        journal_of(&self.book.join(".cutover"), run_id)
    }
}

fn journal_of(state_dir: &Path, run_id: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(state_dir.join("runs").join(run_id).join("journal.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cutover")
}

/// The hint lines of `text` that start with the program (as the tool printed it: the
/// absolute path the test ran) and contain `words`.
fn hint(text: &str, words: &str) -> String {
    text.lines()
        .filter_map(|l| l.find(bin()).map(|at| l[at..].trim().to_string()))
        .find(|l| l.contains(words))
        .unwrap_or_else(|| panic!("no hint with {words:?} in\n{text}"))
}

/// Run a printed hint exactly as printed (plus `extra`, e.g. `--yes` where no terminal can
/// answer), with `sh`, in `dir`.
fn run_hint(place: &Place, dir: &Path, hint: &str, extra: &str) -> Outcome {
    let out = Command::new("sh")
        .args(["-c", &format!("{hint} {extra}")])
        .current_dir(dir)
        .env("CUTOVER_USER_STATE_DIR", &place.index)
        .env("NO_COLOR", "1")
        .env_remove("CUTOVER_STATE_DIR")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn only_run_id(state_dir: &Path) -> String {
    let mut ids: Vec<String> = std::fs::read_dir(state_dir.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    ids.sort();
    ids.pop().unwrap()
}

/// Two steps that append to out.txt; step one then waits for a `go` file (its verifies), so
/// the run can be interrupted while it waits.
fn waiting_runbook(dir: &Path) -> PathBuf {
    write(
        dir,
        "wait.yaml",
        "version: 1\nname: waiting\nclusters:\n  source: { bootstrap: '127.0.0.1:1' }\n  target: { bootstrap: '127.0.0.1:2' }\ndefaults:\n  poll_interval: 1s\n  timeout: 60s\ntiers:\n  - name: only\n    steps:\n      - id: one\n        run: echo one >> out.txt\n        undo: 'true'\n        verifies:\n          - kind: command\n            run: test -f go\n      - id: two\n        run: echo two >> out.txt\n        undo: 'true'\n",
    )
}

/// Start a run of the waiting runbook in `place.book` and Ctrl-C it while step one waits.
fn interrupted_run(place: &Place) -> String {
    let runbook = waiting_runbook(&place.book);
    let mut child = Command::new(bin())
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .current_dir(&place.book)
        .env("CUTOVER_USER_STATE_DIR", &place.index)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let polling = std::fs::read_dir(place.book.join(".cutover/runs"))
            .ok()
            .and_then(|mut d| d.next())
            .map(|e| e.unwrap().path().join("journal.jsonl"))
            .and_then(|j| std::fs::read_to_string(j).ok())
            .is_some_and(|t| t.contains("\"event\":\"check\""));
        if polling {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "never polled");
        std::thread::sleep(Duration::from_millis(50));
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "Ctrl-C exits 130");
    only_run_id(&place.book.join(".cutover"))
}

#[test]
fn a_run_after_an_interrupted_run_is_refused_and_the_run_is_resumed_from_elsewhere() {
    let place = Place::new();
    let id = interrupted_run(&place);
    assert_eq!(lines(&place.book.join("out.txt")), ["one"]);

    // The second `run` of the night: refused, naming the run and the ways on.
    let refused = place
        .at(&place.book)
        .args(["run", "wait.yaml", "--yes"])
        .run()
        .expect_code(5);
    assert!(
        refused.stderr.contains(&format!(
            "error: run {id} of this runbook is unfinished: interrupted"
        )),
        "{}",
        refused.stderr
    );
    assert_eq!(
        lines(&place.book.join("out.txt")),
        ["one"],
        "the refused run ran nothing"
    );
    assert_eq!(only_run_id(&place.book.join(".cutover")), id, "no new run");

    // From another directory: status and the list find it.
    let status = place
        .at(&place.elsewhere)
        .args(["status", &id])
        .run()
        .expect_code(0);
    assert!(
        status.stdout.contains("state:   interrupted"),
        "{}",
        status.stdout
    );
    let runs = place
        .at(&place.elsewhere)
        .args(["runs"])
        .run()
        .expect_code(0);
    let row = runs
        .stdout
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap_or_else(|| panic!("{id} not listed:\n{}", runs.stdout));
    let runbook = place.book.join("wait.yaml").canonicalize().unwrap();
    for needle in [
        "run",
        "interrupted",
        &runbook.display().to_string(),
        &whoami(),
    ] {
        assert!(row.contains(needle), "{needle:?} missing in {row:?}");
    }

    // The resume hint, run as printed from the other directory (--yes: no terminal here).
    std::fs::write(place.book.join("go"), "").unwrap();
    let resume = hint(&refused.stderr, "resume");
    assert_eq!(resume, format!("{} resume {id}", bin()));
    let resumed = run_hint(&place, &place.elsewhere, &resume, "--yes").expect_code(0);
    assert!(
        resumed.stderr.contains("Working directory:"),
        "{}",
        resumed.stderr
    );
    // The actions ran where the run started, not in the directory of the resume.
    assert_eq!(lines(&place.book.join("out.txt")), ["one", "two"]);
    assert!(!place.elsewhere.join("out.txt").exists());
    let status = place.at(&place.elsewhere).args(["status"]).run();
    assert!(
        status.stdout.contains(&format!("Run {id} (run)"))
            && status.stdout.contains("state:   finished"),
        "{}",
        status.stdout
    );
    // Finished: a new run of the runbook may start.
    place
        .at(&place.book)
        .args(["run", "wait.yaml", "--yes"])
        .run()
        .expect_code(0);
}

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
    std::env::var("USER").unwrap_or(name)
}

/// A run of the appending runbook that dies (kill -9 style) right after step one's action.
fn crashed_run(place: &Place) -> String {
    appending_runbook(&place.book);
    let before: Vec<String> = std::fs::read_dir(place.book.join(".cutover/runs"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    // run_started, step_started, confirmation, action_intent, action_started,
    // action_result: then abort.
    let out = place
        .at(&place.book)
        .env("CUTOVER_TEST_CRASH_AFTER_EVENT", "6")
        .args(["run", "append.yaml", "--yes"])
        .run();
    assert_eq!(out.code, -1, "{}", out.stderr);
    let id = only_run_id(&place.book.join(".cutover"));
    assert!(!before.contains(&id));
    id
}

#[test]
fn abandon_and_run_new_are_journaled_and_let_a_new_run_start() {
    let place = Place::new();
    let first = crashed_run(&place);
    let refused = place
        .at(&place.book)
        .args(["run", "append.yaml", "--yes"])
        .run()
        .expect_code(5);
    assert!(
        refused
            .stderr
            .contains(&format!("run {first} of this runbook is unfinished")),
        "{}",
        refused.stderr
    );

    // The abandon hint, exactly as printed, from another directory.
    let abandon = hint(&refused.stderr, "abandon");
    assert_eq!(abandon, format!("{} abandon {first} --reason TEXT", bin()));
    let out = run_hint(&place, &place.elsewhere, &abandon, "").expect_code(0);
    // The rollback hint it prints works too (a rehearsal of it: nothing is executed).
    let rollback = hint(&out.stderr, "rollback");
    run_hint(&place, &place.elsewhere, &rollback, "--dry-run --yes").expect_code(0);
    let abandoned = place.journal(&first);
    let event = abandoned
        .iter()
        .find(|e| e["event"] == "abandoned")
        .expect("an abandoned event");
    assert_eq!(event["reason"], "TEXT");
    let status = place
        .at(&place.elsewhere)
        .args(["status", &first])
        .run()
        .expect_code(0);
    assert!(
        status.stdout.contains("state:   abandoned: TEXT (by "),
        "{}",
        status.stdout
    );
    let report = place
        .at(&place.elsewhere)
        .args(["report", &first])
        .run()
        .expect_code(0);
    assert!(
        report.stdout.contains("| outcome | **⚠ abandoned: TEXT"),
        "{}",
        report.stdout
    );
    // An abandoned run is not resumed; abandoning it again changes nothing.
    place
        .at(&place.elsewhere)
        .args(["resume", &first, "--yes"])
        .run()
        .expect_code(5);
    place
        .at(&place.elsewhere)
        .args(["abandon", &first, "--reason", "again"])
        .run()
        .expect_code(0);
    assert_eq!(place.journal(&first).len(), abandoned.len());

    // Now a new run starts, from step 1.
    place
        .at(&place.book)
        .args(["run", "append.yaml", "--yes"])
        .run()
        .expect_code(0);
    assert_eq!(
        lines(&place.book.join("out.txt")),
        ["one", "one", "two", "three"]
    );
    // A finished run cannot be abandoned.
    let finished = only_run_id(&place.book.join(".cutover"));
    place
        .at(&place.elsewhere)
        .args(["abandon", &finished, "--reason", "late"])
        .run()
        .expect_code(2);

    // `run --new` starts over knowingly: the unfinished run is abandoned, journaled.
    let second = crashed_run(&place);
    let out = place
        .at(&place.book)
        .args(["run", "append.yaml", "--new", "--yes"])
        .run()
        .expect_code(0);
    assert!(
        out.stderr
            .contains(&format!("Abandoned unfinished run {second} (journaled)")),
        "{}",
        out.stderr
    );
    let event = place
        .journal(&second)
        .into_iter()
        .find(|e| e["event"] == "abandoned")
        .expect("run --new journals the abandonment");
    assert!(
        event["reason"].as_str().unwrap().contains("run --new"),
        "{event}"
    );
}

#[test]
fn runs_live_beside_the_runbook_and_are_found_from_any_directory() {
    let place = Place::new();
    let runbook = appending_runbook(&place.book);
    // Started from another directory: the runs are beside the runbook, the actions run in
    // the working directory.
    place
        .at(&place.elsewhere)
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    assert!(place.book.join(".cutover/runs").is_dir());
    assert!(!place.elsewhere.join(".cutover").exists());
    assert_eq!(
        lines(&place.elsewhere.join("out.txt")),
        ["one", "two", "three"]
    );
    let id = only_run_id(&place.book.join(".cutover"));
    let third = place._root.path().join("third");
    std::fs::create_dir(&third).unwrap();
    for args in [vec!["status"], vec!["status", &id], vec!["report", &id]] {
        let out = place.at(&third).args(&args).run().expect_code(0);
        assert!(out.stdout.contains(&id), "{args:?}: {}", out.stdout);
    }
    let index = std::fs::read_to_string(place.index.join("state-dirs")).unwrap();
    assert_eq!(
        index.trim(),
        place
            .book
            .join(".cutover")
            .canonicalize()
            .unwrap()
            .to_str()
            .unwrap()
    );

    // An unknown id: the error says where it looked and the hint lists the runs.
    let missing = place
        .at(&third)
        .args(["status", "20990101T000000Z-0000"])
        .run()
        .expect_code(2);
    let runs = hint(&missing.stderr, " runs");
    assert_eq!(runs, format!("{} runs", bin()));
    let listed = run_hint(&place, &third, &runs, "").expect_code(0);
    assert!(listed.stdout.contains(&id), "{}", listed.stdout);

    // CUTOVER_STATE_DIR: a shift's shared directory.
    let shared = place._root.path().join("shared");
    place
        .at(&place.elsewhere)
        .env("CUTOVER_STATE_DIR", shared.to_str().unwrap())
        .args(["run", runbook.to_str().unwrap(), "--yes", "--new"])
        .run()
        .expect_code(0);
    assert!(shared.join("runs").is_dir());
    let listed = place
        .at(&third)
        .env("CUTOVER_STATE_DIR", shared.to_str().unwrap())
        .args(["runs"])
        .run()
        .expect_code(0);
    assert_eq!(listed.stdout.lines().count(), 2, "{}", listed.stdout);

    // Beside the runbook is not writable: say so and name --state-dir.
    let blocked = place._root.path().join("blocked");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join(".cutover"), "a file, not a directory").unwrap();
    let copy = blocked.join("append.yaml");
    std::fs::copy(&runbook, &copy).unwrap();
    let out = place
        .at(&blocked)
        .args(["run", "append.yaml", "--yes"])
        .run()
        .expect_code(2);
    assert!(
        out.stderr
            .contains("error: cannot keep runs beside the runbook in .cutover:")
            && out.stderr.contains("pass --state-dir DIR"),
        "{}",
        out.stderr
    );
    place
        .at(&blocked)
        .args([
            "run",
            "append.yaml",
            "--yes",
            "--new",
            "--state-dir",
            "state",
        ])
        .run()
        .expect_code(0);
}

fn unreachable_rehearsal(dir: &Path) -> PathBuf {
    write(
        dir,
        "rehearse.yaml",
        "version: 1\nname: rehearse\nclusters:\n  source: { bootstrap: '127.0.0.1:1' }\n  target: { bootstrap: '127.0.0.1:2' }\ndefaults:\n  request_timeout: 1s\n  poll_interval: 1s\n  timeout: 2s\ntiers:\n  - name: only\n    steps:\n      - id: stop-producers\n        run: echo stopped >> out.txt\n        undo: 'true'\n        verifies:\n          - kind: producers_quiet\n            cluster: source\n            topics: [orders]\n      - id: switch\n        run: echo switched >> out.txt\n        undo: 'true'\n        requires:\n          - kind: lag_zero\n            cluster: target\n            groups: [billing]\n",
    )
}

#[test]
fn a_rehearsal_against_unreachable_clusters_exits_3_and_lists_the_errors_first() {
    // The rehearsal's preflight asks every cluster its checks use before walking a step: an
    // unreachable one is an error to fix first (exit 3), never "every step is done". (How a
    // rehearsal sorts errors that only a check shows, an unsupported API or a refused
    // permission, is unit-tested in engine::rehearsal.)
    let place = Place::new();
    unreachable_rehearsal(&place.book);
    let out = place
        .at(&place.book)
        .args(["run", "rehearse.yaml", "--dry-run", "--yes"])
        .run()
        .expect_code(3);
    // One `error:` line names the first cluster; the other one follows it.
    assert!(
        out.stderr
            .contains("error: preflight: the source cluster (127.0.0.1:1) did not answer"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("\nand the target cluster (127.0.0.1:2) did not answer"),
        "{}",
        out.stderr
    );
    let errors = out.stderr.lines().filter(|l| l.starts_with("error:"));
    assert_eq!(errors.count(), 1, "{}", out.stderr);
    assert!(!out.stderr.contains("every step is done"), "{}", out.stderr);
    assert!(
        !place.book.join("out.txt").exists(),
        "a rehearsal ran an action"
    );
}

#[test]
fn a_rehearsal_names_the_step_a_failing_check_waits_for() {
    let place = Place::new();
    write(
        &place.book,
        "marker.yaml",
        "version: 1\nname: marker\nclusters:\n  source: { bootstrap: '127.0.0.1:1' }\n  target: { bootstrap: '127.0.0.1:2' }\ntiers:\n  - name: only\n    steps:\n      - id: make-marker\n        run: touch marker\n        undo: rm marker\n        verifies:\n          - kind: command\n            run: test -f marker\n      - id: use-marker\n        run: 'true'\n        undo: 'true'\n        requires:\n          - kind: command\n            run: test -f marker\n",
    );
    let out = place
        .at(&place.book)
        .args(["run", "marker.yaml", "--dry-run", "--run-commands", "--yes"])
        .run()
        .expect_code(0);
    assert!(
        out.all()
            .contains("Expected to fail until an earlier step's action has run: 2"),
        "{}",
        out.all()
    );
    assert_eq!(
        out.all()
            .matches("expected to fail until step `make-marker` has run")
            .count(),
        2,
        "{}",
        out.stderr
    );
    assert!(out
        .stdout
        .contains("Rehearsal result: nothing to fix first"));

    // The same check on the first step, before any action: fix it first (exit 1).
    write(
        &place.book,
        "first.yaml",
        "version: 1\nname: first\nclusters:\n  source: { bootstrap: '127.0.0.1:1' }\n  target: { bootstrap: '127.0.0.1:2' }\ntiers:\n  - name: only\n    steps:\n      - id: use-marker\n        run: 'true'\n        undo: 'true'\n        requires:\n          - kind: command\n            run: test -f marker\n",
    );
    let out = place
        .at(&place.book)
        .args(["run", "first.yaml", "--dry-run", "--run-commands", "--yes"])
        .run()
        .expect_code(1);
    assert!(
        out.stdout.contains("  FAIL use-marker requires command"),
        "{}",
        out.stdout
    );
}

#[test]
fn report_and_status_without_a_run_id_show_the_forward_run_after_its_rollback() {
    let place = Place::new();
    appending_runbook(&place.book);
    place
        .at(&place.book)
        .args(["run", "append.yaml", "--yes"])
        .run()
        .expect_code(0);
    let forward = only_run_id(&place.book.join(".cutover"));
    place
        .at(&place.elsewhere)
        .args(["rollback", "--yes"])
        .run()
        .expect_code(7);
    let rollback = only_run_id(&place.book.join(".cutover"));
    assert_ne!(forward, rollback);

    let report = place
        .at(&place.elsewhere)
        .args(["report"])
        .run()
        .expect_code(0);
    assert!(
        report.stdout.starts_with("# Cutover run: append"),
        "{}",
        report.stdout
    );
    assert!(report.stdout.contains(&format!("| run | `{forward}` |")));
    assert!(
        report.stdout.contains(&format!(
            "## Rollbacks of this run\n\n- `{rollback}`: finished"
        )),
        "{}",
        report.stdout
    );
    let status = place
        .at(&place.elsewhere)
        .args(["status"])
        .run()
        .expect_code(0);
    let at_forward = status.stdout.find(&format!("Run {forward} (run)")).unwrap();
    let at_rollback = status
        .stdout
        .find(&format!("Run {rollback} (rollback of run {forward})"))
        .unwrap_or_else(|| panic!("{}", status.stdout));
    assert!(at_forward < at_rollback);
    // A finished rollback settles the forward run: a new run may start.
    place
        .at(&place.book)
        .args(["run", "append.yaml", "--yes"])
        .run()
        .expect_code(0);
}

#[test]
fn a_run_with_a_skipped_step_is_never_a_plain_finished() {
    let place = Place::new();
    write(
        &place.book,
        "skip.yaml",
        "version: 1\nname: skip\nclusters:\n  source: { bootstrap: '127.0.0.1:1' }\n  target: { bootstrap: '127.0.0.1:2' }\ndefaults:\n  poll_interval: 1s\n  timeout: 1s\ntiers:\n  - name: only\n    steps:\n      - id: one\n        run: 'true'\n        undo: 'true'\n        verifies:\n          - kind: command\n            run: 'false'\n      - id: two\n        run: 'true'\n        undo: 'true'\n",
    );
    write(&place.book, "answers", "yes\nskip: verified by hand\nyes\n");
    place
        .at(&place.book)
        .args(["run", "skip.yaml", "--answers", "answers"])
        .run()
        .expect_code(6);
    let status = place.at(&place.book).args(["status"]).run().expect_code(0);
    assert!(
        status
            .stdout
            .contains("state:   finished with 1 skipped step"),
        "{}",
        status.stdout
    );
    let markdown = place.at(&place.book).args(["report"]).run().expect_code(0);
    assert!(
        markdown
            .stdout
            .contains("| outcome | **⚠ finished with 1 skipped step** |"),
        "{}",
        markdown.stdout
    );
    let html = place
        .at(&place.book)
        .args(["report", "--format", "html"])
        .run()
        .expect_code(0);
    assert!(
        html.stdout
            .contains("<span class=\"skipped\">finished with 1 skipped step</span>"),
        "{}",
        html.stdout
    );
    assert!(!html.stdout.contains("<span class=\"pass\">finished"));
}

#[test]
fn a_missing_ssl_ca_file_is_a_warning_in_validate_and_stops_check_and_run() {
    let place = Place::new();
    let missing = place.book.join("certs/ca.pem");
    write(
        &place.book,
        "tls.yaml",
        &format!(
            "version: 1\nname: tls\nclusters:\n  source:\n    bootstrap: '127.0.0.1:1'\n    properties:\n      security.protocol: SSL\n      ssl.ca.location: {}\n  target: {{ bootstrap: '127.0.0.1:2' }}\ntiers:\n  - name: only\n    steps:\n      - id: one\n        run: echo one >> out.txt\n        undo: 'true'\n        verifies:\n          - kind: topics_match\n            topics: [orders]\n",
            missing.display()
        ),
    );
    let validate = place
        .at(&place.book)
        .args(["validate", "tls.yaml"])
        .run()
        .expect_code(0);
    assert!(
        validate.stderr.contains(&format!(
            "tls.yaml:8:24: warning: clusters.source.properties.ssl.ca.location: cannot read {}: no such file",
            missing.display()
        )),
        "{}",
        validate.stderr
    );
    let named = format!(
        "error: source cluster 127.0.0.1:1: client configuration: ssl.ca.location (set in the runbook, line 8): cannot read {}: no such file",
        missing.display()
    );
    for args in [vec!["check", "tls.yaml"], vec!["run", "tls.yaml", "--yes"]] {
        let out = place.at(&place.book).args(&args).run().expect_code(2);
        assert!(out.stderr.contains(&named), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("OpenSSL"), "{}", out.stderr);
    }
    assert!(!place.book.join("out.txt").exists(), "an action ran");
}

/// Two runbook files for the same two clusters (named by `cluster_id`): an unfinished run of
/// one refuses a run of the other.
#[test]
fn an_unfinished_run_on_the_same_cluster_pair_refuses_another_runbook() {
    let source = crate::support::Broker::start("pair-source");
    let target = crate::support::Broker::start("pair-target");
    let place = Place::new();
    let runbook = |dir: &Path, name: &str| {
        write(
            dir,
            name,
            &format!(
                "version: 1\nname: {name}\nclusters:\n  source: {{ bootstrap: '{}', cluster_id: pair-source }}\n  target: {{ bootstrap: '{}', cluster_id: pair-target }}\ntiers:\n  - name: only\n    steps:\n      - id: one\n        run: echo one >> out.txt\n        undo: 'true'\n      - id: two\n        run: echo two >> out.txt\n        undo: 'true'\n",
                source.bootstrap, target.bootstrap
            ),
        )
    };
    runbook(&place.book, "first.yaml");
    let out = place
        .at(&place.book)
        .env("CUTOVER_TEST_CRASH_AFTER_EVENT", "6")
        .args(["run", "first.yaml", "--yes"])
        .run();
    assert_eq!(out.code, -1, "{}", out.stderr);
    let first = only_run_id(&place.book.join(".cutover"));
    let started = &place.journal(&first)[0];
    assert_eq!(started["cluster_ids"]["source"], "pair-source", "{started}");

    let other = runbook(&place.elsewhere, "second.yaml");
    let refused = place
        .at(&place.elsewhere)
        .args(["run", other.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(5);
    assert!(
        refused.stderr.contains(&format!(
            "run {first} on the same two clusters is unfinished"
        )),
        "{}",
        refused.stderr
    );
    assert!(!place.elsewhere.join("out.txt").exists());
    // Resumed as printed, from the other directory: the run completes where it started.
    let resume = hint(&refused.stderr, "resume");
    run_hint(&place, &place.elsewhere, &resume, "--yes").expect_code(0);
    assert_eq!(lines(&place.book.join("out.txt")), ["one", "two"]);
    place
        .at(&place.elsewhere)
        .args(["run", other.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
}

/// Review finding 3: hints run as printed. After an abandoned rollback, `resume` hints a new
/// rollback of the forward run (not `run RUNBOOK`, the forward cutover); `run --new` beside an
/// unfinished run in a non-default state directory keeps `--state-dir` and an absolute runbook.
#[test]
fn hints_after_an_abandoned_rollback_and_beside_another_state_dir_run_as_printed() {
    let place = Place::new();
    appending_runbook(&place.book);
    place
        .at(&place.book)
        .args(["run", "append.yaml", "--yes"])
        .run()
        .expect_code(0);
    let forward = only_run_id(&place.book.join(".cutover"));
    // run_started, step_started, confirmation, action_intent, action_started,
    // action_result, step_done: the rollback stops after its first step.
    let crashed = place
        .at(&place.book)
        .env("CUTOVER_TEST_CRASH_AFTER_EVENT", "7")
        .args(["rollback", "--yes"])
        .run();
    assert_eq!(crashed.code, -1, "{}", crashed.stderr);
    let rollback = only_run_id(&place.book.join(".cutover"));
    place
        .at(&place.elsewhere)
        .args(["abandon", &rollback, "--reason", "undone by hand"])
        .run()
        .expect_code(0);
    let refused = place
        .at(&place.elsewhere)
        .args(["resume", &rollback, "--yes"])
        .run()
        .expect_code(5);
    let again = hint(&refused.stderr, "rollback");
    assert_eq!(
        again,
        format!("{} rollback {forward}", bin()),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains(&format!("{} run ", bin())),
        "not the forward cutover: {}",
        refused.stderr
    );
    // A new rollback of the forward run (its steps have no undo_verifies: exit 7, --yes).
    run_hint(&place, &place.elsewhere, &again, "--yes").expect_code(7);

    // A run in another state directory, crashed; `run --new` keeps that directory.
    let place = Place::new();
    appending_runbook(&place.book);
    let state = place.elsewhere.join("state");
    let out = place
        .at(&place.book)
        .env("CUTOVER_TEST_CRASH_AFTER_EVENT", "6")
        .args([
            "run",
            "append.yaml",
            "--yes",
            "--state-dir",
            state.to_str().unwrap(),
        ])
        .run();
    assert_eq!(out.code, -1, "{}", out.stderr);
    let first = only_run_id(&state);
    let refused = place
        .at(&place.book)
        .args([
            "run",
            "append.yaml",
            "--yes",
            "--state-dir",
            state.to_str().unwrap(),
        ])
        .run()
        .expect_code(5);
    let new = hint(&refused.stderr, "run --new");
    assert!(new.contains("--state-dir"), "{new}");
    let out = run_hint(&place, &place.elsewhere, &new, "--yes").expect_code(0);
    assert!(
        out.stderr
            .contains(&format!("Abandoned unfinished run {first} (journaled)")),
        "{}",
        out.stderr
    );
    assert_eq!(journal_of(&state, &only_run_id(&state))[0]["kind"], "run");
    assert!(
        !place.book.join(".cutover").exists(),
        "no run beside the runbook"
    );
}
