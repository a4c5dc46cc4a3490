//! Every check kind on two real brokers, passing and in each failing state.

use std::path::PathBuf;

use cutover::mm2::Checkpoint;
use serde_json::Value;

use crate::fixture::{self, numbered, rec, Rec};
use crate::support::{Broker, Test};

struct Scenario {
    source: Broker,
    target: Broker,
    dir: tempfile::TempDir,
}

impl Scenario {
    fn new() -> Scenario {
        Scenario {
            source: Broker::start("src"),
            target: Broker::start("tgt"),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A one-step runbook whose verifies are `checks` (YAML list items, indented 10).
    fn runbook(&self, mirror: &str, checks: &str) -> PathBuf {
        let text = format!(
            "version: 1\nname: checks\nclusters:\n  source: {{ bootstrap: '{}' }}\n  target: {{ bootstrap: '{}' }}\n{mirror}\ndefaults:\n  topics: ['orders.*']\n  request_timeout: 5s\ntiers:\n  - name: t\n    steps:\n      - id: s\n        verifies:\n{checks}",
            self.source.bootstrap, self.target.bootstrap
        );
        let path = self.dir.path().join("runbook.yaml");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn check(&self, mirror: &str, checks: &str) -> (i32, Vec<Value>) {
        let path = self.runbook(mirror, checks);
        let out = Test::new()
            .args(["check", path.to_str().unwrap(), "--json"])
            .run();
        (out.code, crate::support::check_json(&out.stdout))
    }

    /// Both clusters get `orders` with `partitions`, the same records on each.
    fn mirrored(&self, topic: &str, partitions: i32, records: &[(i32, Vec<Rec>)]) {
        for broker in [&self.source, &self.target] {
            fixture::create_topic(&broker.bootstrap, topic, partitions, &[]);
            for (p, recs) in records {
                fixture::produce(&broker.bootstrap, topic, *p, recs);
            }
        }
    }
}

const MM2: &str = "mirror:\n  engine: mirrormaker2\n  source_alias: old";

fn statuses(lines: &[Value]) -> Vec<&str> {
    lines
        .iter()
        .filter(|l| l["type"] == "check")
        .map(|l| l["status"].as_str().unwrap())
        .collect()
}

fn failing_reasons(line: &Value) -> Vec<String> {
    line["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "fail" || i["status"] == "error")
        .map(|i| i["reason"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn lag_zero_passes_when_drained_and_names_the_lagging_partition() {
    let s = Scenario::new();
    fixture::create_topic(&s.source.bootstrap, "orders", 2, &[]);
    fixture::produce(&s.source.bootstrap, "orders", 0, &numbered(0..30));
    fixture::produce(&s.source.bootstrap, "orders", 1, &numbered(0..10));
    fixture::commit(
        &s.source.bootstrap,
        "billing",
        &[("orders", 0, 30), ("orders", 1, 10)],
    );
    fixture::commit(
        &s.source.bootstrap,
        "shipping",
        &[("orders", 0, 30), ("orders", 1, 7)],
    );
    let check = "          - kind: lag_zero\n            cluster: source\n            groups: [billing]\n          - kind: lag_zero\n            cluster: source\n            groups: [shipping]\n          - kind: lag_zero\n            cluster: source\n            groups: [biling]\n";
    let (code, lines) = s.check("", check);
    assert_eq!(statuses(&lines), ["pass", "fail", "fail"]);
    assert_eq!(code, 1);
    let lagging = &lines[1]["items"][0];
    assert_eq!(
        (lagging["group"].as_str(), lagging["partition"].as_i64()),
        (Some("shipping"), Some(1))
    );
    assert_eq!(
        (
            lagging["committed"].as_i64(),
            lagging["end"].as_i64(),
            lagging["lag"].as_i64()
        ),
        (Some(7), Some(10), Some(3))
    );
    assert!(failing_reasons(&lines[2])[0].contains("likely a typo"));
    assert_eq!(
        lines[3],
        serde_json::json!({"type": "summary", "pass": 1, "fail": 2, "error": 0})
    );
}

/// The `--json` contract (docs/checks.md), exactly: each item is its own line (`"type":
/// "item"`, its check's index, step, phase, kind and cluster, then the item's fields), before
/// its check's line; the check's line keeps every field but `items`, replaced by
/// `item_counts`; the summary line last.
#[test]
fn check_json_writes_each_item_as_its_own_line_before_its_check_line() {
    let s = Scenario::new();
    fixture::create_topic(&s.source.bootstrap, "orders", 2, &[]);
    fixture::produce(&s.source.bootstrap, "orders", 0, &numbered(0..30));
    fixture::produce(&s.source.bootstrap, "orders", 1, &numbered(0..10));
    fixture::commit(
        &s.source.bootstrap,
        "shipping",
        &[("orders", 0, 30), ("orders", 1, 7)],
    );
    let path = s.runbook(
        "",
        "          - kind: lag_zero\n            cluster: source\n            groups: [shipping]\n",
    );
    let out = Test::new()
        .args(["check", path.to_str().unwrap(), "--json"])
        .run();
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{}", out.stdout);
    let item = |partition: i64, committed: i64, end: i64, status: &str, reason: Value| {
        serde_json::json!({
            "type": "item", "index": 0, "step": "s", "phase": "verifies", "kind": "lag_zero",
            "cluster": "source", "group": "shipping", "topic": "orders", "partition": partition,
            "source": null, "target": null, "status": status, "reason": reason,
            "committed": committed, "end": end, "lag": end - committed,
        })
    };
    let mut items = lines[..2].to_vec();
    items.sort_by_key(|i| i["partition"].as_i64());
    assert_eq!(
        items,
        [
            item(0, 30, 30, "pass", Value::Null),
            item(1, 7, 10, "fail", "lag 3 > 0".into())
        ]
    );
    let summary = lines[2]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("1 of 2 group partitions failed"),
        "{summary}"
    );
    assert_eq!(
        lines[2],
        serde_json::json!({
            "type": "check", "index": 0, "step": "s", "phase": "verifies", "kind": "lag_zero",
            "cluster": "source", "status": "fail", "summary": summary,
            "item_counts": {"pass": 1, "fail": 1, "error": 0, "info": 0},
        })
    );
    assert_eq!(
        lines[3],
        serde_json::json!({"type": "summary", "pass": 0, "fail": 1, "error": 0})
    );
}

#[test]
fn producers_quiet_fails_while_a_producer_writes_every_few_seconds() {
    let s = Scenario::new();
    fixture::create_topic(&s.source.bootstrap, "orders", 1, &[]);
    fixture::produce(&s.source.bootstrap, "orders", 0, &numbered(0..3));
    let quiet =
        "          - kind: producers_quiet\n            cluster: source\n            window: 2s\n";
    let (code, lines) = s.check("", quiet);
    assert_eq!((code, statuses(&lines)), (0, vec!["pass"]));

    let bootstrap = s.source.bootstrap.clone();
    let writer = std::thread::spawn(move || {
        for i in 0..3 {
            fixture::produce(&bootstrap, "orders", 0, &numbered(i..i + 1));
            std::thread::sleep(std::time::Duration::from_millis(700));
        }
    });
    let (code, lines) = s.check("", quiet);
    writer.join().unwrap();
    assert_eq!((code, statuses(&lines)), (1, vec!["fail"]));
    assert!(lines[0]["items"][0]["moved"].as_i64().unwrap() >= 1);
}

/// A topic deleted during the window used to drop out of the second snapshot unnoticed: only
/// topics present at the end were compared, and the deleted one's partitions were skipped.
#[test]
fn producers_quiet_fails_when_a_topic_is_deleted_during_the_window() {
    let s = Scenario::new();
    fixture::create_topic(&s.source.bootstrap, "orders", 1, &[]);
    fixture::create_topic(&s.source.bootstrap, "orders.eu", 1, &[]);
    fixture::produce(&s.source.bootstrap, "orders", 0, &numbered(0..3));
    let bootstrap = s.source.bootstrap.clone();
    let deleter = std::thread::spawn(move || {
        use rdkafka::admin::{AdminClient, AdminOptions};
        use rdkafka::client::DefaultClientContext;
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let admin: AdminClient<DefaultClientContext> =
            fixture::config(&bootstrap).create().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let deleted = runtime
            .block_on(admin.delete_topics(
                &["orders.eu"],
                &AdminOptions::new().request_timeout(Some(fixture::TIMEOUT)),
            ))
            .unwrap();
        assert!(deleted.iter().all(Result::is_ok), "{deleted:?}");
    });
    let quiet =
        "          - kind: producers_quiet\n            cluster: source\n            window: 4s\n";
    let (code, lines) = s.check("", quiet);
    deleter.join().unwrap();
    assert_eq!((code, statuses(&lines)), (1, vec!["fail"]), "{lines:?}");
    let reasons = failing_reasons(&lines[0]);
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("disappeared during the 4s window")),
        "{reasons:?}"
    );
}

#[test]
fn mirror_caught_up_and_tail_match_on_identical_clusters_then_each_failure() {
    let s = Scenario::new();
    s.mirrored("orders", 2, &[(0, numbered(0..120)), (1, numbered(0..5))]);
    fixture::create_topic(&s.source.bootstrap, "orders.empty", 1, &[]);
    fixture::create_topic(&s.target.bootstrap, "orders.empty", 1, &[]);
    let checks = "          - kind: mirror_caught_up\n          - kind: tail_match\n            records: 100\n";
    let (code, lines) = s.check(MM2, checks);
    assert_eq!(
        (code, statuses(&lines)),
        (0, vec!["pass", "pass"]),
        "{lines:?}"
    );

    // A duplicate on target (a retried mirror write) is counted, not failed.
    fixture::produce(&s.target.bootstrap, "orders", 1, &numbered(3..5));
    fixture::produce(&s.source.bootstrap, "orders", 1, &numbered(5..6));
    fixture::produce(&s.target.bootstrap, "orders", 1, &numbered(5..6));
    let (code, lines) = s.check(
        MM2,
        "          - kind: tail_match\n            records: 100\n",
    );
    assert_eq!((code, statuses(&lines)), (0, vec!["pass"]), "{lines:?}");
    let p1 = lines[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["partition"] == 1)
        .unwrap();
    assert_eq!(p1["duplicates"], 2);

    // The last source record is missing on target.
    fixture::produce(&s.source.bootstrap, "orders", 0, &numbered(120..121));
    let (code, lines) = s.check(MM2, checks);
    assert_eq!((code, statuses(&lines)), (1, vec!["fail", "fail"]));
    assert!(failing_reasons(&lines[0])[0].contains("last records differ"));
    assert!(
        failing_reasons(&lines[1])[0].contains("missing on target")
            || failing_reasons(&lines[1])[0].contains("differ")
    );

    // Now the target has it, but with a changed value.
    fixture::produce(
        &s.target.bootstrap,
        "orders",
        0,
        &[Rec {
            timestamp: Some(1_700_000_000_120),
            ..rec("k120", "changed")
        }],
    );
    let (_, lines) = s.check(MM2, checks);
    assert_eq!(statuses(&lines), ["fail", "fail"]);
    let tail_reason = &failing_reasons(&lines[1])[0];
    assert!(tail_reason.contains("source offset 120"), "{tail_reason}");
}

#[test]
fn prefixed_naming_maps_topics_to_the_alias() {
    let s = Scenario::new();
    fixture::create_topic(&s.source.bootstrap, "orders", 1, &[]);
    fixture::produce(&s.source.bootstrap, "orders", 0, &numbered(0..10));
    fixture::create_topic(&s.target.bootstrap, "old.orders", 1, &[]);
    fixture::produce(&s.target.bootstrap, "old.orders", 0, &numbered(0..10));
    let mirror = "mirror:\n  engine: mirrormaker2\n  source_alias: old\n  topic_naming: prefixed";
    let (code, lines) = s.check(mirror, "          - kind: mirror_caught_up\n          - kind: topics_match\n            configs: [cleanup.policy]\n");
    assert_eq!(
        (code, statuses(&lines)),
        (0, vec!["pass", "pass"]),
        "{lines:?}"
    );
    assert_eq!(lines[0]["items"][0]["topic"], "old.orders");
    // With identity naming the same clusters fail: the topic is missing on target.
    let (code, lines) = s.check(MM2, "          - kind: mirror_caught_up\n");
    assert_eq!((code, statuses(&lines)), (1, vec!["fail"]));
}

#[test]
fn topics_match_names_missing_topics_partition_and_config_drift() {
    let s = Scenario::new();
    fixture::create_topic(
        &s.source.bootstrap,
        "orders",
        3,
        &[("retention.ms", "86400000")],
    );
    fixture::create_topic(
        &s.target.bootstrap,
        "orders",
        3,
        &[("retention.ms", "86400000")],
    );
    let check = "          - kind: topics_match\n            configs: [retention.ms]\n";
    let (code, lines) = s.check(MM2, check);
    assert_eq!((code, statuses(&lines)), (0, vec!["pass"]), "{lines:?}");

    fixture::create_topic(
        &s.source.bootstrap,
        "orders.audit",
        2,
        &[("retention.ms", "1000")],
    );
    fixture::create_topic(
        &s.target.bootstrap,
        "orders.audit",
        1,
        &[("retention.ms", "2000")],
    );
    fixture::create_topic(&s.source.bootstrap, "orders.returns", 1, &[]);
    let (code, lines) = s.check(MM2, check);
    assert_eq!(code, 1);
    let reasons = failing_reasons(&lines[0]);
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("partition count differs: 2 on source, 1 on target")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r == "retention.ms differs"),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r == "topic missing on target"),
        "{reasons:?}"
    );
}

/// Simulate MM2: the same records on both sides, checkpoints on target, synced target offsets.
fn checkpoint(
    bootstrap: &str,
    group: &str,
    topic: &str,
    partition: i32,
    upstream: i64,
    downstream: i64,
) {
    let (key, value) = Checkpoint {
        group: group.into(),
        topic: topic.into(),
        partition,
        upstream_offset: upstream,
        downstream_offset: downstream,
        metadata: String::new(),
    }
    .encode();
    fixture::produce_bytes(bootstrap, "old.checkpoints.internal", 0, &[(key, value)]);
}

#[test]
fn offsets_translated_by_checkpoints_equal_and_content() {
    let s = Scenario::new();
    s.mirrored("orders", 2, &[(0, numbered(0..40)), (1, numbered(0..10))]);
    fixture::create_topic(
        &s.target.bootstrap,
        "old.checkpoints.internal",
        1,
        &[("cleanup.policy", "compact")],
    );
    // billing drained on source; shipping still has lag on partition 0.
    fixture::commit(
        &s.source.bootstrap,
        "billing",
        &[("orders", 0, 40), ("orders", 1, 10)],
    );
    fixture::commit(&s.source.bootstrap, "shipping", &[("orders", 0, 35)]);
    checkpoint(&s.target.bootstrap, "billing", "orders", 0, 40, 40);
    checkpoint(&s.target.bootstrap, "billing", "orders", 1, 10, 10);
    checkpoint(&s.target.bootstrap, "shipping", "orders", 0, 30, 30); // stale
    fixture::commit(
        &s.target.bootstrap,
        "billing",
        &[("orders", 0, 40), ("orders", 1, 9)],
    ); // off by one
    fixture::commit(&s.target.bootstrap, "shipping", &[("orders", 0, 30)]);

    let check = "          - kind: offsets_translated\n            groups: [billing, shipping]\n";
    let (code, lines) = s.check(MM2, check);
    assert_eq!(code, 1);
    let reasons = failing_reasons(&lines[0]);
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("by -1")), "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("checkpoint older than the source commit")),
        "{reasons:?}"
    );

    // MM2 catches up: a fresh checkpoint for shipping and the synced target offset.
    checkpoint(&s.target.bootstrap, "shipping", "orders", 0, 35, 35);
    fixture::commit(&s.target.bootstrap, "shipping", &[("orders", 0, 35)]);
    fixture::commit(&s.target.bootstrap, "billing", &[("orders", 1, 10)]);
    // Anyone can write to the checkpoints topic: a truncated record and garbage are reported
    // one item per record (partition, offset, why), and the rest still counts.
    let (key, value) = Checkpoint {
        group: "billing".into(),
        topic: "orders".into(),
        partition: 0,
        upstream_offset: 40,
        downstream_offset: 40,
        metadata: String::new(),
    }
    .encode();
    fixture::produce_bytes(
        &s.target.bootstrap,
        "old.checkpoints.internal",
        0,
        &[
            (key[..key.len() - 3].to_vec(), value.clone()),
            (b"not a checkpoint".to_vec(), value[..5].to_vec()),
        ],
    );
    let (code, lines) = s.check(MM2, check);
    assert_eq!((code, statuses(&lines)), (0, vec!["pass"]), "{lines:?}");
    let skipped: Vec<&Value> = lines[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| {
            i["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("undecodable checkpoint record skipped"))
        })
        .collect();
    assert_eq!(skipped.len(), 2, "{lines:?}");
    assert!(skipped
        .iter()
        .all(|i| i["status"] == "info" && i["offset"].is_i64()));

    // The same positions hold by equal offsets and by content.
    let equal = "mirror:\n  engine: offset-preserving";
    let (code, _) = s.check(equal, check);
    assert_eq!(code, 0);
    let content = "mirror:\n  engine: replicator";
    let (code, lines) = s.check(content, check);
    assert_eq!(code, 0, "{lines:?}");
    // A target group one record short fails by content too.
    fixture::commit(&s.target.bootstrap, "shipping", &[("orders", 0, 34)]);
    let (code, lines) = s.check(content, check);
    assert_eq!(code, 1, "{lines:?}");
}

