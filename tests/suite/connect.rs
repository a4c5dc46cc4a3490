//! The `connector` action and the `connector_state` check against tests/connect_server.py,
//! a Kafka Connect REST server of our own that follows the documented API (no Connect can
//! be installed here). The clusters are never asked anything: the runbooks have connector
//! steps and connector_state checks only.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{journal_events, repo_root, write, Test};

pub struct Server {
    child: Child,
    pub url: String,
    log: PathBuf,
    ca: Option<PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn start(dir: &Path, config: Value, tls: bool) -> Server {
        let config_path = dir.join("connect.json");
        std::fs::write(&config_path, config.to_string()).unwrap();
        let port_file = dir.join("connect.port");
        let log = dir.join("connect-requests.log");
        let tls_dir = dir.join("tls");
        let mut command = Command::new("python3");
        command
            .arg(repo_root().join("tests/connect_server.py"))
            .arg(&config_path)
            .arg(&port_file)
            .arg(&log);
        if tls {
            command.arg(&tls_dir);
        }
        let child = command.spawn().expect("start tests/connect_server.py");
        let started = Instant::now();
        let port = loop {
            if let Ok(port) = std::fs::read_to_string(&port_file) {
                break port;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the test Connect server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let scheme = if tls { "https" } else { "http" };
        let host = if tls { "localhost" } else { "127.0.0.1" };
        Server {
            child,
            url: format!("{scheme}://{host}:{port}"),
            log,
            ca: tls.then(|| tls_dir.join("ca.pem")),
        }
    }

    fn requests(&self) -> Vec<String> {
        crate::support::lines(&self.log)
    }

    pub fn puts(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|l| l.starts_with("PUT "))
            .collect()
    }
}

const MM2: &str = "source->target.MirrorSourceConnector";
const CHECKPOINT: &str = "source->target.MirrorCheckpointConnector";

fn connectors(stuck: bool) -> Value {
    serde_json::json!({
        "connectors": {
            MM2: {"state": "RUNNING", "tasks": 2, "stuck": stuck},
            CHECKPOINT: {"state": "RUNNING", "tasks": 1},
            "debezium-orders": {"state": "PAUSED", "tasks": 1},
        },
        "delay_ms": 300,
    })
}

/// A runbook over dead bootstraps with one `connect: mm2` endpoint and `steps`.
fn runbook(dir: &Path, connect: &str, steps: &str) -> PathBuf {
    write(
        dir,
        "connect.yaml",
        &format!(
            "version: 1\nname: connect test\nclusters:\n  source:\n    bootstrap: 127.0.0.1:1\n  target:\n    bootstrap: 127.0.0.1:2\nconnect:\n  mm2: {connect}\ndefaults:\n  poll_interval: 1s\n  timeout: 10s\ntiers:\n  - name: only\n    steps:\n{steps}"
        ),
    )
}

fn plain(server: &Server) -> String {
    format!("{{ url: \"{}\" }}", server.url)
}

const PAUSE_STEP: &str = "      - id: pause-mirror\n        title: Pause MirrorMaker 2\n        connector: { connect: mm2, names: [\"source->target.MirrorSourceConnector\"], state: paused }\n        run_timeout: 5s\n        verifies:\n          - kind: connector_state\n            connect: mm2\n            names: [\"source->target.MirrorSourceConnector\"]\n            state: paused\n            tasks: all\n        undo_verifies:\n          - kind: connector_state\n            connect: mm2\n            names: [\"source->target.MirrorSourceConnector\"]\n            state: running\n            tasks: all\n";

fn checks_of(dir: &Path, kind: &str) -> Vec<Value> {
    journal_events(dir)
        .into_iter()
        .filter(|e| e["event"] == "check" && e["kind"] == kind)
        .collect()
}

#[test]
fn pause_reads_back_until_every_task_is_paused_and_the_report_shows_the_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), connectors(false), false);
    let rb = runbook(dir.path(), &plain(&server), PAUSE_STEP);
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    assert!(
        out.all().contains("took effect (read back)"),
        "{}",
        out.stderr
    );
    assert_eq!(server.puts(), vec![format!("PUT /connectors/{MM2}/pause")]);
    // Read before the PUT, read back after it.
    let requests = server.requests();
    let put = requests.iter().position(|r| r.starts_with("PUT")).unwrap();
    assert!(requests[..put]
        .iter()
        .any(|r| r == &format!("GET /connectors/{MM2}/status")));
    assert!(requests[put..]
        .iter()
        .any(|r| r == &format!("GET /connectors/{MM2}/status")));
    let before = &checks_of(dir.path(), "connector_before")[0];
    assert_eq!(before["items"][0]["state"], "RUNNING");
    let after = &checks_of(dir.path(), "connector_after")[0];
    assert_eq!(after["status"], "pass");
    assert_eq!(after["items"][0]["after"], "PAUSED");
    assert!(after["items"][0]["after_body"]
        .as_str()
        .unwrap()
        .contains("\"worker_id\""));
    // connector_state items: one per connector and one per task.
    let verify = &checks_of(dir.path(), "connector_state")[0];
    assert_eq!(verify["status"], "pass");
    let items = verify["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items.iter().filter(|i| i.get("task").is_some()).count(), 2);
    // The report shows the status bodies before and after.
    let report = Test::new()
        .current_dir(dir.path())
        .args(["report", "--format", "json"])
        .run()
        .expect_code(0);
    assert!(report.stdout.contains("before_body"), "{}", report.stdout);
    assert!(report.stdout.contains("after_body"), "{}", report.stdout);
    let markdown = Test::new()
        .current_dir(dir.path())
        .args(["report"])
        .run()
        .expect_code(0);
    assert!(markdown.stdout.contains("before: {"), "{}", markdown.stdout);
    assert!(
        markdown.stdout.contains("\"state\": \"PAUSED\""),
        "{}",
        markdown.stdout
    );
    assert!(report.stdout.contains("PAUSED"), "{}", report.stdout);
}

