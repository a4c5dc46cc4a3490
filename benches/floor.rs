//! The floor for the check benchmark: the same Kafka requests `cutover check` needs, issued
//! bare (librdkafka calls, no evaluation, no digests), each part timed on its own.
//!
//!   cargo bench --bench floor -- SOURCE TARGET PARTITIONS
//!
//! Prints one JSON line per part and a total per benchmark. bench/run.sh runs it beside
//! `cutover check` on the same scenario (bench/scenario.py).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cutover::kafka::native::{self, Handle, OffsetSpec};
use rdkafka::admin::AdminClient;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(120);

struct Cluster {
    config: ClientConfig,
    admin: AdminClient<rdkafka::client::DefaultClientContext>,
}

impl Cluster {
    fn new(bootstrap: &str) -> Cluster {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", bootstrap);
        let admin = config.create().expect("admin client");
        Cluster { config, admin }
    }

    fn handle(&self) -> Handle {
        Handle(self.admin.inner().native_ptr())
    }

    /// Read [start, end) of each partition with one consumer; count records, keep nothing.
    fn read(&self, ranges: &[((String, i32), i64, i64)]) -> u64 {
        let consumer: BaseConsumer = self
            .config
            .clone()
            .set("group.id", "__cutover-floor")
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "true")
            .set("fetch.wait.max.ms", "1")
            .set("max.partition.fetch.bytes", "16777216")
            .set("fetch.max.bytes", "134217728")
            .create()
            .expect("consumer");
        let mut list = TopicPartitionList::new();
        let mut pending: HashMap<(String, i32), i64> = HashMap::new();
        for ((topic, partition), start, end) in ranges {
            if end > start {
                list.add_partition_offset(topic, *partition, Offset::Offset(*start))
                    .unwrap();
                pending.insert((topic.clone(), *partition), *end);
            }
        }
        consumer.assign(&list).unwrap();
        let mut count = 0;
        let deadline = Instant::now() + TIMEOUT;
        while !pending.is_empty() && Instant::now() < deadline {
            match consumer.poll(Duration::from_millis(200)) {
                Some(Ok(message)) => {
                    use rdkafka::Message;
                    count += 1;
                    let key = (message.topic().to_string(), message.partition());
                    if pending
                        .get(&key)
                        .is_some_and(|end| message.offset() + 1 >= *end)
                    {
                        pending.remove(&key);
                        let mut done = TopicPartitionList::new();
                        done.add_partition(&key.0, key.1);
                        let _ = consumer.pause(&done);
                    }
                }
                Some(Err(rdkafka::error::KafkaError::PartitionEOF(_))) | None => {}
                Some(Err(e)) => panic!("read: {e}"),
            }
        }
        assert!(pending.is_empty(), "floor read incomplete");
        count
    }
}

fn timed<T>(part: &str, f: impl FnOnce() -> T) -> (T, f64) {
    let started = Instant::now();
    let out = f();
    let seconds = started.elapsed().as_secs_f64();
    println!("{}", json!({"part": part, "seconds": seconds}));
    (out, seconds)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [source, target, partitions] = &args[..] else {
        eprintln!("usage: cargo bench --bench floor -- SOURCE TARGET PARTITIONS");
        std::process::exit(2);
    };
    let partitions: usize = partitions.parse().expect("PARTITIONS is a number");
    let topics = partitions / 50;
    let groups: Vec<String> = (0..partitions / 10)
        .map(|g| format!("bench.g{g:03}"))
        .collect();
    let all: Vec<(String, i32)> = (0..topics)
        .flat_map(|t| (0..50).map(move |p| (format!("bench.t{t:03}"), p)))
        .collect();
    let tail: Vec<(String, i32)> = all
        .iter()
        .filter(|(t, _)| t[7..].parse::<usize>().unwrap() < topics / 4)
        .cloned()
        .collect();
    let (source, target) = (Cluster::new(source), Cluster::new(target));

    let mut a = 0.0;
    let (_, s) = timed("a.list_groups.source", || {
        native::list_consumer_groups(source.handle(), TIMEOUT).unwrap()
    });
    a += s;
    let mut ends = HashMap::new();
    for (name, cluster) in [("source", &source), ("target", &target)] {
        let (answer, s) = timed(&format!("a.end_offsets.{name}"), || {
            native::list_offsets(cluster.handle(), &all, OffsetSpec::Latest, TIMEOUT).unwrap()
        });
        a += s;
        ends.insert(
            name,
            answer
                .into_iter()
                .map(|(k, v)| (k, v.unwrap()))
                .collect::<HashMap<_, _>>(),
        );
        let (_, s) = timed(&format!("a.group_offsets.{name}"), || {
            native::list_consumer_group_offsets(cluster.handle(), &groups, None, TIMEOUT).unwrap()
        });
        a += s;
        let ranges: Vec<_> = all
            .iter()
            .map(|tp| (tp.clone(), ends[name][tp] - 1, ends[name][tp]))
            .collect();
        let (_, s) = timed(&format!("a.last_records.{name}"), || cluster.read(&ranges));
        a += s;
    }
    let checkpoints = ("old.checkpoints.internal".to_string(), 0);
    let end = native::list_offsets(
        target.handle(),
        std::slice::from_ref(&checkpoints),
        OffsetSpec::Latest,
        TIMEOUT,
    )
    .unwrap()[0]
        .1
        .clone()
        .unwrap();
    let (read, s) = timed("a.checkpoints.target", || {
        target.read(&[(checkpoints.clone(), 0, end)])
    });
    a += s;
    println!(
        "{}",
        json!({"part": "a.total", "seconds": a, "checkpoint_records": read})
    );

    let mut b = 0.0;
    for (name, cluster) in [("source", &source), ("target", &target)] {
        let ranges: Vec<_> = tail
            .iter()
            .map(|tp| (tp.clone(), ends[name][tp] - 100, ends[name][tp]))
            .collect();
        let (_, s) = timed(&format!("b.tail_100.{name}"), || cluster.read(&ranges));
        b += s;
    }
    println!(
        "{}",
        json!({"part": "b.total", "seconds": b, "partitions": tail.len()})
    );
}