#[test]
fn a_drained_group_whose_translation_stops_short_will_re_read() {
    let s = Scenario::new();
    s.mirrored("orders", 1, &[(0, numbered(0..20))]);
    fixture::create_topic(&s.target.bootstrap, "old.checkpoints.internal", 1, &[]);
    fixture::commit(&s.source.bootstrap, "billing", &[("orders", 0, 20)]);
    checkpoint(&s.target.bootstrap, "billing", "orders", 0, 20, 17);
    fixture::commit(&s.target.bootstrap, "billing", &[("orders", 0, 17)]);
    let strict = "          - kind: offsets_translated\n            groups: [billing]\n";
    let (code, lines) = s.check(MM2, strict);
    assert_eq!(code, 1);
    assert!(failing_reasons(&lines[0])[0].contains("re-read 3 records"));
    let lenient = "          - kind: offsets_translated\n            groups: [billing]\n            exact: false\n";
    let (code, lines) = s.check(MM2, lenient);
    assert_eq!(code, 0);
    assert_eq!(lines[0]["items"][0]["reread"], 3);
}

#[test]
fn group_inactive_on_sqlite_tansu_is_an_error_never_a_pass() {
    // tansu's SQLite engine drops the connection on DescribeGroups: that must be an error.
    let s = Scenario::new();
    fixture::create_topic(&s.source.bootstrap, "orders", 1, &[]);
    fixture::commit(&s.source.bootstrap, "billing", &[("orders", 0, 0)]);
    let (code, lines) = s.check("", "          - kind: group_inactive\n            cluster: source\n            groups: [billing]\n");
    assert_eq!((code, statuses(&lines)), (3, vec!["error"]), "{lines:?}");
}

