//! Rehearsal, rollback and the report, end to end on two tansu brokers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cutover::kafka::Connection;
use cutover::runbook::{Role, Secrets};

use crate::fixture::{self, numbered};
use crate::kafka::cluster;
use crate::support::{journals, lines, Broker, Test};

struct World {
    source: Broker,
    target: Broker,
    dir: tempfile::TempDir,
}

/// Source and target with `orders` mirrored, billing drained on source.
fn world() -> World {
    let source = Broker::start("src");
    let target = Broker::start("tgt");
    for broker in [&source, &target] {
        fixture::create_topic(&broker.bootstrap, "orders", 2, &[]);
        fixture::produce(&broker.bootstrap, "orders", 0, &numbered(0..20));
        fixture::produce(&broker.bootstrap, "orders", 1, &numbered(0..5));
    }
    fixture::commit(
        &source.bootstrap,
        "billing",
        &[("orders", 0, 20), ("orders", 1, 5)],
    );
    World {
        source,
        target,
        dir: tempfile::tempdir().unwrap(),
    }
}

/// Three tiers; every action appends to actions.log; every undo appends `undo-ID`, and its
/// undo_verifies check that line.
fn runbook(w: &World) -> PathBuf {
    let step = |id: &str, extra: &str| {
        format!(
            "      - id: {id}\n        title: Step {id}\n        run: echo {id} >> actions.log\n        undo: echo undo-{id} >> actions.log\n        undo_verifies:\n          - kind: command\n            run: grep -qx undo-{id} actions.log\n{extra}"
        )
    };
    let text = format!(
        "version: 1\nname: rollback e2e\nclusters:\n  source: {{ bootstrap: '{}' }}\n  target: {{ bootstrap: '{}' }}\nmirror:\n  engine: offset-preserving\ndefaults:\n  topics: [orders]\n  poll_interval: 1s\n  timeout: 30s\ntiers:\n  - name: upstream\n    steps:\n{}  - name: dam\n    steps:\n{}{}  - name: downstream\n    steps:\n{}{}",
        w.source.bootstrap,
        w.target.bootstrap,
        step("stop-producers", "        verifies:\n          - kind: producers_quiet\n            cluster: source\n            window: 1s\n"),
        step("drain", "        verifies:\n          - kind: lag_zero\n            cluster: source\n            groups: [billing]\n          - kind: mirror_caught_up\n"),
        step("switch-producers", "        point_of_no_return: true\n        verifies:\n          - kind: tail_match\n            records: 10\n"),
        step("start-consumers", ""),
        step("stop-mirror", ""),
    );
    let path = w.dir.path().join("runbook.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn run_into_the_downstream_tier_then_roll_back_in_exact_reverse() {
    let w = world();
    let path = runbook(&w);
    // Confirm the first four steps (typing the id at the point of no return), decline the
    // last: "no" offers wait, skip or abort; abort is asked once more.
    let answers = w.dir.path().join("answers");
    std::fs::write(
        &answers,
        "yes\nyes\nswitch-producers\nyes\nno\nabort\nyes\n",
    )
    .unwrap();
    Test::new()
        .current_dir(w.dir.path())
        .args([
            "run",
            path.to_str().unwrap(),
            "--answers",
            answers.to_str().unwrap(),
        ])
        .run()
        .expect_code(1);
    let log = w.dir.path().join("actions.log");
    assert_eq!(
        lines(&log),
        [
            "stop-producers",
            "drain",
            "switch-producers",
            "start-consumers"
        ]
    );

    // Unattended, crossing the point of no return needs its own flag.
    let refused = Test::new()
        .current_dir(w.dir.path())
        .args(["rollback", "--yes"])
        .run()
        .expect_code(10);
    assert!(
        refused.all().contains("--past-point-of-no-return"),
        "{}",
        refused.all()
    );
    Test::new()
        .current_dir(w.dir.path())
        .args(["resume", "--yes", "--past-point-of-no-return"])
        .run()
        .expect_code(0);
    assert_eq!(
        lines(&log),
        [
            "stop-producers",
            "drain",
            "switch-producers",
            "start-consumers",
            "undo-start-consumers",
            "undo-switch-producers",
            "undo-drain",
            "undo-stop-producers"
        ]
    );
    let runs = journals(w.dir.path());
    assert_eq!(runs.len(), 2, "the journal shows both runs");
    assert_eq!(runs[0][0]["kind"], "run");
    assert_eq!(runs[1][0]["kind"], "rollback");
    assert_eq!(runs[1][0]["rollback_of"], runs[0][0]["run_id"]);
    let undo_checked: Vec<&str> = runs[1]
        .iter()
        .filter(|e| e["event"] == "check" && e["phase"] == "undo_verifies" && e["status"] == "pass")
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        undo_checked,
        [
            "start-consumers",
            "switch-producers",
            "drain",
            "stop-producers"
        ]
    );
    assert!(runs[1].last().unwrap()["event"] == "run_finished");
}

