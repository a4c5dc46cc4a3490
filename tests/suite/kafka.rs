//! The kafka module's batched queries against real brokers.

use std::time::Duration;

use cutover::kafka::Connection;
use cutover::runbook::{Cluster, Role, Secrets, Setting};

use crate::fixture::{self, numbered};
use crate::support::Broker;

pub fn cluster(role: Role, bootstrap: &str) -> Cluster {
    Cluster {
        role,
        bootstrap: Setting::plain(bootstrap),
        cluster_id: None,
        properties_file: None,
        properties: Default::default(),
    }
}

pub fn connect(role: Role, bootstrap: &str) -> Connection {
    Connection::new(
        &cluster(role, bootstrap),
        Duration::from_secs(5),
        &Secrets::default(),
    )
    .unwrap()
}

#[test]
fn batched_queries_answer_for_every_partition_and_group() {
    let broker = Broker::start("queries");
    fixture::create_topic(
        &broker.bootstrap,
        "orders",
        3,
        &[("retention.ms", "86400000")],
    );
    fixture::produce(&broker.bootstrap, "orders", 0, &numbered(0..30));
    fixture::produce(&broker.bootstrap, "orders", 2, &numbered(0..5));
    fixture::commit(
        &broker.bootstrap,
        "billing",
        &[("orders", 0, 25), ("orders", 2, 5)],
    );
    fixture::commit(&broker.bootstrap, "shipping", &[("orders", 0, 30)]);

    let c = connect(Role::Source, &broker.bootstrap);
    assert_eq!(c.cluster_id().unwrap(), "queries");
    let topics = c.topics().unwrap();
    assert_eq!(topics.get("orders"), Some(&3));
    let partitions: Vec<(String, i32)> = (0..3).map(|p| ("orders".to_string(), p)).collect();
    let ends = c.end_offsets(&partitions).unwrap();
    assert_eq!(ends[&("orders".to_string(), 0)], 30);
    assert_eq!(ends[&("orders".to_string(), 1)], 0);
    assert_eq!(ends[&("orders".to_string(), 2)], 5);
    let starts = c.start_offsets(&partitions).unwrap();
    assert!(starts.values().all(|s| *s == 0));

    let committed = c
        .committed(&["billing".into(), "shipping".into(), "nobody".into()])
        .unwrap();
    let billing: Vec<(String, i32, i64)> = committed["billing"]
        .iter()
        .map(|c| (c.topic.to_string(), c.partition, c.offset))
        .collect();
    assert_eq!(
        billing,
        vec![("orders".into(), 0, 25), ("orders".into(), 2, 5)]
    );
    assert_eq!(committed["shipping"].len(), 1);
    assert!(committed["nobody"].is_empty());

    let configs = c.topic_configs(&["orders".into()]).unwrap();
    assert_eq!(
        configs["orders"]["retention.ms"].as_deref(),
        Some("86400000")
    );

    let read = c
        .read_ranges(&[(("orders".into(), 0), 25, 30), (("orders".into(), 1), 0, 0)])
        .unwrap();
    let offsets: Vec<i64> = read[&("orders".to_string(), 0)]
        .iter()
        .map(|r| r.offset)
        .collect();
    assert_eq!(offsets, vec![25, 26, 27, 28, 29]);
    assert_eq!(
        read[&("orders".to_string(), 0)][0].key.as_deref(),
        Some(&b"k25"[..])
    );
    eprintln!("groups: {:?}", c.list_groups());
    eprintln!(
        "describe: {:?}",
        c.describe_groups(&["billing".into(), "nobody".into()])
    );
}

#[test]
fn an_unreachable_cluster_is_an_error_in_bounded_time() {
    // A port nothing listens on: every query must fail, none may answer empty.
    let c = Connection::new(
        &cluster(Role::Target, "127.0.0.1:9"),
        Duration::from_secs(2),
        &Secrets::default(),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let err = c.topics().unwrap_err();
    assert_eq!(err.role, Role::Target);
    assert!(
        err.to_string()
            .starts_with("target cluster 127.0.0.1:9: metadata:"),
        "{err}"
    );
    let err = c.end_offsets(&[("t".into(), 0)]).unwrap_err();
    assert_eq!(err.operation, "end offsets");
    let err = c.committed(&["g".into()]).unwrap_err();
    assert_eq!(err.operation, "committed offsets");
    let err = c.list_groups().unwrap_err();
    assert_eq!(err.operation, "list groups");
    let err = c.read_ranges(&[(("t".into(), 0), 0, 5)]).unwrap_err();
    assert_eq!(err.operation, "read records");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn offsets_for_times_first_records_and_counts_by_reading() {
    let broker = Broker::start("times");
    fixture::create_topic(&broker.bootstrap, "orders", 2, &[]);
    fixture::produce(&broker.bootstrap, "orders", 0, &numbered(0..10));
    let c = connect(Role::Source, &broker.bootstrap);
    let p0 = ("orders".to_string(), 0);
    let p1 = ("orders".to_string(), 1);
    let base = 1_700_000_000_000i64;
    // One batched request: a timestamp inside the log, one past its last record, an empty
    // partition (no record at or after anything: None, not 0 or the end).
    let found = c
        .offsets_for_times(&[(p0.clone(), base + 4), (p1.clone(), base)])
        .unwrap();
    assert_eq!(found[&p0], Some((4, base + 4)));
    // Kafka answers offset -1 (None) when no record is at or after the timestamp
    // (`UnifiedLog.fetchOffsetByTimestamp` finds nothing: ListOffsetsResponse.UNKNOWN_OFFSET);
    // tansu 0.6.0 answers offset 0 with timestamp -1, which record_counts::window_offset
    // takes as "none" when the log's last record agrees.
    assert!(matches!(found[&p1], None | Some((_, -1))), "{found:?}");
    let past = c.offsets_for_times(&[(p0.clone(), base + 100)]).unwrap();
    assert!(matches!(past[&p0], None | Some((_, -1))), "{past:?}");
    let heads = c.first_data_records(&[p0.clone(), p1.clone()], 8).unwrap();
    let (start, first) = &heads[&p0];
    assert_eq!(
        (*start, first.as_ref().map(|r| r.timestamp)),
        (0, Some(Some(base)))
    );
    assert_eq!(heads[&p1], (0, None));
    let counts = c
        .count_by_reading(
            &[(p0.clone(), 3, 10), (p1.clone(), 0, 0)],
            std::time::Instant::now() + Duration::from_secs(10),
        )
        .unwrap();
    assert_eq!((counts[&p0], counts[&p1]), (7, 0));
    // Review finding 4: a read ends by the check's deadline (`retry::deadline`), however
    // steadily records come: its progress deadline alone moved on with each record.
    let cut = cutover::kafka::retry::within(Some(std::time::Instant::now()), || {
        c.read_ranges(&[(p0.clone(), 0, 10)])
    })
    .unwrap_err();
    assert!(
        cut.message.contains("within the check's timeout"),
        "{}",
        cut.message
    );
}
