//! Scale (issue 14): deadlines for progress, not for a whole read, and a timed-out request
//! retried within the check's own timeout. Run against librdkafka's mock cluster, whose
//! brokers listen on real sockets and can be slowed down (`broker_round_trip_time`); the real
//! binary talks to it as to any cluster.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::Value;

use crate::support::{write, Test};

/// A mock cluster with topic `orders` (1 partition, 10 records) and `groups` groups, each
/// committed at the end (drained).
fn drained_cluster(groups: usize) -> MockCluster<'static, DefaultProducerContext> {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("orders", 1, 1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .create()
        .unwrap();
    for i in 0..10 {
        let value = format!("{i}");
        producer
            .send(
                BaseRecord::<(), _>::to("orders")
                    .partition(0)
                    .payload(&value),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();
    for g in 0..groups {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .set("group.id", format!("billing-{g:03}"))
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        let mut offsets = TopicPartitionList::new();
        offsets
            .add_partition_offset("orders", 0, Offset::Offset(10))
            .unwrap();
        consumer
            .commit(&offsets, rdkafka::consumer::CommitMode::Sync)
            .unwrap();
    }
    cluster
}

/// lag_zero over `groups` literal names (the mock cluster has no ListGroups).
fn runbook(
    dir: &std::path::Path,
    bootstrap: &str,
    request_timeout: &str,
    groups: usize,
) -> std::path::PathBuf {
    let names: Vec<String> = (0..groups).map(|g| format!("billing-{g:03}")).collect();
    let names = names.join(", ");
    write(
        dir,
        "scale.yaml",
        &format!(
            "version: 1\nname: scale\nclusters:\n  source: {{ bootstrap: '{bootstrap}' }}\n  target: {{ bootstrap: '{bootstrap}' }}\ndefaults:\n  timeout: 40s\n  request_timeout: {request_timeout}\ntiers:\n  - name: t\n    steps:\n      - id: drain\n        verifies:\n          - kind: lag_zero\n            cluster: source\n            groups: [{names}]\n"
        ),
    )
}

fn check_line(out: &crate::support::Outcome) -> Value {
    out.stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["type"] == "check")
        .unwrap_or_else(|| {
            panic!(
                "no check line in {}\n--- stderr\n{}",
                out.stdout, out.stderr
            )
        })
}

/// 200 groups answer one OffsetFetch each; every answer takes 400 ms (the broker's round
/// trip), and librdkafka sends one request per group. The whole lag_zero takes several
/// request timeouts (1 s), but answers keep coming: no cut-off, a verdict (pass).
#[test]
fn a_check_whose_reads_keep_progressing_is_not_cut_off_by_request_timeout() {
    let cluster = drained_cluster(200);
    cluster
        .broker_round_trip_time(1, Duration::from_millis(400))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let runbook = runbook(dir.path(), &cluster.bootstrap_servers(), "1s", 200);
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["check", runbook.to_str().unwrap(), "--json"])
        .run();
    let took = started.elapsed();
    let check = check_line(&out);
    assert_eq!(check["status"], "pass", "{check}\n{}", out.stderr);
    assert!(
        took > Duration::from_secs(2),
        "the reads took {took:?}: the test needs them longer than the request timeout"
    );
}

/// The broker is slower than the request timeout at first (3 s round trips, 1 s request
/// timeout), then recovers. (With the socket timeout equal to the request timeout, librdkafka
/// dropped the connection and then aborted in about 2 of 5 runs: "rd_kafka_enq_once_del_source_return:
/// Assertion `eonce->refcnt > 0' failed", its open bug in the coordinator-request error path,
/// confluentinc/librdkafka PR #5397. The connection's socket timeout is now above the request
/// timeout: 0 aborts in 8 runs. See `Connection::new`.) Then: `cutover check` asks again within the check's timeout (40 s) and
/// gives the verdict instead of an error at the first timed-out request.
#[test]
fn a_timed_out_request_is_retried_within_the_check_timeout() {
    let cluster = drained_cluster(3);
    cluster
        .broker_round_trip_time(1, Duration::from_millis(3000))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let runbook = runbook(dir.path(), &cluster.bootstrap_servers(), "1s", 3);
    let started = Instant::now();
    let out = std::thread::scope(|scope| {
        let run = scope.spawn(|| {
            Test::new()
                .current_dir(dir.path())
                .args(["check", runbook.to_str().unwrap(), "--json"])
                .run()
        });
        std::thread::sleep(Duration::from_secs(4));
        cluster
            .broker_round_trip_time(1, Duration::from_millis(0))
            .unwrap();
        run.join().unwrap()
    });
    let took = started.elapsed();
    let check = check_line(&out);
    assert_eq!(check["status"], "pass", "{check}\n{}", out.stderr);
    assert!(took < Duration::from_secs(40), "took {took:?}");
}