/// Topics, every partition's end offset, and billing's commits: what a dry run must not change.
type ClusterState = (BTreeMap<String, i32>, Vec<((String, i32), i64)>, String);

fn cluster_state(bootstrap: &str) -> ClusterState {
    let c = Connection::new(
        &cluster(Role::Source, bootstrap),
        Duration::from_secs(5),
        &Secrets::default(),
    )
    .unwrap();
    let topics = c.fetch_topics().unwrap();
    let partitions: Vec<(String, i32)> = topics
        .iter()
        .flat_map(|(t, n)| (0..*n).map(move |p| (t.clone(), p)))
        .collect();
    let mut ends: Vec<_> = c
        .fetch_end_offsets(&partitions)
        .unwrap()
        .into_iter()
        .collect();
    ends.sort();
    let committed = format!("{:?}", c.fetch_committed(&["billing".into()]).unwrap());
    (topics, ends, committed)
}

#[test]
fn a_dry_run_changes_nothing() {
    let w = world();
    let path = runbook(&w);
    let before = (
        cluster_state(&w.source.bootstrap),
        cluster_state(&w.target.bootstrap),
    );
    let out = Test::new()
        .current_dir(w.dir.path())
        .args(["run", path.to_str().unwrap(), "--dry-run", "--yes"])
        .run()
        .expect_code(0);
    assert!(
        !w.dir.path().join("actions.log").exists(),
        "a dry run executed an action"
    );
    let after = (
        cluster_state(&w.source.bootstrap),
        cluster_state(&w.target.bootstrap),
    );
    assert_eq!(before, after, "a dry run changed a cluster");
    assert!(out.all().contains("Rehearsal summary"), "{}", out.all());
    assert!(out.all().contains("Pass now: 4"), "{}", out.all());
    let runs = journals(w.dir.path());
    assert_eq!(runs[0][0]["kind"], "rehearsal");
    assert!(runs[0].iter().all(|e| e["event"] != "action_intent"));
    // A rehearsed rollback of nothing: there is no forward run yet.
    Test::new()
        .current_dir(w.dir.path())
        .args(["rollback", "--dry-run", "--yes"])
        .run()
        .expect_code(2);
}