#[test]
fn a_task_that_stays_running_fails_the_action_at_its_timeout_with_the_status_body() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), connectors(true), false);
    let rb = runbook(
        dir.path(),
        &plain(&server),
        &PAUSE_STEP.replace("run_timeout: 5s", "run_timeout: 2s"),
    );
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .run();
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(15));
    assert!(out.all().contains("timed out"), "{}", out.stderr);
    assert!(out.all().contains("task 0 is RUNNING"), "{}", out.stderr);
    assert!(
        out.all().contains("\"state\": \"RUNNING\""),
        "{}",
        out.stderr
    );
    let after = &checks_of(dir.path(), "connector_after")[0];
    assert_eq!(after["status"], "fail");
}

#[test]
fn rollback_returns_exactly_the_connectors_it_paused_to_their_previous_state() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), connectors(false), false);
    // Every MirrorMaker connector by pattern: the checkpoint connector is running, the
    // debezium one (not matched) is paused and must stay so.
    let step = "      - id: pause-mirror\n        connector: { connect: mm2, pattern: 'source->target\\..*', state: paused }\n        run_timeout: 5s\n        undo_verifies:\n          - kind: connector_state\n            connect: mm2\n            pattern: 'source->target\\..*'\n            state: running\n            tasks: all\n";
    let rb = runbook(dir.path(), &plain(&server), step);
    Test::new()
        .current_dir(dir.path())
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    let mut paused = server.puts();
    paused.sort();
    assert_eq!(
        paused,
        vec![
            format!("PUT /connectors/{CHECKPOINT}/pause"),
            format!("PUT /connectors/{MM2}/pause"),
        ]
    );
    let plan = Test::new()
        .current_dir(dir.path())
        .args(["rollback", "--yes", "--dry-run"])
        .run();
    assert!(plan.all().contains("would PUT"), "{}", plan.stderr);
    assert_eq!(server.puts().len(), 2, "a rollback rehearsal sends no PUT");
    let out = Test::new()
        .current_dir(dir.path())
        .args(["rollback", "--yes"])
        .run()
        .expect_code(0);
    let resumed: Vec<String> = server.puts().into_iter().skip(2).collect();
    let mut resumed_sorted = resumed.clone();
    resumed_sorted.sort();
    assert_eq!(
        resumed_sorted,
        vec![
            format!("PUT /connectors/{CHECKPOINT}/resume"),
            format!("PUT /connectors/{MM2}/resume"),
        ],
        "{}",
        out.stderr
    );
}

