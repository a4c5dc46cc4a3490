//! `cutover init`: runbooks generated from MirrorMaker 2 configurations validate, plan with the
//! right alias, naming and checkpoints topic, and are pinned by golden files; bad input exits 2
//! with file:line; each unsafe setting is a warning; `-o` never overwrites without `--force`;
//! `--discover` lists what a real broker holds.

use std::path::{Path, PathBuf};

use crate::fixture;
use crate::support::{repo_root, Broker, Test};

const DIR: &str = "tests/fixtures/init";

/// Stand-in values for every variable the generated runbooks use.
const ENV: [(&str, &str); 8] = [
    ("SOURCE_PASSWORD", "source-password"),
    ("TARGET_PASSWORD", "target-password"),
    ("SOURCE_SSL_CA_LOCATION", "/tmp/source-ca.crt"),
    ("TARGET_SSL_CA_LOCATION", "/tmp/target-ca.crt"),
    ("TARGET_SSL_CERTIFICATE_LOCATION", "/tmp/target-user.crt"),
    ("TARGET_SSL_KEY_LOCATION", "/tmp/target-user.key"),
    ("SOURCE_USERNAME", "source-user"),
    ("TARGET_USERNAME", "target-user"),
];

fn with_env(mut test: Test) -> Test {
    for (k, v) in ENV {
        test = test.env(k, v);
    }
    test
}

/// (input, --flow, golden file, alias, naming, checkpoints topic)
type Case = (
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const CASES: [Case; 6] = [
    (
        "mm2-default-scram.properties",
        None,
        "mm2-default-scram.expected.yaml",
        "old",
        "prefixed",
        "old.checkpoints.internal",
    ),
    (
        "mm2-identity-flows.properties",
        Some("dc1->dc2"),
        "mm2-identity-dc1-dc2.expected.yaml",
        "dc1",
        "identity",
        "dc1_checkpoints_internal",
    ),
    (
        "mm2-identity-flows.properties",
        Some("dc1->dr"),
        "mm2-identity-dc1-dr.expected.yaml",
        "dc1",
        "identity",
        "dc1.checkpoints.internal",
    ),
    (
        "mm2-identity-flows.properties",
        Some("dc2->dc1"),
        "mm2-identity-dc2-dc1.expected.yaml",
        "dc2",
        "identity",
        "dc2_checkpoints_internal",
    ),
    (
        "strimzi-v1beta2-tls-scram.yaml",
        None,
        "strimzi-v1beta2-tls-scram.expected.yaml",
        "ocp3",
        "identity",
        "ocp3.checkpoints.internal",
    ),
    (
        "strimzi-new-layout.yaml",
        None,
        "strimzi-new-layout.expected.yaml",
        "east",
        "prefixed",
        "east-checkpoints-internal",
    ),
];

fn init(input: &str, flow: Option<&str>) -> Test {
    let mut args = vec![
        "init".to_string(),
        "--from".into(),
        format!("{DIR}/{input}"),
    ];
    if let Some(flow) = flow {
        args.extend(["--flow".into(), flow.to_string()]);
    }
    Test::new().args(args)
}

/// Golden files pin the whole runbook. `CUTOVER_BLESS=1` rewrites them.
#[test]
fn generated_runbooks_match_their_golden_files() {
    for (input, flow, golden, ..) in CASES {
        let out = init(input, flow).run().expect_code(0);
        let path = repo_root().join(DIR).join(golden);
        if std::env::var_os("CUTOVER_BLESS").is_some() {
            std::fs::write(&path, &out.stdout).unwrap();
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} missing (run with CUTOVER_BLESS=1)", path.display()));
        assert_eq!(
            out.stdout, expected,
            "{input} {flow:?} differs from {golden}"
        );
    }
}

#[test]
fn generated_runbooks_validate_and_plan_with_the_right_mirror() {
    let dir = tempfile::tempdir().unwrap();
    for (input, flow, golden, alias, naming, checkpoints) in CASES {
        let runbook = dir.path().join(golden);
        let mut test = init(input, flow);
        test = test.args(["-o", runbook.to_str().unwrap()]);
        test.run().expect_code(0);
        let out = with_env(Test::new())
            .args(["validate", runbook.to_str().unwrap()])
            .run()
            .expect_code(0);
        assert!(out.stdout.contains(": valid: "), "{}", out.stdout);
        // The only warnings allowed are about files the client properties name that exist
        // only on the operator's host (the fixtures' CA paths): validate cannot read them here.
        let unexpected: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| !(l.contains(": warning: clusters.") && l.contains(": cannot read ")))
            .collect();
        assert!(
            unexpected.is_empty(),
            "{input}: validate warns: {unexpected:?}"
        );
        let plan = with_env(Test::new())
            .args(["plan", runbook.to_str().unwrap(), "--format", "json"])
            .run()
            .expect_code(0);
        let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
        assert_eq!(plan["mirror"]["engine"], "mirrormaker2", "{input}");
        assert_eq!(plan["mirror"]["source_alias"], alias, "{input} {flow:?}");
        assert_eq!(plan["mirror"]["topic_naming"], naming, "{input} {flow:?}");
        assert_eq!(
            plan["mirror"]["checkpoints_topic"], checkpoints,
            "{input} {flow:?}"
        );
        // The table shows the same.
        let table = with_env(Test::new())
            .args(["plan", runbook.to_str().unwrap()])
            .run()
            .expect_code(0);
        assert!(
            table.stdout.contains(&format!(
                "mirror: mirrormaker2, source alias {alias}, {naming} topic naming, checkpoints in {checkpoints} on target"
            )),
            "{}",
            table.stdout
        );
    }
}