/// Run ids, times, durations, temp paths, hashes, hosts: what differs between two runs.
fn redact(text: &str, dir: &Path) -> String {
    let mut text = text.replace(dir.to_str().unwrap(), "[DIR]");
    for (pattern, replacement) in [
        (r"\d{8}T\d{6}Z-[0-9a-f]{4}", "[RUN]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[TIME]"),
        (r"\b\d+\.\d+s\b", "[S]"),
        (r#""seconds": [0-9.]+"#, r#""seconds": "[S]""#),
        (r#""(baseline_seconds)": [0-9.]+"#, r#""$1": "[S]""#),
        (r"[0-9a-f]{64}", "[SHA256]"),
        (r"by [^ |<]+@[^ |<)]+", "by [USER]@[HOST]"),
        (
            r#""started_by": "[^"]+""#,
            r#""started_by": "[USER]@[HOST]""#,
        ),
        (r"\(([a-z-]+), [^@ ]+@[^)]+\)", "($1, [USER]@[HOST])"),
        (r#""(user|host)": "[^"]+""#, r#""$1": "[X]""#),
        (r"/private/var/[^ `]+|/tmp/\.tmp[A-Za-z0-9]+", "[DIR]"),
        // Per-poll timings (issue 14) vary from run to run.
        (r#"(?s)"poll_ms": \[[^\]]*\]"#, r#""poll_ms": "[MS]""#),
        (r"Poll timings: [^\n]*", "Poll timings: [T]"),
    ] {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, replacement)
            .into_owned();
    }
    text
}

#[test]
fn the_report_in_markdown_json_and_html() {
    let w = world();
    let path = runbook(&w);
    Test::new()
        .current_dir(w.dir.path())
        .args(["run", path.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    Test::new()
        .current_dir(w.dir.path())
        .args(["rollback", "--yes", "--past-point-of-no-return"])
        .run()
        .expect_code(0);
    let forward = journals(w.dir.path())[0][0]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let report = |format: &str| {
        Test::new()
            .current_dir(w.dir.path())
            .args(["report", &forward, "--format", format])
            .run()
            .expect_code(0)
            .stdout
    };
    let markdown = report("markdown");
    assert!(markdown.contains("## Rollbacks of this run"), "{markdown}");
    insta::assert_snapshot!("report_markdown", redact(&markdown, w.dir.path()));
    let json: serde_json::Value = serde_json::from_str(&report("json")).unwrap();
    assert_eq!(json["steps"].as_array().unwrap().len(), 5);
    insta::assert_snapshot!(
        "report_json",
        redact(&serde_json::to_string_pretty(&json).unwrap(), w.dir.path())
    );

    let html_path = w.dir.path().join("report.html");
    Test::new()
        .current_dir(w.dir.path())
        .args([
            "report",
            &forward,
            "--format",
            "html",
            "-o",
            html_path.to_str().unwrap(),
        ])
        .run()
        .expect_code(0);
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") && !html.contains("<script") && !html.contains("http")
    );
    screenshot(&html_path, &w.dir.path().join("report.png"));
}

/// Render the page in headless Chromium (installed by the test command) and check the
/// screenshot is a real, non-blank image.
fn screenshot(page: &Path, png: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.path().display()),
            "--window-size=1200,1600",
            &format!("--screenshot={}", png.display()),
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("chromium is installed by scripts/test.sh");
    assert!(
        png.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    // A blank page compresses to a few KB; a rendered report with tables is far larger.
    assert!(
        bytes.len() > 20_000,
        "screenshot looks blank: {} bytes",
        bytes.len()
    );
}

/// Issue 11 (6): a run is rolled back once. A second `rollback` refuses with exit 5 naming
/// the first rollback and runs nothing; `--again` overrides and is journaled.
#[test]
fn a_second_rollback_of_the_same_run_is_refused_unless_again() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = crate::support::appending_runbook(dir.path());
    let text = std::fs::read_to_string(&runbook)
        .unwrap()
        .replace("undo: 'true'", "undo: echo undo >> undone.txt");
    std::fs::write(&runbook, text).unwrap();
    Test::new()
        .current_dir(dir.path())
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    // No undo_verifies and no person (--yes): the undos ran, nobody confirmed them (exit 7).
    Test::new()
        .current_dir(dir.path())
        .args(["rollback", "--yes"])
        .run()
        .expect_code(7);
    let undone = dir.path().join("undone.txt");
    assert_eq!(lines(&undone).len(), 3);
    let first_rollback = journals(dir.path())[1][0]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = Test::new()
        .current_dir(dir.path())
        .args(["rollback", "--yes"])
        .run()
        .expect_code(5);
    assert!(
        refused.stderr.contains("already rolled back")
            && refused.stderr.contains(&first_rollback)
            && refused.stderr.contains("--again"),
        "{}",
        refused.stderr
    );
    assert_eq!(lines(&undone).len(), 3, "nothing ran again");
    assert_eq!(journals(dir.path()).len(), 2, "no run started");
    // The hint as printed (with --yes: no terminal here), from another directory.
    let hint = refused
        .stderr
        .split_once("Roll it back again (journaled) with: ")
        .map(|(_, h)| h.lines().next().unwrap().to_string())
        .unwrap();
    let again = Command::new("sh")
        .args(["-c", &format!("{hint} --yes")])
        .current_dir("/")
        .env(
            "CUTOVER_USER_STATE_DIR",
            crate::support::user_state_dir(dir.path()),
        )
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(7), "{hint}: {again:?}");
    assert_eq!(lines(&undone).len(), 6);
    let runs = journals(dir.path());
    assert_eq!(runs[2][0]["again"], true);
}

/// An interrupted rollback is resumed by `rollback`, not restarted: no undo runs twice.
#[test]
fn an_interrupted_rollback_is_resumed_not_restarted() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = crate::support::appending_runbook(dir.path());
    let text = std::fs::read_to_string(&runbook).unwrap().replace(
        "undo: 'true'",
        "undo: echo undo-$CUTOVER_STEP_ID >> undone.txt",
    );
    std::fs::write(&runbook, text).unwrap();
    Test::new()
        .current_dir(dir.path())
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    // run_started, then per undo step: step_started, confirmation, action_intent,
    // action_started, action_result, step_done (unchecked, not confirmed: --yes is no
    // person): event 7 is the first step_done.
    let crashed = Test::new()
        .current_dir(dir.path())
        .env("CUTOVER_TEST_CRASH_AFTER_EVENT", "7")
        .args(["rollback", "--yes"])
        .run();
    assert_eq!(crashed.code, -1, "{}", crashed.stderr);
    let undone = dir.path().join("undone.txt");
    assert_eq!(lines(&undone), ["undo-three"]);
    let out = Test::new()
        .current_dir(dir.path())
        .args(["rollback", "--yes"])
        .run()
        .expect_code(7);
    assert!(out.stderr.contains("resuming it"), "{}", out.stderr);
    assert_eq!(lines(&undone), ["undo-three", "undo-two", "undo-one"]);
    // The step done before the crash is still named as not confirmed after the resume.
    assert!(
        out.stdout
            .contains("3 not confirmed (three, two, one: no undo_verifies and no person"),
        "{}",
        out.stdout
    );
    assert_eq!(
        journals(dir.path()).len(),
        2,
        "the same rollback run went on"
    );
}

/// A forward run that stopped and was then rolled back is not resumed (exit 5): its done
/// steps were undone, and going on would act on top of that.
#[test]
fn a_rolled_back_run_is_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = crate::support::appending_runbook(dir.path());
    let answers = crate::support::write(dir.path(), "answers", "yes\nno\nabort\nyes\n");
    Test::new()
        .current_dir(dir.path())
        .args([
            "run",
            runbook.to_str().unwrap(),
            "--answers",
            answers.to_str().unwrap(),
        ])
        .run()
        .expect_code(1);
    Test::new()
        .current_dir(dir.path())
        .args(["rollback", "--yes"])
        .run()
        .expect_code(7);
    let out = Test::new()
        .current_dir(dir.path())
        .args(["resume", "--yes"])
        .run()
        .expect_code(5);
    let rollback = journals(dir.path())[1][0]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(out.stderr.contains(&rollback), "{}", out.stderr);
    assert_eq!(lines(&dir.path().join("out.txt")), ["one"]);
}

