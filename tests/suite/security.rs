//! Secrets never leave cutover unmasked, and Java client properties files are translated for
//! librdkafka. See docs/security.md.

use std::path::{Path, PathBuf};

use crate::fixture::{self, numbered};
use crate::support::{write, Broker, Outcome, Test};

/// Distinctive enough that finding it anywhere can only be a leak.
const SECRET: &str = "s3cr3t-CUTOVER-test-value";

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// What a run leaves behind and prints, checked for the secret.
struct Evidence {
    outputs: Vec<(String, String)>,
}

impl Evidence {
    fn new() -> Evidence {
        Evidence {
            outputs: Vec::new(),
        }
    }

    fn add(&mut self, what: &str, out: &Outcome) {
        self.outputs
            .push((format!("{what}: stdout"), out.stdout.clone()));
        self.outputs
            .push((format!("{what}: stderr"), out.stderr.clone()));
    }

    fn assert_clean(&self, dir: &Path, except: &[PathBuf]) {
        for (what, text) in &self.outputs {
            assert!(
                !text.contains(SECRET),
                "the secret leaked into {what}:\n{text}"
            );
        }
        let mut files = files_under(&dir.join(".cutover"));
        // The cluster locks (per-user state directory) hold no secret either.
        let user_state = crate::support::user_state_dir(dir);
        if user_state.exists() {
            files.extend(files_under(&user_state));
        }
        assert!(
            files.iter().any(|f| f.ends_with("journal.jsonl")),
            "{files:?}"
        );
        for file in files.iter().filter(|f| !except.contains(f)) {
            let bytes = std::fs::read(file).unwrap();
            assert!(
                !contains(&bytes, SECRET),
                "the secret leaked into {}:\n{}",
                file.display(),
                String::from_utf8_lossy(&bytes)
            );
        }
    }
}

fn run_and_report(dir: &Path, runbook: &Path, evidence: &mut Evidence) {
    let run = Test::new()
        .current_dir(dir)
        .env("CUTOVER_TEST_SECRET", SECRET)
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    evidence.add("run", &run);
    for format in ["markdown", "json", "html"] {
        let out = Test::new()
            .current_dir(dir)
            .env("CUTOVER_TEST_SECRET", SECRET)
            .args(["report", "--format", format])
            .run()
            .expect_code(0);
        assert!(out.stdout.len() > 200, "{format} report:\n{}", out.stdout);
        evidence.add(&format!("report --format {format}"), &out);
    }
    let status = Test::new()
        .current_dir(dir)
        .args(["status"])
        .run()
        .expect_code(0);
    evidence.add("status", &status);
}

/// A step whose action and whose `command` check print the secret, on a real broker (the
/// PLAINTEXT listener ignores SASL settings: librdkafka only warns that they are unused).
fn secret_runbook(dir: &Path, bootstrap: &str, action: &str, check: &str) -> PathBuf {
    write(
        dir,
        "secret.yaml",
        &format!(
            "version: 1\nname: secrets stay secret\nclusters:\n  source:\n    bootstrap: '{bootstrap}'\n    properties:\n      sasl.username: cutover\n      sasl.password: ${{CUTOVER_TEST_SECRET}}\n  target:\n    bootstrap: '{bootstrap}'\ndefaults:\n  topics: [orders]\n  poll_interval: 1s\n  timeout: 30s\ntiers:\n  - name: only\n    steps:\n      - id: leak\n        title: Print the secret\n        instructions: The action and the check print the password.\n        requires:\n          - kind: lag_zero\n            cluster: source\n            groups: [billing]\n        run: {action}\n        undo: 'true'\n        verifies:\n          - kind: command\n            run: {check}\n          - kind: mirror_caught_up\n"
        ),
    )
}

fn broker_with_drained_group() -> Broker {
    let broker = Broker::start("secrets");
    fixture::create_topic(&broker.bootstrap, "orders", 1, &[]);
    fixture::produce(&broker.bootstrap, "orders", 0, &numbered(0..5));
    fixture::commit(&broker.bootstrap, "billing", &[("orders", 0, 5)]);
    broker
}