#[test]
fn secrets_become_variables_and_never_reach_the_runbook() {
    let out = init("mm2-default-scram.properties", None)
        .run()
        .expect_code(0);
    assert!(!out.stdout.contains("old-secret-pw") && !out.stdout.contains("new-secret-pw"));
    assert!(out.stdout.contains(
        "      sasl.password: '${SOURCE_PASSWORD}'  # from mm2-default-scram.properties:10 (old.sasl.jaas.config)\n"
    ));
    assert!(out.stdout.contains("      sasl.username: 'mm2'  # from mm2-default-scram.properties:10 (old.sasl.jaas.config)\n"));
}

#[test]
fn a_password_secret_becomes_a_variable_naming_the_kubernetes_secret_and_key() {
    let out = init("strimzi-v1beta2-tls-scram.yaml", None)
        .run()
        .expect_code(0);
    assert!(out.stdout.contains(
        "      sasl.password: '${SOURCE_PASSWORD}'  # from strimzi-v1beta2-tls-scram.yaml:20 (spec.clusters[0].authentication.passwordSecret): Kubernetes secret `mm2-reader`, key `password`\n"
    ), "{}", out.stdout);
    // The header says how to set it.
    assert!(out
        .stdout
        .contains("export SOURCE_PASSWORD=\"$(kubectl get secret mm2-reader"));
    let out = init("strimzi-new-layout.yaml", None).run().expect_code(0);
    assert!(out
        .stdout
        .contains("Kubernetes secret `east-credentials`, key `plain.password`"));
}

#[test]
fn several_flows_need_flow_and_the_error_lists_them() {
    let out = init("mm2-identity-flows.properties", None)
        .run()
        .expect_code(2);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.starts_with(
        "tests/fixtures/init/mm2-identity-flows.properties:2: error: 3 flows are enabled: pick one with --flow (--flow 'dc1->dc2', --flow 'dc1->dr', --flow 'dc2->dc1')\n"
    ), "{}", out.stderr);
    let out = init("mm2-identity-flows.properties", Some("dc2->dr"))
        .run()
        .expect_code(2);
    assert_eq!(
        out.stderr,
        "tests/fixtures/init/mm2-identity-flows.properties:2: error: no enabled flow `dc2->dr` in this MirrorMaker 2 properties file (enabled: dc1->dc2, dc1->dr, dc2->dc1)\n"
    );
}