/// Issue 13: a rollback is most needed when a cluster is in trouble. Its preflight asks only
/// the clusters its undo_verifies use; an unreachable one stops it (exit 3) and names
/// `--without`; `--without target --reason TEXT` goes on: the undo runs, the undo_verifies
/// that ask the target are not evaluated, the step is confirmed by hand (never passed on the
/// checks left), and the reason is journaled.
#[test]
fn a_rollback_goes_on_without_an_unreachable_cluster_only_when_told_why() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = crate::support::appending_runbook(dir.path());
    // Step two's undo is checked on the target (127.0.0.1:2, where nothing listens) and by a
    // command; the forward run needs no cluster (its verifies are commands).
    let text = std::fs::read_to_string(&runbook)
        .unwrap()
        .replace("undo: 'true'", "undo: echo undo >> undone.txt")
        .replacen(
            "run: grep -qx two out.txt\n",
            "run: grep -qx two out.txt\n        undo_verifies:\n          - kind: lag_zero\n            cluster: target\n            groups: [billing]\n          - kind: command\n            run: test -f undone.txt\n",
            1,
        )
        .replace("timeout: 3s", "timeout: 3s\n  request_timeout: 1s");
    std::fs::write(&runbook, text).unwrap();
    Test::new()
        .current_dir(dir.path())
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    let undone = dir.path().join("undone.txt");

    let stopped = Test::new()
        .current_dir(dir.path())
        .args(["rollback", "--yes"])
        .run()
        .expect_code(3);
    assert!(
        stopped
            .stderr
            .contains("error: preflight: the target cluster (127.0.0.1:2) did not answer"),
        "{}",
        stopped.stderr
    );
    assert!(
        stopped.stderr.contains("--without target --reason TEXT"),
        "{}",
        stopped.stderr
    );
    assert!(!undone.exists(), "nothing was undone");

    // --without needs a reason.
    Test::new()
        .current_dir(dir.path())
        .args(["rollback", "--yes", "--without", "target"])
        .run()
        .expect_code(2);

    let out = Test::new()
        .current_dir(dir.path())
        .args([
            "rollback",
            "--yes",
            "--without",
            "target",
            "--reason",
            "target cluster down since 02:10",
        ])
        .run()
        .expect_code(7);
    let shown = format!("{}{}", out.stdout, out.stderr);
    assert!(
        shown.contains(
            "1 undo_verifies not evaluated (--without target: target cluster down since 02:10)"
        ),
        "{shown}"
    );
    assert!(
        !shown.contains("lag_zero (target)"),
        "not evaluated: {shown}"
    );
    assert_eq!(lines(&undone).len(), 3, "every undo ran once");
    let rollback = journals(dir.path()).pop().unwrap();
    assert_eq!(
        rollback[0]["without"]["target"], "target cluster down since 02:10",
        "{}",
        rollback[0]
    );
    let checked: Vec<&serde_json::Value> = rollback
        .iter()
        .filter(|e| e["event"] == "check" && e["step"] == "two")
        .collect();
    assert!(
        checked.iter().all(|e| e["kind"] == "command"),
        "only the command undo_verify ran: {checked:?}"
    );
    let rollback_id = rollback[0]["run_id"].as_str().unwrap();
    let report = Test::new()
        .current_dir(dir.path())
        .args(["report", rollback_id])
        .run()
        .expect_code(0);
    assert!(
        report
            .stdout
            .contains("target: target cluster down since 02:10"),
        "{}",
        report.stdout
    );
    // Nobody confirmed the steps --yes went through: the report never says "by hand".
    assert!(
        report
            .stdout
            .contains("done, not confirmed (no undo_verifies and no person)")
            && !report.stdout.contains("confirmed by hand"),
        "{}",
        report.stdout
    );
}