#[test]
fn dry_run_only_reads_and_shows_what_it_would_put() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), connectors(false), false);
    let rb = runbook(dir.path(), &plain(&server), PAUSE_STEP);
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", rb.to_str().unwrap(), "--yes", "--dry-run"])
        .run();
    assert!(
        out.all()
            .contains(&format!("would PUT /connectors/{MM2}/pause")),
        "{}",
        out.stderr
    );
    assert!(!server.requests().is_empty());
    assert!(server.puts().is_empty(), "{:?}", server.requests());
}

#[test]
fn stop_answers_204_and_is_reached_with_zero_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), connectors(false), false);
    let step = "      - id: stop-mirror\n        connector: { connect: mm2, names: [\"source->target.MirrorSourceConnector\"], state: stopped }\n        run_timeout: 5s\n        verifies:\n          - kind: connector_state\n            connect: mm2\n            names: [\"source->target.MirrorSourceConnector\"]\n            state: stopped\n            tasks: all\n";
    let rb = runbook(dir.path(), &plain(&server), step);
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    assert!(out.all().contains("/stop: 204"), "{}", out.stderr);
    let after = &checks_of(dir.path(), "connector_after")[0];
    assert!(after["items"][0]["after_body"]
        .as_str()
        .unwrap()
        .contains("\"tasks\": []"));
}

#[test]
fn rebalance_409_is_asked_again_and_wrong_credentials_name_the_endpoint_not_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = connectors(false);
    config["rebalance_requests"] = 3.into();
    config["auth"] = serde_json::json!(["connect-admin", "s3cret-connect-pw"]);
    let server = Server::start(dir.path(), config, false);
    let connect = format!(
        "{{ url: \"{}\", username: \"${{CONNECT_USER}}\", password: \"${{CONNECT_PASSWORD}}\" }}",
        server.url
    );
    let rb = runbook(dir.path(), &connect, PAUSE_STEP);
    let bad = Test::new()
        .current_dir(dir.path())
        .env("CONNECT_USER", "connect-admin")
        .env("CONNECT_PASSWORD", "wrong-password-123")
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .run();
    assert_ne!(bad.code, 0);
    assert!(bad.all().contains("401 Unauthorized"), "{}", bad.stderr);
    assert!(bad.all().contains("connect `mm2`"), "{}", bad.stderr);
    assert!(!bad.all().contains("wrong-password-123"), "{}", bad.stderr);
    assert!(server.puts().is_empty());

    let dir2 = tempfile::tempdir().unwrap();
    let rb = runbook(dir2.path(), &connect, PAUSE_STEP);
    let good = Test::new()
        .current_dir(dir2.path())
        .env("CONNECT_USER", "connect-admin")
        .env("CONNECT_PASSWORD", "s3cret-connect-pw")
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    assert!(!good.all().contains("s3cret-connect-pw"));
    let conflicts = server
        .requests()
        .iter()
        .filter(|l| l.contains("answered 409"))
        .count();
    assert_eq!(conflicts, 3, "the 409s were answered and asked again");
    // Credentials are masked in every file the run wrote.
    for events in journal_events(dir2.path()) {
        assert!(!events.to_string().contains("s3cret-connect-pw"));
    }
    for format in ["markdown", "json", "html"] {
        let report = Test::new()
            .current_dir(dir2.path())
            .args(["report", "--format", format])
            .run()
            .expect_code(0);
        assert!(!report.stdout.contains("s3cret-connect-pw"));
        assert!(!report.stdout.contains("connect-admin"));
    }
}

#[test]
fn tls_with_ca_location_is_trusted_and_without_it_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), connectors(false), true);
    let ca = server.ca.clone().unwrap();
    let rb = runbook(
        dir.path(),
        &format!(
            "{{ url: \"{}\", ca_location: \"{}\" }}",
            server.url,
            ca.display()
        ),
        PAUSE_STEP,
    );
    Test::new()
        .current_dir(dir.path())
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    assert_eq!(server.puts().len(), 1);

    let dir2 = tempfile::tempdir().unwrap();
    let rb = runbook(dir2.path(), &plain(&server), PAUSE_STEP);
    let out = Test::new()
        .current_dir(dir2.path())
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .run();
    assert_ne!(out.code, 0);
    assert!(out.all().contains("cannot reach it"), "{}", out.stderr);
}