#[test]
fn group_inactive_fails_while_a_consumer_is_in_the_group() {
    // The memory engine reports a group with a member as Stable (it lists no members).
    let source = Broker::start_with("src", &["--memory"]);
    let target = Broker::start("tgt");
    fixture::create_topic(&source.bootstrap, "orders", 1, &[]);
    let member = fixture::Member::join(&source.bootstrap, "billing", "orders");
    let s = Scenario {
        source,
        target,
        dir: tempfile::tempdir().unwrap(),
    };
    let (code, lines) = s.check("", "          - kind: group_inactive\n            cluster: source\n            groups: [billing]\n");
    drop(member);
    assert_eq!((code, statuses(&lines)), (1, vec!["fail"]), "{lines:?}");
    assert!(
        failing_reasons(&lines[0])[0].contains("Stable"),
        "{lines:?}"
    );
}

#[test]
fn command_checks_map_exit_codes() {
    let s = Scenario::new();
    let checks = "          - kind: command\n            run: 'true'\n          - kind: command\n            run: 'exit 4'\n";
    let (code, lines) = s.check("", checks);
    assert_eq!((code, statuses(&lines)), (1, vec!["pass", "fail"]));
    let (code, lines) = s.check(
        "",
        "          - kind: command\n            run: no-such-command-for-cutover\n",
    );
    assert_eq!((code, statuses(&lines)), (3, vec!["error"]));
}