/// An abandoned rollback is given up: `rollback` neither resumes it nor refuses because of
/// it; a new rollback of the run starts (and undoes every step the forward run did).
#[test]
fn an_abandoned_rollback_is_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = crate::support::appending_runbook(dir.path());
    let text = std::fs::read_to_string(&runbook).unwrap().replace(
        "undo: 'true'",
        "undo: echo undo-$CUTOVER_STEP_ID >> undone.txt",
    );
    std::fs::write(&runbook, text).unwrap();
    Test::new()
        .current_dir(dir.path())
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    let crashed = Test::new()
        .current_dir(dir.path())
        .env("CUTOVER_TEST_CRASH_AFTER_EVENT", "7")
        .args(["rollback", "--yes"])
        .run();
    assert_eq!(crashed.code, -1, "{}", crashed.stderr);
    let first = journals(dir.path())[1][0]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    Test::new()
        .current_dir(dir.path())
        .args(["abandon", &first, "--reason", "rolled back by hand"])
        .run()
        .expect_code(0);
    let out = Test::new()
        .current_dir(dir.path())
        .args(["rollback", "--yes"])
        .run()
        .expect_code(7);
    assert!(!out.stderr.contains("resuming it"), "{}", out.stderr);
    assert_eq!(journals(dir.path()).len(), 3, "a new rollback run started");
    let undone = lines(&dir.path().join("undone.txt"));
    assert_eq!(
        undone,
        ["undo-three", "undo-three", "undo-two", "undo-one"],
        "the new rollback undid every step"
    );
}