#[test]
fn a_missing_connector_and_an_unreachable_endpoint_never_pass() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), connectors(false), false);
    let rb = runbook(
        dir.path(),
        &plain(&server),
        "      - id: check-only\n        verifies:\n          - kind: connector_state\n            connect: mm2\n            names: [nope]\n            state: running\n",
    );
    let out = Test::new()
        .current_dir(dir.path())
        .args(["check", rb.to_str().unwrap(), "--json"])
        .run();
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("not found (404)"), "{}", out.stdout);
    let rb = runbook(
        dir.path(),
        "{ url: \"http://127.0.0.1:9\" }",
        "      - id: check-only\n        verifies:\n          - kind: connector_state\n            connect: mm2\n            names: [nope]\n            state: running\n",
    );
    let out = Test::new()
        .current_dir(dir.path())
        .args(["check", rb.to_str().unwrap(), "--json"])
        .run();
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("cannot reach it"), "{}", out.stdout);
    // Review finding 6: the check's line names the Connect endpoint it asks, not "(local)".
    let out = Test::new()
        .current_dir(dir.path())
        .args(["check", rb.to_str().unwrap()])
        .run();
    assert!(
        out.stdout.contains("connector_state (connect mm2)") && !out.stdout.contains("(local)"),
        "{}",
        out.stdout
    );
}

#[test]
fn plan_and_rollback_plan_show_both_directions() {
    let dir = tempfile::tempdir().unwrap();
    let rb = runbook(dir.path(), "{ url: \"http://127.0.0.1:9\" }", PAUSE_STEP);
    let out = Test::new()
        .current_dir(dir.path())
        .args(["plan", rb.to_str().unwrap()])
        .run()
        .expect_code(0);
    assert!(out.stdout.contains("PUT pause"), "{}", out.stdout);
    assert!(
        out.stdout.contains("state each had before the step"),
        "{}",
        out.stdout
    );
    // Review finding 6: a connector action is labelled as one, with the state it wants,
    // never as a shell `run:`.
    assert!(!out.stdout.contains("run: connector"), "{}", out.stdout);
    assert!(
        out.stdout.contains("connector (wanted state: paused)")
            && out
                .stdout
                .contains("connector (wanted state: as before the step)"),
        "{}",
        out.stdout
    );
    let markdown = Test::new()
        .current_dir(dir.path())
        .args(["plan", rb.to_str().unwrap(), "--format", "markdown"])
        .run()
        .expect_code(0);
    assert!(
        markdown.stdout.contains("connector (wanted state: paused)")
            && !markdown.stdout.contains("- run"),
        "{}",
        markdown.stdout
    );
}

/// `mirror_caught_up via: connector_offsets` on a real source broker: committed offsets in
/// the KIP-875 shape of MirrorSourceConnector against the source's end offsets.
#[test]
fn connector_offsets_caught_up_passes_and_behind_or_missing_fails() {
    use crate::fixture::{self, numbered};
    let broker = crate::support::Broker::start("connect-offsets");
    fixture::create_topic(&broker.bootstrap, "orders", 2, &[]);
    fixture::produce(&broker.bootstrap, "orders", 0, &numbered(0..5));
    fixture::produce(&broker.bootstrap, "orders", 1, &numbered(0..3));
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        serde_json::json!({
            "connectors": {
                "caught-up": {"offsets": [["orders", 0, 4], ["orders", 1, 2]]},
                "behind": {"offsets": [["orders", 0, 2], ["orders", 1, 2]]},
                "partial": {"offsets": [["orders", 0, 4]]},
            },
        }),
        false,
    );
    let check = |name: &str| {
        let rb = write(
            dir.path(),
            &format!("{name}.yaml"),
            &format!(
                "version: 1\nname: offsets\nclusters:\n  source:\n    bootstrap: {b}\n  target:\n    bootstrap: {b}\nconnect:\n  mm2: {{ url: \"{}\" }}\ndefaults:\n  topics: [orders]\ntiers:\n  - name: only\n    steps:\n      - id: s\n        verifies:\n          - kind: mirror_caught_up\n            via: connector_offsets\n            connect: mm2\n            names: [{name}]\n",
                server.url,
                b = broker.bootstrap
            ),
        );
        Test::new()
            .current_dir(dir.path())
            .args(["check", rb.to_str().unwrap(), "--json", "--all"])
            .run()
    };
    let pass = check("caught-up");
    assert_eq!(pass.code, 0, "{}{}", pass.stdout, pass.stderr);
    assert!(
        pass.stdout.contains("replicated up to the last offset (4)"),
        "{}",
        pass.stdout
    );
    let behind = check("behind");
    assert_ne!(behind.code, 0);
    assert!(
        behind.stdout.contains("offset.flush.interval.ms"),
        "{}",
        behind.stdout
    );
    let partial = check("partial");
    assert_ne!(partial.code, 0);
    assert!(
        partial.stdout.contains("no committed offset"),
        "{}",
        partial.stdout
    );
    let requests = server.requests();
    assert!(
        requests.contains(&"GET /connectors/caught-up/offsets".to_string()),
        "{requests:?}"
    );
}