#[test]
fn an_unreachable_cluster_is_exit_3_within_the_request_timeout() {
    let s = Scenario::new();
    let dead = Broker::start("dead");
    let bootstrap = dead.bootstrap.clone();
    drop(dead);
    let text = format!(
        "version: 1\nname: x\nclusters:\n  source: {{ bootstrap: '{bootstrap}' }}\n  target: {{ bootstrap: '{}' }}\ndefaults:\n  request_timeout: 2s\ntiers:\n  - name: t\n    steps:\n      - id: s\n        verifies:\n          - kind: lag_zero\n            cluster: source\n            groups: [billing]\n          - kind: mirror_caught_up\n",
        s.target.bootstrap
    );
    let path = s.dir.path().join("dead.yaml");
    std::fs::write(&path, text).unwrap();
    let started = std::time::Instant::now();
    let out = Test::new()
        .args(["check", path.to_str().unwrap(), "--json"])
        .run();
    assert_eq!(out.code, 3, "{}", out.stdout);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let lines = crate::support::check_json(&out.stdout);
    assert_eq!(statuses(&lines), ["error", "error"]);
    assert!(
        lines[0]["summary"]
            .as_str()
            .unwrap()
            .starts_with("source cluster"),
        "{}",
        lines[0]
    );
}

#[test]
fn a_cluster_id_mismatch_stops_before_any_check() {
    let s = Scenario::new();
    let text = format!(
        "version: 1\nname: x\nclusters:\n  source: {{ bootstrap: '{}', cluster_id: production }}\n  target: {{ bootstrap: '{}' }}\ntiers:\n  - name: t\n    steps:\n      - id: s\n        verifies:\n          - kind: command\n            run: 'true'\n",
        s.source.bootstrap, s.target.bootstrap
    );
    let path = s.dir.path().join("wrong.yaml");
    std::fs::write(&path, text).unwrap();
    let out = Test::new().args(["check", path.to_str().unwrap()]).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("has cluster id src, the runbook expects production"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
}

/// tansu 0.6.0 answers DescribeAcls with no bindings and keeps nothing CreateAcls sends
/// (tansu-storage 0.6.0, src/service/describe_acls.rs and create_acls.rs), so against it the
/// check can show the request path and the evidence rule: a principal named literally with no
/// binding on the source fails (a typo, or no authorizer), a pattern selection passes as
/// "nothing to copy" only with allow_empty, and a target that stops answering is an error.
/// The failing comparisons are unit tests of `acls_match::evaluate` over fetched bindings.
#[test]
fn acls_match_asks_both_clusters_and_a_dead_target_is_an_error() {
    let s = Scenario::new();
    s.mirrored("orders", 1, &[(0, numbered(0..3))]);
    let literal = "          - kind: acls_match\n            groups: [billing]\n            principals: ['User:orders-svc']\n";
    let (code, lines) = s.check("", literal);
    assert_eq!(code, 1, "{lines:?}");
    assert_eq!(
        failing_reasons(&lines[0]),
        ["no ACL binding names User:orders-svc on source: typo, or no authorizer?"]
    );
    let summary = lines[0]["summary"].as_str().unwrap();
    assert!(summary.starts_with("nothing matched"), "{summary}");

    let patterns = "          - kind: acls_match\n            groups: ['bill.*']\n          - kind: acls_match\n            groups: ['bill.*']\n            allow_empty: true\n";
    let (code, lines) = s.check("", patterns);
    assert_eq!(
        (code, statuses(&lines)),
        (1, vec!["fail", "pass"]),
        "{lines:?}"
    );
    let summary = lines[1]["summary"].as_str().unwrap();
    assert!(summary.contains("nothing to copy"), "{summary}");
    assert!(summary.contains("selection was empty"), "{summary}");

    s.target.kill();
    let (code, lines) = s.check("", literal);
    assert_eq!(code, 3, "{lines:?}");
    assert_eq!(statuses(&lines), ["error"]);
    let summary = lines[0]["summary"].as_str().unwrap();
    assert!(summary.starts_with("target cluster"), "{summary}");
    assert!(summary.contains("describe ACLs"), "{summary}");
}

/// `[billing, "ship.*"]`: billing is literal, ship.* a pattern. A pattern-matched group that
/// consumes other topics only is information; a literal typo beside a pattern fails naming
/// it (before, one pattern made the whole selection a pattern and the typo vanished).
#[test]
fn a_mixed_group_selection_is_decided_per_name() {
    let s = Scenario::new();
    for broker in [&s.source, &s.target] {
        fixture::create_topic(&broker.bootstrap, "orders", 1, &[]);
        fixture::create_topic(&broker.bootstrap, "payments", 1, &[]);
        fixture::produce(&broker.bootstrap, "orders", 0, &numbered(0..5));
        fixture::produce(&broker.bootstrap, "payments", 0, &numbered(0..5));
        fixture::commit(&broker.bootstrap, "billing", &[("orders", 0, 5)]);
        fixture::commit(&broker.bootstrap, "shipping", &[("payments", 0, 5)]);
    }
    let checks = "          - kind: lag_zero\n            cluster: source\n            groups: [billing, 'ship.*']\n          - kind: lag_zero\n            cluster: source\n            groups: [biling, 'ship.*']\n          - kind: offsets_translated\n            groups: [billing, 'ship.*']\n          - kind: lag_zero\n            cluster: source\n            groups: ['ship.*']\n";
    let (code, lines) = s.check("mirror:\n  engine: offset-preserving", checks);
    assert_eq!(
        (code, statuses(&lines)),
        (1, vec!["pass", "fail", "pass", "fail"]),
        "{lines:?}"
    );
    let info: Vec<&Value> = lines[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "info")
        .collect();
    assert_eq!(info.len(), 1, "{lines:?}");
    assert_eq!(info[0]["group"], "shipping");
    let summary = lines[0]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("compared 1 partition(s) of 1 topic(s) for 1 group(s)"),
        "{summary}"
    );
    assert!(
        failing_reasons(&lines[1])[0].contains("likely a typo"),
        "{lines:?}"
    );
    assert_eq!(lines[1]["items"][0]["group"], "biling");
    // Only the pattern group, with nothing on the selected topics: nothing compared.
    assert!(
        lines[3]["summary"]
            .as_str()
            .unwrap()
            .starts_with("nothing matched"),
        "{lines:?}"
    );
}