/// `${CUTOVER_TEST_SECRET}` as sasl.password; the action and the command check print its
/// value (from the environment they inherit) to stdout and stderr. After `run --yes`,
/// `report` in all three formats and `status`, the value is in no output and in no file
/// under .cutover/, while the masked lines show the output was there.
#[test]
fn a_full_run_and_its_reports_never_show_a_secret() {
    let broker = broker_with_drained_group();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let runbook = secret_runbook(
        dir,
        &broker.bootstrap,
        r#"'echo "action says $CUTOVER_TEST_SECRET"; echo "$CUTOVER_TEST_SECRET" >&2'"#,
        r#"'echo "check says $CUTOVER_TEST_SECRET"'"#,
    );
    let mut evidence = Evidence::new();
    for command in ["validate", "plan"] {
        let out = Test::new()
            .current_dir(dir)
            .env("CUTOVER_TEST_SECRET", SECRET)
            .args([command, runbook.to_str().unwrap()])
            .run()
            .expect_code(0);
        evidence.add(command, &out);
    }
    let check = Test::new()
        .current_dir(dir)
        .env("CUTOVER_TEST_SECRET", SECRET)
        .args(["check", runbook.to_str().unwrap(), "--json"])
        .run()
        .expect_code(0);
    evidence.add("check", &check);
    run_and_report(dir, &runbook, &mut evidence);
    evidence.assert_clean(dir, &[]);

    // The output was there, masked: the test is not passing because nothing was printed.
    let logs: String = files_under(&dir.join(".cutover"))
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "log"))
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(logs.contains("action says ***"), "action logs: {logs}");
    let journal: String = files_under(&dir.join(".cutover"))
        .iter()
        .filter(|f| f.ends_with("journal.jsonl"))
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(journal.contains("check says ***"), "{journal}");
    let json = &evidence
        .outputs
        .iter()
        .find(|(what, _)| what == "report --format json: stdout")
        .unwrap()
        .1;
    assert!(json.contains("***"), "{json}");
}

/// The secret written literally into the runbook's action and check (bad practice, but it
/// happens): cutover masks it in everything it prints and writes. The one exception is the
/// verbatim copy of the runbook kept in the run directory, which is the operator's own file.
#[test]
fn a_secret_written_literally_in_an_action_is_masked_everywhere_but_the_runbook_copy() {
    let broker = broker_with_drained_group();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let runbook = secret_runbook(
        dir,
        &broker.bootstrap,
        &format!("'echo {SECRET}'"),
        &format!("'echo {SECRET}; test -n {SECRET}'"),
    );
    let mut evidence = Evidence::new();
    run_and_report(dir, &runbook, &mut evidence);
    let copies: Vec<PathBuf> = files_under(&dir.join(".cutover"))
        .into_iter()
        .filter(|f| f.ends_with("runbook.yaml"))
        .collect();
    assert_eq!(copies.len(), 1, "one run, one copy");
    assert_eq!(
        std::fs::read(&copies[0]).unwrap(),
        std::fs::read(&runbook).unwrap(),
        "the run directory keeps the runbook verbatim"
    );
    evidence.assert_clean(dir, &copies);
}

/// A validation message that quotes an interpolated value (the path of a properties file
/// that cannot be read) shows it masked.
#[test]
fn validation_errors_mask_interpolated_values() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = write(
        dir.path(),
        "missing.yaml",
        "version: 1\nname: x\nclusters:\n  source:\n    bootstrap: 'a:1'\n    properties_file: conf/${CUTOVER_TEST_SECRET}.properties\n  target: { bootstrap: 'b:1' }\ntiers:\n  - name: t\n    steps:\n      - id: s\n        instructions: x\n",
    );
    let out = Test::new()
        .current_dir(dir.path())
        .env("CUTOVER_TEST_SECRET", SECRET)
        .args(["validate", "missing.yaml"])
        .run()
        .expect_code(2);
    assert_eq!(
        out.stderr,
        "missing.yaml:6:22: error: clusters.source.properties_file: cannot read properties file ./***: No such file or directory (os error 2)\n"
    );
    assert!(runbook.exists());
}