/// Each tests/fixtures/init/bad/X prints exactly X.expected on stderr and exits 2.
#[test]
fn bad_input_reports_file_line_and_exits_2() {
    let dir = repo_root().join(DIR).join("bad");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "expected"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 8);
    for input in inputs {
        let relative = input
            .strip_prefix(repo_root())
            .unwrap()
            .display()
            .to_string();
        let expected = std::fs::read_to_string(input.with_extension("expected")).unwrap();
        let out = Test::new()
            .args(["init", "--from", &relative])
            .run()
            .expect_code(2);
        assert_eq!(out.stderr, expected, "{relative}");
        assert_eq!(out.stdout, "", "{relative}");
        // Every message names the file and, but for an unrecognised file, the line.
        if !relative.ends_with("unknown-format.txt") {
            assert!(
                out.stderr.starts_with(&format!("{relative}:")),
                "{}",
                out.stderr
            );
            let line: String = out.stderr[relative.len() + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            assert!(!line.is_empty(), "{relative}: no line in {}", out.stderr);
        }
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

const BASE: &str = "clusters = a, b\na.bootstrap.servers = a:9092\nb.bootstrap.servers = b:9092\na->b.enabled = true\n";

fn warnings_of(extra: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "mm2.properties", &format!("{BASE}{extra}"));
    let out = Test::new()
        .args(["init", "--from", &file])
        .run()
        .expect_code(0);
    let stderr = out.stderr.replace(&file, "mm2.properties");
    (stderr, out.stdout)
}

#[test]
fn sync_group_offsets_off_warns_and_adds_an_offsets_step() {
    let (stderr, runbook) = warnings_of("sync.group.offsets.enabled = false\n");
    assert!(stderr.contains("mm2.properties:5: warning: sync.group.offsets.enabled is false: MirrorMaker 2 will not position the consumer groups on the target; the runbook gets an explicit step, commit-offsets-on-target\n"), "{stderr}");
    assert!(runbook.contains("      - id: commit-offsets-on-target\n"));
    // The warning is in the runbook's header too.
    assert!(runbook.contains("#   - mm2.properties:5: sync.group.offsets.enabled is false"));
    // Turned on: no warning, no extra step.
    let (stderr, runbook) = warnings_of("sync.group.offsets.enabled = true\n");
    assert_eq!(stderr, "");
    assert!(!runbook.contains("commit-offsets-on-target"));
}

#[test]
fn checkpoints_disabled_warns_and_compares_content() {
    let (stderr, runbook) =
        warnings_of("sync.group.offsets.enabled = true\na->b.emit.checkpoints.enabled = false\n");
    assert!(stderr.contains("mm2.properties:6: warning: checkpoints are disabled (a->b.emit.checkpoints.enabled is false)"), "{stderr}");
    assert!(runbook.contains("            method: content  # checkpoints are disabled (from mm2.properties:6 (a->b.emit.checkpoints.enabled))\n"));
}

#[test]
fn a_narrow_group_filter_warns() {
    let (stderr, _) =
        warnings_of("sync.group.offsets.enabled = true\ngroups = billing, shipping\n");
    assert!(stderr.contains("mm2.properties:6: warning: the group filter (groups = billing, shipping, groups.exclude = console-consumer-.*, connect-.*, __.*) is narrower than MirrorMaker 2's default"), "{stderr}");
}

#[test]
fn a_checkpoint_interval_longer_than_the_drain_timeout_warns() {
    let (stderr, runbook) = warnings_of(
        "sync.group.offsets.enabled = true\nemit.checkpoints.interval.seconds = 3600\n",
    );
    assert!(stderr.contains("mm2.properties:6: warning: emit.checkpoints.interval.seconds is 3600s, longer than the drain step's timeout (1800s)"), "{stderr}");
    // The offsets check waits for two intervals.
    assert!(runbook.contains("            timeout: 121m  # two checkpoint intervals (3600s, from mm2.properties:6 (emit.checkpoints.interval.seconds))\n"), "{runbook}");
}

#[test]
fn a_policy_on_the_source_connector_only_warns() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "mm2.yaml",
        "\
apiVersion: kafka.strimzi.io/v1beta2
kind: KafkaMirrorMaker2
metadata:
  name: half
spec:
  clusters:
    - alias: a
      bootstrapServers: a:9092
    - alias: b
      bootstrapServers: b:9092
  mirrors:
    - sourceCluster: a
      targetCluster: b
      sourceConnector:
        config:
          replication.policy.class: org.apache.kafka.connect.mirror.IdentityReplicationPolicy
      checkpointConnector:
        config:
          sync.group.offsets.enabled: true
",
    );
    let out = Test::new()
        .args(["init", "--from", &file])
        .run()
        .expect_code(0);
    let stderr = out.stderr.replace(&file, "mm2.yaml");
    assert!(stderr.contains("mm2.yaml: warning: the source connector runs org.apache.kafka.connect.mirror.IdentityReplicationPolicy (spec.mirrors[0].sourceConnector.config.replication.policy.class) but the checkpoint connector runs org.apache.kafka.connect.mirror.DefaultReplicationPolicy (spec.mirrors[0].checkpointConnector.config.replication.policy.class): checkpoints then name topics that do not exist on the target"), "{stderr}");
    // Naming follows the source connector, the checkpoints topic the checkpoint connector.
    assert!(out.stdout.contains("  topic_naming: identity  #"));
    assert!(out
        .stdout
        .contains("  checkpoints_topic: 'a.checkpoints.internal'  #"));
}