/// The process dies after the PUT (kill -9): resume finds the action in doubt and settles it
/// by reading the status back, the journaled evidence.
#[test]
fn an_in_doubt_connector_action_is_settled_by_reading_the_status_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = connectors(false);
    config["delay_ms"] = 1500.into();
    let server = Server::start(dir.path(), config, false);
    let rb = runbook(
        dir.path(),
        &plain(&server),
        &PAUSE_STEP.replace("run_timeout: 5s", "run_timeout: 20s"),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .current_dir(dir.path())
        .env(
            "CUTOVER_USER_STATE_DIR",
            crate::support::user_state_dir(dir.path()),
        )
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while server.puts().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(20), "no PUT");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(1600));
    let out = Test::new()
        .current_dir(dir.path())
        .args(["resume", "--yes"])
        .run()
        .expect_code(0);
    assert!(out.all().contains("read back:"), "{}", out.stderr);
    assert_eq!(
        server.puts().len(),
        1,
        "settled by the read-back, not sent again"
    );
    let events = journal_events(dir.path());
    let decision = events
        .iter()
        .find(|e| e["event"] == "decision")
        .expect("a decision");
    assert_eq!(decision["choice"], "mark-done", "{decision}");
    assert!(decision["reason"].as_str().unwrap().contains("read back"));
    assert_eq!(
        checks_of(dir.path(), "connector_read_back")[0]["status"],
        "pass"
    );
}

#[test]
fn a_failed_task_fails_the_action_at_once_with_its_trace() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = connectors(false);
    config["connectors"][MM2]["fail"] = true.into();
    let server = Server::start(dir.path(), config, false);
    let rb = runbook(
        dir.path(),
        &plain(&server),
        &PAUSE_STEP.replace("run_timeout: 5s", "run_timeout: 60s"),
    );
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .run();
    assert_ne!(out.code, 0);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "failed at once, not at the timeout"
    );
    assert!(out.all().contains("task 0 of connector"), "{}", out.stderr);
    assert!(
        out.all().contains("ConnectException: test failure"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_body_that_is_not_json_is_an_error_never_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = connectors(false);
    config["not_json"] = true.into();
    let server = Server::start(dir.path(), config, false);
    let rb = runbook(dir.path(), &plain(&server), PAUSE_STEP);
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .run();
    assert_ne!(out.code, 0);
    assert!(
        out.all().contains("not the JSON expected"),
        "{}",
        out.stderr
    );
    assert!(out.all().contains("Bad Gateway"), "{}", out.stderr);
    assert!(server.puts().is_empty());
}

/// An endpoint that accepts connections but never answers: the action ends at the step's
/// run_timeout, not after request_timeout per request.
#[test]
fn an_endpoint_that_never_answers_is_cut_at_the_run_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("{{ url: \"http://{}\" }}", listener.local_addr().unwrap());
    let rb = runbook(
        dir.path(),
        &url,
        &PAUSE_STEP.replace("run_timeout: 5s", "run_timeout: 2s"),
    );
    let text = std::fs::read_to_string(&rb).unwrap().replace(
        "  timeout: 10s\n",
        "  timeout: 10s\n  request_timeout: 30s\n",
    );
    std::fs::write(&rb, text).unwrap();
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .run();
    assert_ne!(out.code, 0);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}: {}",
        started.elapsed(),
        out.stderr
    );
    assert!(out.all().contains("connect `mm2`"), "{}", out.stderr);
    drop(listener);
}

#[test]
fn a_missing_connector_fails_the_action_with_the_404_body_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), connectors(false), false);
    let rb = runbook(
        dir.path(),
        &plain(&server),
        "      - id: pause\n        connector: { connect: mm2, names: [no-such-connector], state: paused }\n        run_timeout: 5s\n",
    );
    let out = Test::new()
        .current_dir(dir.path())
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.all().contains("not found (404)"), "{}", out.stderr);
    let after = &checks_of(dir.path(), "connector_after")[0];
    assert_eq!(after["status"], "fail");
    assert!(
        after["items"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("Connector no-such-connector not found"),
        "{after}"
    );
    assert!(server.puts().is_empty());
}