/// A selection that matches nothing never passes unless the runbook says it may, and a
/// literal topic that does not exist fails naming it.
#[test]
fn an_empty_selection_fails_unless_allowed_and_a_literal_typo_fails() {
    let s = Scenario::new();
    s.mirrored("orders", 1, &[(0, numbered(0..3))]);
    let checks = "          - kind: mirror_caught_up\n            topics: ['nothing.*']\n          - kind: mirror_caught_up\n            topics: ['nothing.*']\n            allow_empty: true\n          - kind: topics_match\n            topics: [ordres]\n            allow_empty: true\n          - kind: tail_match\n            topics: [orders, 'nothing.*']\n";
    let (code, lines) = s.check("", checks);
    assert_eq!(
        (code, statuses(&lines)),
        (1, vec!["fail", "pass", "fail", "pass"]),
        "{lines:?}"
    );
    assert!(lines[0]["summary"]
        .as_str()
        .unwrap()
        .contains("allow_empty"));
    assert!(lines[1]["summary"]
        .as_str()
        .unwrap()
        .contains("selection was empty"));
    assert!(lines[2]["summary"]
        .as_str()
        .unwrap()
        .starts_with("nothing matched"));
    assert!(failing_reasons(&lines[2])[0].contains("no topic ordres on source"));
    let summary = lines[3]["summary"].as_str().unwrap();
    assert!(
        summary.contains("pattern nothing.* matched nothing"),
        "{summary}"
    );
}