/// Each poll of a step's checks is journaled with how long it took (`poll` events, in
/// rounds), and the report shows the timings: the first poll and the later ones against it.
#[test]
fn per_poll_timings_are_journaled_and_shown_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    // A check that passes at its third poll; it needs no cluster.
    let runbook = write(
        dir.path(),
        "polls.yaml",
        "version: 1\nname: polls\nclusters:\n  source: { bootstrap: '127.0.0.1:1' }\n  target: { bootstrap: '127.0.0.1:1' }\ndefaults:\n  poll_interval: 1s\n  timeout: 30s\n  request_timeout: 1s\ntiers:\n  - name: t\n    steps:\n      - id: wait\n        verifies:\n          - kind: command\n            run: echo x >> polled && test $(wc -l < polled) -ge 3\n",
    );
    Test::new()
        .current_dir(dir.path())
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    let events = crate::support::journal_events(dir.path());
    let polls: Vec<&Value> = events.iter().filter(|e| e["event"] == "poll").collect();
    assert_eq!(polls.len(), 3, "{events:?}");
    for (i, poll) in polls.iter().enumerate() {
        assert_eq!(poll["step"], "wait");
        assert_eq!(poll["phase"], "verifies");
        assert_eq!(poll["round"], i as u64 + 1);
        assert!(
            poll["took_ms"].is_u64() && poll["elapsed_ms"].is_u64(),
            "{poll}"
        );
    }
    // Each round's poll event comes before its check event.
    let kinds: Vec<&str> = events
        .iter()
        .filter_map(|e| e["event"].as_str())
        .filter(|e| *e == "poll" || *e == "check")
        .collect();
    assert_eq!(kinds, ["poll", "check", "poll", "check", "poll", "check"]);

    let report = Test::new()
        .current_dir(dir.path())
        .args(["report"])
        .run()
        .expect_code(0)
        .stdout;
    let line = report
        .lines()
        .find(|l| l.starts_with("Poll timings: first "))
        .unwrap_or_else(|| panic!("no poll timings in the report:\n{report}"));
    assert!(
        line.contains(", later 2 poll(s): median ") && line.contains("% of the first"),
        "{line}"
    );
    let json: Value = serde_json::from_str(
        &Test::new()
            .current_dir(dir.path())
            .args(["report", "--format", "json"])
            .run()
            .expect_code(0)
            .stdout,
    )
    .unwrap();
    let timings = json["steps"][0]["checks"][0]["poll_ms"].as_array().unwrap();
    assert_eq!(timings.len(), 3, "{json}");
}

