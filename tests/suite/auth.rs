//! SASL/SCRAM against tansu started with `--authentication`: checks pass with the right
//! credentials; a wrong password is a clear authentication error naming the cluster, exit 3,
//! in bounded time.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixture::{self, numbered};
use crate::support::{Broker, Test};

/// A broker with data and a SCRAM user, restarted to require authentication.
fn authenticating_broker(name: &str) -> Broker {
    let broker = Broker::start(name);
    fixture::create_topic(&broker.bootstrap, "orders", 2, &[]);
    fixture::produce(&broker.bootstrap, "orders", 0, &numbered(0..10));
    fixture::commit(&broker.bootstrap, "billing", &[("orders", 0, 10)]);
    let out = std::process::Command::new("tansu")
        .args([
            "user",
            "create",
            "--broker",
            &format!("tcp://{}", broker.bootstrap),
            "cutover",
            "scram-pass-1",
        ])
        .output()
        .expect("tansu is installed by scripts/brokers.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    broker.restart_with(&["--authentication"]);
    broker
}

fn runbook(dir: &std::path::Path, source: &str, target: &str) -> std::path::PathBuf {
    let cluster = |bootstrap: &str, password_var: &str| {
        format!(
            "{{ bootstrap: '{bootstrap}', properties: {{ security.protocol: SASL_PLAINTEXT, sasl.mechanism: SCRAM-SHA-512, sasl.username: cutover, sasl.password: '${{{password_var}}}' }} }}"
        )
    };
    let text = format!(
        "version: 1\nname: sasl\nclusters:\n  source: {}\n  target: {}\ndefaults:\n  topics: [orders]\n  request_timeout: 3s\ntiers:\n  - name: t\n    steps:\n      - id: s\n        verifies:\n          - kind: lag_zero\n            cluster: source\n            groups: [billing]\n          - kind: topics_match\n            configs: [cleanup.policy]\n",
        cluster(source, "SOURCE_PASSWORD"),
        cluster(target, "TARGET_PASSWORD")
    );
    let path = dir.join("sasl.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn sasl_scram_works_and_a_wrong_password_is_a_named_error() {
    let source = authenticating_broker("src");
    let target = authenticating_broker("tgt");
    let dir = tempfile::tempdir().unwrap();
    let path = runbook(dir.path(), &source.bootstrap, &target.bootstrap);

    let out = Test::new()
        .env("SOURCE_PASSWORD", "scram-pass-1")
        .env("TARGET_PASSWORD", "scram-pass-1")
        .args(["check", path.to_str().unwrap(), "--json"])
        .run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);

    let started = Instant::now();
    let out = Test::new()
        .env("SOURCE_PASSWORD", "not-the-password")
        .env("TARGET_PASSWORD", "scram-pass-1")
        .args(["check", path.to_str().unwrap(), "--json"])
        .run();
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "{:?}",
        started.elapsed()
    );
    let first: Value = serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
    let summary = first["summary"].as_str().unwrap();
    assert!(summary.starts_with("source cluster"), "{summary}");
    assert!(summary.contains("SASL authentication error"), "{summary}");
    for text in [&out.stdout, &out.stderr] {
        assert!(
            !text.contains("not-the-password"),
            "the password leaked: {text}"
        );
    }
}