/// The plan names a properties file whose path is interpolated as written, not as `***`.
#[test]
fn the_plan_shows_an_interpolated_properties_path_as_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    write(
        &dir.path().join("conf"),
        &format!("{SECRET}.properties"),
        "security.protocol=PLAINTEXT\n",
    );
    write(
        dir.path(),
        "plan.yaml",
        "version: 1\nname: x\nclusters:\n  source:\n    bootstrap: 'a:1'\n    properties_file: conf/${CUTOVER_TEST_SECRET}.properties\n  target: { bootstrap: 'b:1' }\ntiers:\n  - name: t\n    steps:\n      - id: s\n        instructions: x\n",
    );
    let out = Test::new()
        .current_dir(dir.path())
        .env("CUTOVER_TEST_SECRET", SECRET)
        .args(["plan", "plan.yaml"])
        .run()
        .expect_code(0);
    assert!(
        out.stdout
            .contains("properties from ./conf/${CUTOVER_TEST_SECRET}.properties"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains(SECRET) && !out.stderr.contains(SECRET));
}

/// A 1-character password would turn every `e` of the output into `***` if it were replaced
/// everywhere: it is not printed where settings are shown, validation warns that it is not
/// masked inside other text, and the rest of the output is intact.
#[test]
fn a_short_secret_does_not_mangle_the_output() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "short.yaml",
        "version: 1\nname: the release\nclusters:\n  source:\n    bootstrap: 'a:1'\n    properties:\n      sasl.password: ${CUTOVER_TEST_SHORT}\n      ssl.key.password: k\n  target: { bootstrap: 'b:1' }\ntiers:\n  - name: t\n    steps:\n      - id: s\n        instructions: Check the release.\n",
    );
    let out = Test::new()
        .current_dir(dir.path())
        .env("CUTOVER_TEST_SHORT", "e")
        .args(["validate", "short.yaml"])
        .run()
        .expect_code(0);
    assert_eq!(
        out.stderr,
        "short.yaml:7:22: warning: clusters.source.properties.sasl.password: the value of ${CUTOVER_TEST_SHORT} has fewer than 4 characters: cutover hides it where it shows settings but does not mask it inside other output (see docs/security.md)\n\
         short.yaml:8:25: warning: clusters.source.properties.ssl.key.password: the value has fewer than 4 characters: cutover hides it where it shows settings but does not mask it inside other output (see docs/security.md)\n"
    );
    assert_eq!(
        out.stdout,
        "short.yaml: valid: \"the release\", 1 tiers, 1 steps, 0 checks, 2 warnings\n"
    );
    let plan = Test::new()
        .current_dir(dir.path())
        .env("CUTOVER_TEST_SHORT", "e")
        .args(["plan", "short.yaml", "--format", "json"])
        .run()
        .expect_code(0);
    assert!(plan.stdout.contains("the release"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("Check the release."),
        "{}",
        plan.stdout
    );
}