#[test]
fn output_is_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let target = write(dir.path(), "runbook.yaml", "keep me\n");
    let out = init("mm2-default-scram.properties", None)
        .args(["-o", &target])
        .run()
        .expect_code(2);
    assert_eq!(
        out.stderr,
        format!("error: {target} exists: cutover init does not overwrite it without --force\n")
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    init("mm2-default-scram.properties", None)
        .args(["-o", &target, "--force"])
        .run()
        .expect_code(0);
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .starts_with("# Generated by `cutover init`"));
    // A new file needs no --force.
    let fresh = dir.path().join("new.yaml");
    init("mm2-default-scram.properties", None)
        .args(["-o", fresh.to_str().unwrap()])
        .run()
        .expect_code(0);
    assert!(fresh.exists());
}

#[test]
fn discover_writes_the_topics_and_groups_the_filters_select() {
    let broker = Broker::start("init-discover");
    for topic in ["orders", "orders.eu", "payments", "audit", "orders.replica"] {
        fixture::create_topic(&broker.bootstrap, topic, 1, &[]);
        fixture::produce(&broker.bootstrap, topic, 0, &fixture::numbered(0..3));
    }
    fixture::commit(&broker.bootstrap, "billing", &[("orders", 0, 2)]);
    fixture::commit(&broker.bootstrap, "batch-reports", &[("payments", 0, 1)]);
    fixture::commit(&broker.bootstrap, "auditor", &[("audit", 0, 1)]);
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "mm2.properties",
        &format!(
            "clusters = src, dst\nsrc.bootstrap.servers = {}\ndst.bootstrap.servers = 127.0.0.1:9\nsrc->dst.enabled = true\nsrc->dst.topics = orders.*, payments\nsrc->dst.groups = (?!batch-).*\nsync.group.offsets.enabled = true\n",
            broker.bootstrap
        ),
    );
    // Without --discover the lookaround filter cannot be written: it is an error, not dropped.
    let out = Test::new()
        .args(["init", "--from", &file])
        .run()
        .expect_code(2);
    assert!(
        out.stderr.contains(
            "src->dst.groups: `(?!batch-).*` is beyond the runbook's regular expressions"
        ),
        "{}",
        out.stderr
    );

    let runbook = dir.path().join("runbook.yaml");
    let out = Test::new()
        .args([
            "init",
            "--from",
            &file,
            "--discover",
            "-o",
            runbook.to_str().unwrap(),
        ])
        .run()
        .expect_code(0);
    let text = std::fs::read_to_string(&runbook).unwrap();
    assert!(
        text.contains(
            "  topics:\n    - 'orders'\n    - 'orders.eu'\n    - 'payments'\n  exclude_topics:\n"
        ),
        "{text}"
    );
    assert!(text.contains("  # --discover: 3 of the 5 topics on src match the topic filter (src->dst.topics = orders.*,\n"), "{text}");
    assert!(
        text.contains("  groups:\n    - 'billing'\n  exclude_groups:\n"),
        "{text}"
    );
    assert!(
        text.contains("the 1 listed have commits on the topics above"),
        "{text}"
    );
    // batch-reports reads a mirrored topic but the group filter leaves it out.
    let stderr = out.stderr.replace(&file, "mm2.properties");
    assert!(stderr.contains("mm2.properties:6: warning: the group filter excludes 1 group(s) with commits on the mirrored topics: batch-reports"), "{stderr}");
    // The precise warning replaces the one that asks for --discover.
    assert!(!stderr.contains("narrower than"), "{stderr}");
    Test::new()
        .args(["validate", runbook.to_str().unwrap()])
        .run()
        .expect_code(0);
}

