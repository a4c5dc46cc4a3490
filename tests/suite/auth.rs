//! SASL/SCRAM against tansu started with `--authentication`, and TLS (SSL with a client
//! certificate, SASL_SSL) through scripts/tls_proxy.py: checks pass with the right
//! credentials; a wrong password or an untrusted certificate is a clear error naming the
//! cluster, exit 3, in bounded time, and no secret is printed.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixture::{self, numbered};
use std::path::{Path, PathBuf};

use crate::support::{write, Broker, Test, Tls};

/// A broker with the same data as every other one made here: 10 records in orders/0, and
/// group billing caught up.
fn broker_with_data(name: &str) -> Broker {
    let broker = Broker::start(name);
    fixture::create_topic(&broker.bootstrap, "orders", 2, &[]);
    fixture::produce(&broker.bootstrap, "orders", 0, &numbered(0..10));
    fixture::commit(&broker.bootstrap, "billing", &[("orders", 0, 10)]);
    broker
}

/// A broker with data and a SCRAM user `cutover`; restart it to require authentication.
fn broker_with_scram_user(name: &str) -> Broker {
    let broker = broker_with_data(name);
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
    broker
}

/// A broker with data and a SCRAM user, restarted to require authentication.
fn authenticating_broker(name: &str) -> Broker {
    let broker = broker_with_scram_user(name);
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

    expect_source_error(
        &path,
        &[
            ("SOURCE_PASSWORD", "not-the-password"),
            ("TARGET_PASSWORD", "scram-pass-1"),
        ],
        "SASL authentication error",
        "not-the-password",
    );
}

/// `check --json` fails on the source cluster: exit 3 in bounded time, the first check's
/// summary names the source and contains `words`, and `secret` is printed nowhere.
fn expect_source_error(path: &Path, env: &[(&str, &str)], words: &str, secret: &str) {
    let started = Instant::now();
    let mut test = Test::new();
    for (key, value) in env {
        test = test.env(key, value);
    }
    let out = test.args(["check", path.to_str().unwrap(), "--json"]).run();
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "{:?}",
        started.elapsed()
    );
    let first: Value = crate::support::check_json(&out.stdout).remove(0);
    let summary = first["summary"].as_str().unwrap();
    assert!(summary.starts_with("source cluster"), "{summary}");
    assert!(summary.contains(words), "{summary}");
    for text in [&out.stdout, &out.stderr] {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
}

/// Checks that read from both clusters: committed offsets, configs, and records (fetch).
const CHECKS: &str = "tiers:\n  - name: t\n    steps:\n      - id: s\n        verifies:\n          - kind: lag_zero\n            cluster: source\n            groups: [billing]\n          - kind: topics_match\n            configs: [cleanup.policy]\n          - kind: tail_match\n            records: 5\n";

fn mtls_cluster(bootstrap: &str, tls: &Tls, password_var: &str) -> String {
    format!(
        "{{ bootstrap: '{bootstrap}', properties: {{ security.protocol: SSL, ssl.ca.location: '{}', ssl.certificate.location: '{}', ssl.key.location: '{}', ssl.key.password: '${{{password_var}}}' }} }}",
        tls.ca, tls.client_cert, tls.client_key
    )
}

fn tls_runbook(dir: &Path, source: &str, target: &str) -> PathBuf {
    let text = format!(
        "version: 1\nname: tls\nclusters:\n  source: {source}\n  target: {target}\ndefaults:\n  topics: [orders]\n  request_timeout: 3s\n{CHECKS}"
    );
    write(dir, "tls.yaml", &text)
}

#[test]
fn ssl_with_a_client_certificate_works_and_an_untrusted_broker_is_a_named_error() {
    let source = broker_with_data("src");
    let target = broker_with_data("tgt");
    let source_tls = source.restart_tls("--mtls", &[]);
    let target_tls = target.restart_tls("--mtls", &[]);
    let password = source_tls.client_key_password.clone();
    let source_ca = source_tls.ca.clone();
    let dir = tempfile::tempdir().unwrap();

    let path = tls_runbook(
        dir.path(),
        &mtls_cluster(&source.bootstrap, &source_tls, "SOURCE_KEY_PASSWORD"),
        &mtls_cluster(&target.bootstrap, &target_tls, "TARGET_KEY_PASSWORD"),
    );
    let out = Test::new()
        .env("SOURCE_KEY_PASSWORD", &password)
        .env("TARGET_KEY_PASSWORD", &password)
        .args(["check", path.to_str().unwrap(), "--json"])
        .run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        crate::support::check_json(&out.stdout).len(),
        4,
        "{}",
        out.stdout
    );

    // The source trusts the target's CA only: its certificate cannot be verified.
    let untrusted = Tls {
        ca: target_tls.ca.clone(),
        ..source_tls
    };
    let path = tls_runbook(
        dir.path(),
        &mtls_cluster(&source.bootstrap, &untrusted, "SOURCE_KEY_PASSWORD"),
        &mtls_cluster(&target.bootstrap, &target_tls, "TARGET_KEY_PASSWORD"),
    );
    let passwords = [
        ("SOURCE_KEY_PASSWORD", password.as_str()),
        ("TARGET_KEY_PASSWORD", password.as_str()),
    ];
    expect_source_error(&path, &passwords, "certificate verify failed", &password);

    // No client certificate: the broker (mutual TLS) refuses the handshake.
    let path = tls_runbook(
        dir.path(),
        &format!(
            "{{ bootstrap: '{}', properties: {{ security.protocol: SSL, ssl.ca.location: '{source_ca}' }} }}",
            source.bootstrap
        ),
        &mtls_cluster(&target.bootstrap, &target_tls, "TARGET_KEY_PASSWORD"),
    );
    expect_source_error(&path, &passwords, "client certificate", &password);
}

/// Seed 001's client-sasl-scram.properties, with the truststore as PEM: SASL_SSL with
/// SCRAM-SHA-512 from a Java properties file, end to end (`check`, then `run`).
#[test]
fn sasl_ssl_scram_from_a_java_properties_file() {
    let source = broker_with_scram_user("src");
    let target = broker_with_scram_user("tgt");
    let source_tls = source.restart_tls("--tls", &["--authentication"]);
    let target_tls = target.restart_tls("--tls", &["--authentication"]);
    let dir = tempfile::tempdir().unwrap();
    let properties = |name: &str, ca: &str, password: &str| {
        write(
            dir.path(),
            name,
            &format!(
                "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n  username=\"cutover\" password=\"{password}\";\nssl.truststore.type=PEM\nssl.truststore.location={ca}\nssl.endpoint.identification.algorithm=HTTPS\n"
            ),
        );
    };
    let runbook = || {
        let text = format!(
            "version: 1\nname: sasl-ssl\nclusters:\n  source: {{ bootstrap: '{}', properties_file: source.properties }}\n  target: {{ bootstrap: '{}', properties_file: target.properties }}\ndefaults:\n  topics: [orders]\n  request_timeout: 3s\n{CHECKS}",
            source.bootstrap, target.bootstrap
        );
        write(dir.path(), "sasl-ssl.yaml", &text)
    };
    properties("source.properties", &source_tls.ca, "scram-pass-1");
    properties("target.properties", &target_tls.ca, "scram-pass-1");
    let path = runbook();
    let out = Test::new()
        .args(["check", path.to_str().unwrap(), "--json"])
        .run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    // And a whole run: cluster ids, polling, journal.
    Test::new()
        .current_dir(dir.path())
        .args(["run", path.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);

    properties("source.properties", &source_tls.ca, "not-the-password");
    expect_source_error(&path, &[], "SASL authentication error", "not-the-password");
}