/// Review finding 2: a rollback that stopped half-way, after which a cluster went down, goes
/// on without it. The preflight's hint (exit 3) names a command that works as printed (only
/// the reason is the operator's): `rollback RUN --without target --reason TEXT` resumes the
/// unfinished rollback with the cluster left out, journaled on the resume; the cluster id
/// recorded at its start is not asked of the cluster left out. `resume --without` does the
/// same; on a forward run it is refused (usage, exit 2).
#[test]
fn a_rollback_stopped_half_way_goes_on_without_a_cluster_that_went_down() {
    let target = Broker::start("tgt");
    fixture::create_topic(&target.bootstrap, "orders", 1, &[]);
    fixture::produce(&target.bootstrap, "orders", 0, &numbered(0..5));
    fixture::commit(&target.bootstrap, "billing", &[("orders", 0, 5)]);
    let dir = tempfile::tempdir().unwrap();
    let runbook = crate::support::appending_runbook(dir.path());
    // Step one (undone last) is checked on the target; its rollback starts while the
    // target answers.
    let text = std::fs::read_to_string(&runbook)
        .unwrap()
        .replace(
            "undo: 'true'",
            "undo: echo undo-$CUTOVER_STEP_ID >> undone.txt",
        )
        .replacen(
            "run: grep -qx one out.txt\n",
            "run: grep -qx one out.txt\n        undo_verifies:\n          - kind: lag_zero\n            cluster: target\n            groups: [billing]\n",
            1,
        )
        .replace("127.0.0.1:2", &target.bootstrap)
        .replace("timeout: 3s", "timeout: 3s\n  request_timeout: 1s");
    std::fs::write(&runbook, text).unwrap();
    Test::new()
        .current_dir(dir.path())
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    let forward = journals(dir.path())[0][0]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    // The first step_done of the rollback (see an_interrupted_rollback_is_resumed_not_restarted).
    let crashed = Test::new()
        .current_dir(dir.path())
        .env("CUTOVER_TEST_CRASH_AFTER_EVENT", "7")
        .args(["rollback", "--yes"])
        .run();
    assert_eq!(crashed.code, -1, "{}", crashed.stderr);
    let undone = dir.path().join("undone.txt");
    assert_eq!(lines(&undone), ["undo-three"]);
    target.kill();

    // Refused on a forward run: --without is a rollback's.
    let forward_resume = Test::new()
        .current_dir(dir.path())
        .args([
            "resume",
            &forward,
            "--yes",
            "--without",
            "target",
            "--reason",
            "down",
        ])
        .run()
        .expect_code(2);
    assert!(
        forward_resume
            .stderr
            .contains("--without applies to a rollback only"),
        "{}",
        forward_resume.stderr
    );

    let stopped = Test::new()
        .current_dir(dir.path())
        .args(["rollback", "--yes"])
        .run()
        .expect_code(3);
    let hint = stopped
        .stderr
        .split_once("go on without it with: ")
        .map(|(_, h)| h.lines().next().unwrap().to_string())
        .unwrap_or_else(|| panic!("no hint: {}", stopped.stderr));
    assert!(
        hint.ends_with(&format!(
            "rollback {forward} --without target --reason TEXT"
        )),
        "{hint}"
    );
    assert_eq!(lines(&undone), ["undo-three"], "nothing ran");
    let command = format!(
        "{} --yes",
        hint.replace("--reason TEXT", "--reason 'target down since 02:10'")
    );
    let out = Command::new("sh")
        .args(["-c", &command])
        .current_dir("/")
        .env(
            "CUTOVER_USER_STATE_DIR",
            crate::support::user_state_dir(dir.path()),
        )
        .output()
        .unwrap();
    // Steps two and three have no undo_verifies and --yes is no person: exit 7.
    assert_eq!(out.status.code(), Some(7), "{command}: {out:?}");
    assert_eq!(lines(&undone), ["undo-three", "undo-two", "undo-one"]);
    let runs = journals(dir.path());
    assert_eq!(runs.len(), 2, "the same rollback went on");
    let resumed = runs[1]
        .iter()
        .find(|e| e["event"] == "resumed")
        .expect("a resumed event");
    assert_eq!(
        resumed["without"]["target"], "target down since 02:10",
        "{resumed}"
    );
    assert!(
        !runs[1]
            .iter()
            .any(|e| e["event"] == "check" && e["step"] == "one"),
        "the target's undo_verifies were not evaluated"
    );
    let rollback_id = runs[1][0]["run_id"].as_str().unwrap();
    let report = Test::new()
        .current_dir(dir.path())
        .args(["report", rollback_id])
        .run()
        .expect_code(0);
    assert!(
        report.stdout.contains("target: target down since 02:10"),
        "{}",
        report.stdout
    );
}