#[test]
fn discover_with_nothing_matching_keeps_the_filter_and_says_so() {
    let broker = Broker::start("init-discover-none");
    fixture::create_topic(&broker.bootstrap, "unrelated", 1, &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "mm2.properties",
        &format!(
            "clusters = src, dst\nsrc.bootstrap.servers = {}\ndst.bootstrap.servers = 127.0.0.1:9\nsrc->dst.enabled = true\nsrc->dst.topics = orders.*\nsync.group.offsets.enabled = true\n",
            broker.bootstrap
        ),
    );
    let out = Test::new()
        .args(["init", "--from", &file, "--discover"])
        .run()
        .expect_code(0);
    assert!(out.stdout.contains("  # --discover: none of the 1 topics on src matches the topic filter at generation time;"), "{}", out.stdout);
    assert!(
        out.stdout.contains("  topics:\n    - 'orders.*'\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("  # --discover: no group on src (0 listed) matches the group filter"),
        "{}",
        out.stdout
    );
}

#[test]
fn discover_against_an_unreachable_source_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "mm2.properties", "clusters = a, b\na.bootstrap.servers = 127.0.0.1:9\nb.bootstrap.servers = 127.0.0.1:9\na->b.enabled = true\nsync.group.offsets.enabled = true\n");
    let out = Test::new()
        .args(["init", "--from", &file, "--discover"])
        .run()
        .expect_code(2);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains(": error: --discover: "),
        "{}",
        out.stderr
    );
}

/// Every generated value says where it came from: each setting under `clusters` and `mirror`
/// and each exclude pattern has its comment on its line; include lists have theirs above.
#[test]
fn every_generated_value_carries_its_origin() {
    for (_, _, golden, ..) in CASES {
        let text = std::fs::read_to_string(repo_root().join(DIR).join(golden)).unwrap();
        let body: Vec<&str> = text
            .lines()
            .skip_while(|l| *l != "clusters:")
            .take_while(|l| *l != "tiers:")
            .collect();
        let mut previous = "";
        let mut in_include = false;
        let mut checked = 0;
        for line in body {
            let trimmed = line.trim_start();
            if trimmed == "topics:" || trimmed == "groups:" {
                assert!(
                    previous.trim_start().starts_with('#'),
                    "{golden}: no comment above {line}"
                );
                in_include = true;
            } else if trimmed.ends_with(':') || trimmed.starts_with('#') || trimmed.is_empty() {
                in_include = false;
            } else if !in_include
                && !trimmed.starts_with("engine:")
                && !trimmed.starts_with("timeout:")
                && !trimmed.starts_with("poll_interval:")
            {
                assert!(line.contains("  # "), "{golden}: no origin on `{line}`");
                checked += 1;
            }
            previous = line;
        }
        assert!(checked >= 10, "{golden}: only {checked} values seen");
    }
}