/// In doubt, and the read-back does not show the wanted state: --yes never marks it done.
#[test]
fn an_in_doubt_connector_action_that_did_not_take_effect_needs_a_person() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = connectors(true);
    config["delay_ms"] = 200.into();
    let server = Server::start(dir.path(), config, false);
    let rb = runbook(
        dir.path(),
        &plain(&server),
        &PAUSE_STEP.replace("run_timeout: 5s", "run_timeout: 30s"),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .current_dir(dir.path())
        .env(
            "CUTOVER_USER_STATE_DIR",
            crate::support::user_state_dir(dir.path()),
        )
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while server.puts().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(20), "no PUT");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["resume", "--yes"])
        .run()
        .expect_code(10);
    assert!(
        out.all().contains("do not report the wanted state"),
        "{}",
        out.stderr
    );
    assert!(
        out.all().contains("task 0") || out.all().contains("\"RUNNING\""),
        "{}",
        out.stderr
    );
    assert_eq!(
        checks_of(dir.path(), "connector_read_back")[0]["status"],
        "fail"
    );
    assert!(journal_events(dir.path())
        .iter()
        .all(|e| e["event"] != "step_done"));
}

/// MirrorCheckpointConnector with no groups to checkpoint runs with zero tasks: pausing it
/// is judged by the connector's state, since it listed no tasks before the action either.
#[test]
fn a_connector_without_tasks_by_configuration_is_paused_by_its_own_state() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        serde_json::json!({"connectors": {CHECKPOINT: {"state": "RUNNING", "tasks": 0}}, "delay_ms": 200}),
        false,
    );
    let rb = runbook(
        dir.path(),
        &plain(&server),
        "      - id: pause\n        connector: { connect: mm2, pattern: '.*Checkpoint.*', state: paused }\n        run_timeout: 10s\n",
    );
    let started = Instant::now();
    Test::new()
        .current_dir(dir.path())
        .args(["run", rb.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "reached, not timed out"
    );
    assert_eq!(
        server.puts(),
        vec![format!("PUT /connectors/{CHECKPOINT}/pause")]
    );
}

/// Review finding 4: Connect requests are bounded by the check's timeout, not only each by
/// `request_timeout`. A worker that answers every request after 1.5 s (within the 5 s request
/// timeout) must not hold a 2 s `connector_state` check for a list and three statuses (6 s),
/// nor a 1 s `connector_offsets` check for its 3 s offsets answer.
#[test]
fn slow_connect_answers_end_at_the_check_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = connectors(false);
    config["answer_delay_ms"] = 1500.into();
    let server = Server::start(dir.path(), config, false);
    let step = "      - id: check-only\n        verifies:\n          - kind: connector_state\n            connect: mm2\n            pattern: '.*'\n            state: running\n            timeout: 2s\n";
    let rb = runbook(dir.path(), &plain(&server), step);
    let text = std::fs::read_to_string(&rb)
        .unwrap()
        .replace("timeout: 10s", "timeout: 10s\n  request_timeout: 5s");
    std::fs::write(&rb, text).unwrap();
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["check", rb.to_str().unwrap(), "--json"])
        .run();
    let took = started.elapsed();
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        took < Duration::from_millis(3500),
        "the 2s check took {took:?}: {}",
        out.stdout
    );

    let mut config = connectors(false);
    config["answer_delay_ms"] = 3000.into();
    let server = Server::start(dir.path(), config, false);
    let step = format!(
        "      - id: check-only\n        verifies:\n          - kind: mirror_caught_up\n            via: connector_offsets\n            connect: mm2\n            names: [\"{MM2}\"]\n            topics: [orders]\n            timeout: 1s\n"
    );
    let rb = runbook(dir.path(), &plain(&server), &step);
    let text = std::fs::read_to_string(&rb)
        .unwrap()
        .replace("timeout: 10s", "timeout: 10s\n  request_timeout: 5s");
    std::fs::write(&rb, text).unwrap();
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["check", rb.to_str().unwrap(), "--json"])
        .run();
    let took = started.elapsed();
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        took < Duration::from_millis(2500),
        "the 1s check took {took:?}: {}",
        out.stdout
    );
}