/// After an unattended rollback (exit 7: undo steps without undo_verifies, nobody confirmed
/// them), a person records what they checked with `cutover confirm`, as the transcript hints:
/// journaled with who and why, the run then stands finished without unconfirmed steps, and the
/// report says who confirmed it. A step that is not unconfirmed (unknown, already confirmed)
/// is refused (exit 2) and nothing is journaled.
#[test]
fn unconfirmed_rollback_steps_are_confirmed_later_by_a_person() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = crate::support::appending_runbook(dir.path());
    Test::new()
        .current_dir(dir.path())
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    let rolled_back = Test::new()
        .current_dir(dir.path())
        .args(["rollback", "--yes"])
        .run()
        .expect_code(7);
    let hint = rolled_back
        .stdout
        .split_once("Once you have checked them, record it with: ")
        .map(|(_, h)| h.lines().next().unwrap().to_string())
        .unwrap_or_else(|| panic!("no confirm hint:\n{}", rolled_back.stdout));
    assert!(
        hint.contains("--step three --step two --step one"),
        "{hint}"
    );
    let rollback_id = journals(dir.path())[1][0]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = journals(dir.path())[1].len();
    let status = Test::new()
        .current_dir(dir.path())
        .args(["status", &rollback_id])
        .run()
        .expect_code(0)
        .stdout;
    assert!(
        status.contains("finished with 3 unconfirmed steps")
            && status.contains("done, not confirmed"),
        "{status}"
    );
    // Refused: a step that is not in the run, and nothing journaled.
    let refused = Test::new()
        .current_dir(dir.path())
        .args(["confirm", &rollback_id, "--step", "four", "--reason", "x"])
        .run()
        .expect_code(2);
    assert!(
        refused.stderr.contains("has no step `four` done")
            && refused.stderr.contains("Not confirmed: three, two, one"),
        "{}",
        refused.stderr
    );
    assert_eq!(journals(dir.path())[1].len(), before);
    // The hint as printed, with the reason filled in, from another directory.
    let hint = hint.replace("--reason TEXT", "--reason 'out.txt checked by hand'");
    let confirmed = Command::new("sh")
        .args(["-c", &hint])
        .current_dir("/")
        .env(
            "CUTOVER_USER_STATE_DIR",
            crate::support::user_state_dir(dir.path()),
        )
        .output()
        .unwrap();
    assert_eq!(confirmed.status.code(), Some(0), "{hint}: {confirmed:?}");
    let events = &journals(dir.path())[1];
    let records: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "step_confirmed")
        .collect();
    assert_eq!(records.len(), 3, "{events:?}");
    assert_eq!(records[0]["reason"], "out.txt checked by hand");
    let status = Test::new()
        .current_dir(dir.path())
        .args(["status", &rollback_id])
        .run()
        .expect_code(0);
    assert!(
        !status.stdout.contains("unconfirmed") && !status.stderr.contains("unconfirmed"),
        "{}{}",
        status.stdout,
        status.stderr
    );
    let report = Test::new()
        .current_dir(dir.path())
        .args(["report", &rollback_id])
        .run()
        .expect_code(0)
        .stdout;
    assert!(
        report.contains("confirmed later by") && report.contains("out.txt checked by hand"),
        "{report}"
    );
    // Confirmed once: again is refused.
    let again = Test::new()
        .current_dir(dir.path())
        .args(["confirm", &rollback_id, "--step", "one", "--reason", "x"])
        .run()
        .expect_code(2);
    assert!(
        again.stderr.contains("already confirmed"),
        "{}",
        again.stderr
    );
}