/// The properties file operators already give `kafka-*.sh --command-config`: the PLAIN JAAS
/// login, Java's `HTTPS` spelling and a Java-only key. cutover translates it, connects to a
/// real broker with it (librdkafka would refuse sasl.jaas.config at connect time), warns
/// about the key it drops, and never shows the password.
#[test]
fn a_java_command_config_file_connects_and_its_password_stays_secret() {
    let broker = broker_with_drained_group();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "client.properties",
        &format!(
            "security.protocol=PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n  password=\"{SECRET}\" \\\n  username=\"cutover\";\nssl.endpoint.identification.algorithm=HTTPS\nkey.deserializer=org.apache.kafka.common.serialization.StringDeserializer\nclient.id=cutover-test\n"
        ),
    );
    write(
        dir.path(),
        "java.yaml",
        &format!(
            "version: 1\nname: java properties\nclusters:\n  source:\n    bootstrap: '{0}'\n    properties_file: client.properties\n  target: {{ bootstrap: '{0}' }}\ndefaults:\n  topics: [orders]\n  request_timeout: 10s\ntiers:\n  - name: t\n    steps:\n      - id: s\n        verifies:\n          - kind: lag_zero\n            cluster: source\n            groups: [billing]\n",
            broker.bootstrap
        ),
    );
    let warning = "java.yaml:6:22: warning: clusters.source.properties_file: ./client.properties: Java-only properties ignored (librdkafka has no such setting): key.deserializer (line 7)\n";
    let validate = Test::new()
        .current_dir(dir.path())
        .args(["validate", "java.yaml"])
        .run()
        .expect_code(0);
    assert_eq!(validate.stderr, warning);
    let check = Test::new()
        .current_dir(dir.path())
        .args(["check", "java.yaml", "--json"])
        .run()
        .expect_code(0);
    assert!(check.stderr.starts_with(warning), "{}", check.stderr);
    assert!(
        check.stdout.contains(r#""pass":1"#),
        "{}\n{}",
        check.stdout,
        check.stderr
    );
    let plan = Test::new()
        .current_dir(dir.path())
        .args(["plan", "java.yaml", "--format", "json"])
        .run()
        .expect_code(0);
    for out in [&validate, &check, &plan] {
        assert!(!out.stdout.contains(SECRET) && !out.stderr.contains(SECRET));
    }
}

/// Basic-auth credentials of a `connect:` endpoint (`${VAR}`) and a status body that holds
/// the secret: masked in every output and file of validate, plan, check, run, report, status.
#[test]
fn connect_credentials_and_status_bodies_never_show_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let server = crate::connect::Server::start(
        dir,
        serde_json::json!({
            "connectors": {"mirror": {"state": "RUNNING", "tasks": 1}},
            "delay_ms": 100,
            "auth": [SECRET, SECRET],
            "worker_id": format!("worker-{SECRET}:8083"),
        }),
        false,
    );
    let runbook = write(
        dir,
        "connect-secret.yaml",
        &format!(
            "version: 1\nname: connect secrets\nclusters:\n  source:\n    bootstrap: 127.0.0.1:1\n  target:\n    bootstrap: 127.0.0.1:2\nconnect:\n  mm2: {{ url: \"{}\", username: \"${{CUTOVER_TEST_SECRET}}\", password: \"${{CUTOVER_TEST_SECRET}}\" }}\ntiers:\n  - name: only\n    steps:\n      - id: pause\n        connector: {{ connect: mm2, names: [mirror], state: paused }}\n        run_timeout: 5s\n        verifies:\n          - kind: connector_state\n            connect: mm2\n            names: [mirror]\n            state: paused\n            tasks: all\n",
            server.url
        ),
    );
    let mut evidence = Evidence::new();
    for command in ["validate", "plan"] {
        let out = Test::new()
            .current_dir(dir)
            .env("CUTOVER_TEST_SECRET", SECRET)
            .args([command, runbook.to_str().unwrap()])
            .run()
            .expect_code(0);
        evidence.add(command, &out);
    }
    let check = Test::new()
        .current_dir(dir)
        .env("CUTOVER_TEST_SECRET", SECRET)
        .args(["check", runbook.to_str().unwrap(), "--json"])
        .run();
    assert!(check.stdout.contains("worker-***"), "{}", check.stdout);
    evidence.add("check", &check);
    run_and_report(dir, &runbook, &mut evidence);
    evidence.assert_clean(dir, &[]);
    assert_eq!(
        server.puts().len(),
        1,
        "the run did PUT (so bodies were shown)"
    );
}