/// Later polls of mirror_caught_up read last records only of partitions whose end offset
/// moved (the others keep the last record read before). The cache must never hide a change:
/// a partition that receives records on either side between polls is read again and judged
/// on what it holds now.
#[test]
fn later_polls_reread_the_partitions_whose_end_moved_and_judge_them_anew() {
    use crate::fixture::{self, numbered};
    use crate::support::{journal_events, Broker};
    let source = Broker::start("src");
    let target = Broker::start("tgt");
    for b in [&source, &target] {
        fixture::create_topic(&b.bootstrap, "orders", 2, &[]);
        fixture::produce(&b.bootstrap, "orders", 0, &numbered(0..5));
    }
    fixture::produce(&source.bootstrap, "orders", 1, &numbered(0..3));
    fixture::produce(&target.bootstrap, "orders", 1, &numbered(0..2));
    let dir = tempfile::tempdir().unwrap();
    let runbook = write(
        dir.path(),
        "mirror.yaml",
        &format!(
            "version: 1\nname: mirror\nclusters:\n  source: {{ bootstrap: '{}' }}\n  target: {{ bootstrap: '{}' }}\ndefaults:\n  poll_interval: 1s\n  timeout: 240s\n  request_timeout: 5s\ntiers:\n  - name: t\n    steps:\n      - id: mirror\n        verifies:\n          - kind: mirror_caught_up\n            topics: [orders]\n",
            source.bootstrap, target.bootstrap
        ),
    );
    let mut run = std::process::Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .current_dir(dir.path())
        // Its run index and cluster locks stay in the test directory, never the user's own.
        .env(
            "CUTOVER_USER_STATE_DIR",
            crate::support::user_state_dir(dir.path()),
        )
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let checks = |dir: &std::path::Path| -> Vec<Value> {
        journal_events(dir)
            .into_iter()
            .filter(|e| e["event"] == "check")
            .collect()
    };
    let wait = |what: &str, done: &dyn Fn(&[Value]) -> bool| {
        let started = Instant::now();
        loop {
            let seen = checks(dir.path());
            if done(&seen) {
                return seen;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "no {what}: {seen:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    // Poll 1: partition 1 is behind on target.
    let seen = wait("failing poll", &|c| c.iter().any(|e| e["status"] == "fail"));
    assert!(
        seen[0]["summary"].as_str().unwrap().contains("1 of 2"),
        "{}",
        seen[0]
    );
    // Between polls: partition 1 catches up, and partition 0 moves on the source only.
    fixture::produce(&target.bootstrap, "orders", 1, &numbered(2..3));
    fixture::produce(&source.bootstrap, "orders", 0, &numbered(5..6));
    let before = seen.len();
    // Later polls (three or more in 3 s) must see partition 0 behind: a cache that kept its
    // old last record would call it the same, and the run would pass and exit now.
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        run.try_wait().unwrap().is_none(),
        "passed with partition 0 behind"
    );
    let seen = checks(dir.path());
    assert!(seen.len() >= before + 2, "{seen:?}");
    assert!(seen.last().unwrap()["status"] == "fail", "{seen:?}");
    fixture::produce(&target.bootstrap, "orders", 0, &numbered(5..6));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = run.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the run did not finish"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status.code(), Some(0));
    let last = checks(dir.path()).pop().unwrap();
    assert_eq!(last["status"], "pass", "{last}");
    let items = last["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items.iter().all(|i| i["reason"] == "same last record"),
        "{items:?}"
    );
}

/// Review finding 4: the progress deadline moves with each answer, but never past the check's
/// timeout. The same steady 200 answers (400 ms each, 32 at a time: several seconds) under a
/// 3 s check timeout (and request timeout) end at that timeout as an error, not a pass later.
#[test]
fn a_check_whose_reads_keep_progressing_still_ends_at_its_timeout() {
    let cluster = drained_cluster(200);
    cluster
        .broker_round_trip_time(1, Duration::from_millis(400))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let runbook = runbook(dir.path(), &cluster.bootstrap_servers(), "3s", 200);
    let text = std::fs::read_to_string(&runbook)
        .unwrap()
        .replace("timeout: 40s", "timeout: 3s");
    std::fs::write(&runbook, text).unwrap();
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["check", runbook.to_str().unwrap(), "--json"])
        .run();
    let took = started.elapsed();
    let check = check_line(&out);
    assert_eq!(check["status"], "error", "{check}\n{}", out.stderr);
    assert!(
        check["summary"]
            .as_str()
            .unwrap()
            .contains("before the check's timeout"),
        "{check}"
    );
    assert!(took < Duration::from_millis(4500), "took {took:?}: {check}");
}

/// One request may not outlive its check either: with a 10 s `request_timeout` and a broker
/// that answers every request after 3 s, a check whose own timeout is 1 s gives an error at
/// about its timeout, not after the first slow answer (each request is bounded by what is
/// left of the check).
#[test]
fn a_single_slow_request_ends_at_the_checks_timeout() {
    let cluster = drained_cluster(1);
    cluster
        .broker_round_trip_time(1, Duration::from_millis(3000))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let runbook = runbook(dir.path(), &cluster.bootstrap_servers(), "10s", 1);
    let text = std::fs::read_to_string(&runbook)
        .unwrap()
        .replace("timeout: 40s", "timeout: 1s");
    std::fs::write(&runbook, text).unwrap();
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["check", runbook.to_str().unwrap(), "--json"])
        .run();
    let took = started.elapsed();
    let check = check_line(&out);
    assert_eq!(check["status"], "error", "{check}\n{}", out.stderr);
    assert!(took < Duration::from_millis(2800), "took {took:?}: {check}");
}

/// A poll of `cutover run` keeps (and journals) the failing items up to 1,000 and 20 passing
/// ones, with every item's count by status: 30 drained group partitions journal 20 items and
/// `item_counts` of 30, and the report (10 passing rows) counts the other 20. (The items of the
/// final round used to be journaled whole as one JSON tree: 634 MB for a 2,000-partition wait.)
#[test]
fn a_poll_journals_its_items_bounded_with_the_count_of_every_item() {
    let cluster = drained_cluster(30);
    let dir = tempfile::tempdir().unwrap();
    let runbook = runbook(dir.path(), &cluster.bootstrap_servers(), "5s", 30);
    Test::new()
        .current_dir(dir.path())
        .args(["run", runbook.to_str().unwrap(), "--yes"])
        .run()
        .expect_code(0);
    let events = crate::support::journal_events(dir.path());
    let check = events
        .iter()
        .rfind(|e| e["event"] == "check")
        .unwrap_or_else(|| panic!("no check event: {events:?}"));
    assert_eq!(check["status"], "pass", "{check}");
    assert_eq!(check["items"].as_array().unwrap().len(), 20, "{check}");
    assert_eq!(
        check["item_counts"],
        serde_json::json!({"pass": 30, "fail": 0, "error": 0, "info": 0})
    );
    let report = Test::new()
        .current_dir(dir.path())
        .args(["report"])
        .run()
        .expect_code(0)
        .stdout;
    assert!(
        report.contains("…and 20 more passing item(s), counted (a poll journals 20)."),
        "{report}"
    );
}
